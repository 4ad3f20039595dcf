//! Integration tests: the `testpress` binary run on `content-samples/` and `tests/fixtures/`.

mod build;
mod formats;
mod reports;
mod safety;
mod support;

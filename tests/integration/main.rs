//! Integration tests: the `testpress` binary run on `content-samples/` and `tests/fixtures/`.

mod build;
mod cache;
mod formats;
mod history;
mod reports;
mod safety;
mod support;

//! testpress: walks test result trees, indexes runs and renders a static site and reports.
//!
//! The modules follow the data: [`ingest`] → [`model`] → [`index`] and [`summary`] →
//! [`render`] → [`deliver`].

pub mod cli;
pub mod deliver;
pub mod index;
pub mod ingest;
pub mod model;
pub mod paths;
pub mod progress;
pub mod redact;
pub mod render;
pub mod summary;

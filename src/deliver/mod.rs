//! Delivery: getting a finished site into place (serve, publish and notify come later).

pub mod output;

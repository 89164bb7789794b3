//! The portal's server: configuration, start-up, sessions and demo data.
//! `main.rs` only reads the command line; tests start the same server on port 0.

pub mod assets;
pub mod bench;
pub mod bench_activation;
pub mod bench_contacts;
pub mod config;
pub mod demo_enrollments;
pub mod edge;
pub mod large_data;
pub mod link_keys;
pub mod mailer;
pub mod seed;
pub mod session_cache;
pub mod smtp;
pub mod startup;

pub use config::Settings;
pub use startup::{Application, StartupError};

//! The portal's server: configuration, start-up, sessions and demo data.
//! `main.rs` only reads the command line; tests start the same server on port 0.

pub mod assets;
pub mod backup;
pub mod check;
pub mod command_line;
pub mod config;
pub mod demo_enrollments;
pub mod edge;
pub mod exports;
pub mod link_keys;
pub mod mailbox;
pub mod mailer;
pub mod operations;
pub mod seed;
pub mod session_cache;
pub mod smtp;
pub mod startup;
#[cfg(feature = "tools")]
pub mod tools;
pub mod workers;

pub use config::Settings;
pub use startup::{Application, StartupError};

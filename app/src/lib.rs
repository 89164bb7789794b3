//! The Volume Licensing portal: pages, server functions and the domain.
//!
//! Server-only code (queries, sessions, passwords) sits behind the `ssr` feature;
//! the browser build (`hydrate`) gets only what renders and validates.

#[cfg(feature = "ssr")]
pub mod access;
pub mod accounts;
pub mod activation;
pub mod audit;
pub mod auth;
pub mod contacts;
pub mod domain;
pub mod enrollments;
pub mod error;
#[cfg(feature = "ssr")]
pub mod exports;
pub mod home;
#[cfg(feature = "ssr")]
pub mod keys;
pub mod lists;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod orders;
pub mod people;
pub mod reservations;
#[cfg(feature = "ssr")]
pub mod response;
pub mod shell;
pub mod support;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod state;

pub use error::AppError;
pub use shell::{shell, App};

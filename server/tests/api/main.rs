//! Integration tests: each starts the real portal on port 0 against a fresh
//! database, once on SQLite and once on PostgreSQL.

mod fixture;
mod helpers;

mod accounts;
mod activation;
mod authorisation;
mod backup;
mod check;
mod claim_plans;
mod contact_changes;
mod diagnosis;
mod edge;
mod enrollments;
mod exports;
mod home;
mod hostile_input;
mod light_pages;
mod link_keys;
mod lists;
mod mail_submission;
mod operations;
mod outbox_delivery;
mod outbox_queue;
mod people;
mod people_management;
mod reservations;
mod schemas;
mod sign_in;
mod smtp;
mod start_up;
mod support;
mod two_step;
mod upgrades;

//! Black-box tests of the HTTP API, each on SQLite and on PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod bad_input;
mod ingest;
mod operations;
mod policies;
mod staff;
mod surveys;

//! Black-box tests of the HTTP API, each on SQLite and on PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod bad_input;
mod benchmarks_coaching;
mod dashboard;
mod follow_ups;
mod follow_ups_pages;
mod ingest;
mod insight;
mod operations;
mod policies;
mod reports;
mod staff;
mod staff_settings;
mod staff_settings_policies;
mod staff_settings_users;
mod surveys;
mod themes;
mod visit_cards;
mod visits;

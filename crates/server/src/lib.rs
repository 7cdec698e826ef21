//! Rapport's HTTP service. [`Application::build`] binds its own listener (tests pass
//! port 0 and read the real port back); each feature module owns its routes.

mod api;
mod app;
pub mod charts;
pub mod clock;
pub mod config;
mod desk;
mod error;
pub mod first_admin;
pub mod followup_mail;
mod group_commit;
pub mod i18n;
mod ingest_queue;
mod metrics;
mod pages;
pub mod report;
pub mod staff;
pub mod survey_email;
pub mod visit_email;
pub mod worker;

pub use app::{AppState, Application};
pub use clock::Clock;
pub use config::Config;
pub use error::ApiError;

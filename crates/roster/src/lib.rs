//! The `roster` binary's library: configuration, start-up, the command line.
#![forbid(unsafe_code)]

pub mod cli;
mod commands;
mod healthcheck;
mod observability;
pub mod settings;
pub mod startup;
pub mod telemetry;

pub use settings::Settings;
pub use startup::{Application, StartupError};

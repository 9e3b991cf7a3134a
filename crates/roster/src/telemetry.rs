//! Logging: human-readable by default, JSON lines with `ROSTER_LOG_FORMAT=json`.

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

use crate::settings::{LogFormat, Settings};

/// Installs the global subscriber once; later calls (tests building many apps) do nothing.
pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match settings.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}

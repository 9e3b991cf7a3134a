//! The decisions a caller of roster-tenant has to make.

/// What went wrong, as a caller needs to act on it. Messages never carry a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Credentials were missing, malformed, wrong, revoked or of another tenant; deliberately
    /// says no more than that.
    #[error("the credentials were not accepted")]
    Unauthorized,
    /// A setup link that is unknown, expired, revoked or malformed; says no more than that.
    #[error("this setup link cannot be used")]
    LinkUnusable,
    #[error("unexpected database error")]
    Unexpected(#[from] sqlx::Error),
    #[error("unexpected internal error: {0}")]
    Internal(String),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

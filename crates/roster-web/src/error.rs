//! The crate's one error type, and the one place it becomes HTTP: every failure is a friendly
//! page in plain language with the right status. Internal causes are logged, never shown.

use actix_web::{
    http::{header, StatusCode},
    HttpResponse, ResponseError,
};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// An unknown, expired, revoked or malformed setup link: one page, the same bytes for all.
    #[error("this setup link cannot be used")]
    LinkUnusable,
    /// A form without a matching CSRF token.
    #[error("the form's security check failed")]
    Forbidden,
    #[error("too many requests from this address")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the form could not be read")]
    BadForm,
    /// A staff console request without a live session (a GET is redirected to sign in).
    #[error("sign in first")]
    SignInRequired,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl From<roster_tenant::Error> for PageError {
    fn from(e: roster_tenant::Error) -> Self {
        match e {
            roster_tenant::Error::LinkUnusable => PageError::LinkUnusable,
            roster_tenant::Error::NotFound(what) => PageError::NotFound(what),
            other => PageError::Unexpected(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        PageError::Unexpected(format!("database: {e}"))
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Unexpected(format!("template: {e}"))
    }
}

#[derive(Template)]
#[template(path = "setup/message.html")]
struct MessagePage<'a> {
    vendor: &'a str,
    title: &'a str,
    paragraphs: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/message.html")]
struct StaffMessagePage<'a> {
    vendor: &'a str,
    title: &'a str,
    paragraphs: Vec<String>,
}

impl PageError {
    /// The page a person sees for this error.
    pub(crate) fn render(&self, vendor: &str) -> HttpResponse {
        let (title, paragraphs) = self.words(vendor);
        let body = MessagePage {
            vendor,
            title,
            paragraphs,
        }
        .render()
        .unwrap_or_else(|_| title.to_owned());
        self.respond(body)
    }

    /// The same, worded for vendor staff on the console's layout.
    pub(crate) fn render_staff(&self, vendor: &str) -> HttpResponse {
        let (title, paragraphs) = match self {
            PageError::Forbidden => (
                "The form was refused",
                vec![
                    "The form came without this console's security check, or from another \
                     site, so nothing was changed."
                        .into(),
                    "Go back, reload the page and try again.".into(),
                ],
            ),
            PageError::BadForm => (
                "The form could not be read",
                vec!["Go back, reload the page and try again.".into()],
            ),
            other => other.words(vendor),
        };
        let body = StaffMessagePage {
            vendor,
            title,
            paragraphs,
        }
        .render()
        .unwrap_or_else(|_| title.to_owned());
        self.respond(body)
    }

    fn words(&self, vendor: &str) -> (&'static str, Vec<String>) {
        match self {
            PageError::LinkUnusable => (
                "This setup link does not work",
                vec![
                    "The link may be mistyped, or it has expired or been replaced by a newer one."
                        .into(),
                    format!("Ask your contact at {vendor} for a new setup link."),
                ],
            ),
            PageError::Forbidden => (
                "Please reload the page and try again",
                vec![
                    "The form was sent without this page's security check, so nothing was \
                     changed. This happens when the page was opened in another browser or \
                     cookies are blocked for this site."
                        .into(),
                    "Reload the setup page and press the button again.".into(),
                ],
            ),
            PageError::TooManyRequests { retry_after_secs } => (
                "Too many requests",
                vec![format!(
                    "This address has sent too many requests to setup pages. Wait {retry_after_secs} \
                     seconds, then reload the page."
                )],
            ),
            PageError::BadForm => (
                "The form could not be read",
                vec!["Reload the setup page and press the button again.".into()],
            ),
            PageError::SignInRequired => (
                "Sign in first",
                vec!["Your session has ended. Sign in again, then repeat the action.".into()],
            ),
            PageError::NotFound(what) => (
                "Not found",
                vec![format!("The {what} does not exist, or no longer exists.")],
            ),
            PageError::Unexpected(cause) => {
                tracing::error!(%cause, "a page failed");
                (
                    "Something went wrong on our side",
                    vec![format!(
                        "Nothing you did caused this. Try again in a minute; if it keeps \
                         happening, tell your contact at {vendor}."
                    )],
                )
            }
        }
    }

    fn respond(&self, body: String) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("text/html; charset=utf-8");
        if let PageError::TooManyRequests { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        response.body(body)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::LinkUnusable => StatusCode::NOT_FOUND,
            PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            PageError::BadForm => StatusCode::BAD_REQUEST,
            PageError::SignInRequired => StatusCode::FORBIDDEN,
            PageError::NotFound(_) => StatusCode::NOT_FOUND,
            PageError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The real page needs the vendor's name, so `security::guard` replaces this body with
    /// [`PageError::render`]; this is only the fallback outside that middleware.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}

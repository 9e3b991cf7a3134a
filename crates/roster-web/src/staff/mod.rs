//! The staff console under `/staff`: sessions in a private (encrypted and signed) cookie,
//! the guard every console request passes (cross-site posts refused, no page or action
//! without a live session of an active account), and the routes of its pages.

mod auth;
mod companies;
mod health;
mod views;

use actix_session::{
    config::{BrowserSession, CookieContentSecurity},
    storage::CookieSessionStore,
    Session, SessionExt, SessionMiddleware,
};
use actix_web::{
    body::{EitherBody, MessageBody},
    cookie::{Key, SameSite},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{header, Method},
    middleware::{from_fn, Next},
    web::{self, Data},
    Error, FromRequest, HttpMessage, HttpRequest, HttpResponse,
};
use base64::{engine::general_purpose, Engine as _};
use rand::RngCore;
use roster_tenant::{Actor, Email};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::{error::PageError, security, Web, WebError};

const COOKIE: &str = "roster_staff";
/// A session unused for this long has ended.
const IDLE: chrono::Duration = chrono::Duration::hours(8);
/// However active, a session ends this long after signing in.
const ABSOLUTE: chrono::Duration = chrono::Duration::hours(24);

const KEY_STAFF: &str = "staff";
const KEY_SINCE: &str = "since";
const KEY_SEEN: &str = "seen";
const KEY_CSRF: &str = "csrf";

/// The session cookie's key and the bootstrap secret, made once per process.
pub(crate) struct StaffKeys {
    pub session: Key,
    pub bootstrap: SecretString,
}

impl StaffKeys {
    pub fn new(configured: Option<&SecretString>) -> Result<Self, WebError> {
        let session = match configured {
            Some(encoded) => {
                let text = encoded.expose_secret().trim();
                let bytes = general_purpose::STANDARD
                    .decode(text)
                    .or_else(|_| general_purpose::URL_SAFE_NO_PAD.decode(text))
                    .map_err(|_| WebError::Setting {
                        setting: "ROSTER_SESSION_KEY".into(),
                        message: "is not base64".into(),
                    })?;
                Key::try_from(bytes.as_slice()).map_err(|_| WebError::Setting {
                    setting: "ROSTER_SESSION_KEY".into(),
                    message: format!(
                        "needs at least 64 bytes of key (base64 of `openssl rand 64`), not {}",
                        bytes.len()
                    ),
                })?
            }
            None => {
                tracing::warn!(
                    "ROSTER_SESSION_KEY is not set: staff sessions use a random key for this \
                     process, so they end at a restart and do not span processes"
                );
                Key::generate()
            }
        };
        Ok(Self {
            session,
            bootstrap: SecretString::from(random_token()),
        })
    }
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig, web: Web) {
    let forms = web::FormConfig::default()
        .limit(16 * 1024)
        .error_handler(|_, _| PageError::BadForm.into());
    let sessions = SessionMiddleware::builder(
        CookieSessionStore::default(),
        web.inner.staff.session.clone(),
    )
    .cookie_name(COOKIE.into())
    .cookie_path("/staff".into())
    .cookie_http_only(true)
    .cookie_same_site(SameSite::Strict)
    .cookie_secure(web.inner.https)
    .cookie_content_security(CookieContentSecurity::Private)
    .session_lifecycle(BrowserSession::default())
    .build();
    cfg.service(
        web::scope("/staff")
            .app_data(Data::new(web))
            .app_data(forms)
            .wrap(from_fn(guard))
            .wrap(sessions)
            .route("", web::get().to(companies::list_companies))
            .route("/login", web::get().to(auth::show_login))
            .route("/login", web::post().to(auth::log_in))
            .route("/logout", web::post().to(auth::log_out))
            .route("/bootstrap/{secret}", web::get().to(auth::show_bootstrap))
            .route(
                "/bootstrap/{secret}",
                web::post().to(auth::create_first_account),
            )
            .route("/companies", web::get().to(companies::list_companies))
            .route("/companies", web::post().to(companies::create_company))
            .route("/companies/new", web::get().to(companies::new_company))
            .route("/companies/{slug}", web::get().to(companies::show_company))
            .route(
                "/companies/{slug}/link",
                web::post().to(companies::issue_link),
            )
            .route(
                "/companies/{slug}/link/revoke",
                web::post().to(companies::revoke_link),
            )
            .route(
                "/companies/{slug}/tokens/revoke",
                web::post().to(companies::revoke_token),
            )
            .route(
                "/companies/{slug}/suspend",
                web::post().to(companies::suspend_company),
            )
            .route(
                "/companies/{slug}/resume",
                web::post().to(companies::resume_company),
            )
            .route(
                "/companies/{slug}/delete",
                web::post().to(companies::delete_company),
            )
            .route(
                "/companies/{slug}/health",
                web::get().to(health::show_health),
            )
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(PageError::NotFound("page"))
            })),
    );
}

/// The signed-in staff member, put in the request by [`guard`].
#[derive(Debug, Clone)]
pub(crate) struct StaffUser {
    pub email: Email,
}

impl StaffUser {
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.email.clone())
    }
}

impl FromRequest for StaffUser {
    type Error = PageError;
    type Future = std::future::Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<StaffUser>()
                .cloned()
                .ok_or(PageError::SignInRequired),
        )
    }
}

/// Paths reachable without a session.
fn is_public(path: &str) -> bool {
    path == "/staff/login" || path.starts_with("/staff/bootstrap/")
}

/// A form post from another site. Browsers that send `Sec-Fetch-Site` are trusted on it
/// alone (with `Referrer-Policy: no-referrer` they send `Origin: null` even from our own
/// pages); otherwise an `Origin` must be ours. Without either (old browsers, scripts) the
/// CSRF token and the SameSite=Strict cookie still stand.
fn is_cross_site(req: &ServiceRequest, web: &Web) -> bool {
    if let Some(site) = req.headers().get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("null");
    let ours = origin_of(&web.inner.config.public_url);
    let info = req.connection_info();
    let served = format!("{}://{}", info.scheme(), info.host());
    !(Some(origin) == ours.as_deref() || origin == served)
}

fn origin_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// The session's staff member, if it is live and the account still active; refreshes it.
async fn session_user(session: &Session, web: &Web) -> Result<Option<StaffUser>, PageError> {
    let read = |key: &str| session.get::<i64>(key).ok().flatten();
    let Some(email) = session.get::<String>(KEY_STAFF).ok().flatten() else {
        return Ok(None);
    };
    let now = web.tenancy().now();
    let (Some(since), Some(seen)) = (read(KEY_SINCE), read(KEY_SEEN)) else {
        return Ok(None);
    };
    let ended = now.timestamp() - seen > IDLE.num_seconds()
        || now.timestamp() - since > ABSOLUTE.num_seconds();
    if ended || !web.tenancy().staff_is_active(&email).await? {
        session.purge();
        return Ok(None);
    }
    let _ = session.insert(KEY_SEEN, now.timestamp());
    Ok(Email::parse(&email).ok().map(|email| StaffUser { email }))
}

/// Every `/staff` request: refuses cross-site posts, requires a session except to sign in,
/// renders errors as console pages and adds the security headers.
async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let Some(web) = req.app_data::<Data<Web>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    let refusal = if !reading && is_cross_site(&req, &web) {
        tracing::warn!(
            path = req.path(),
            "a cross-site post to the staff console was refused"
        );
        Some(PageError::Forbidden)
    } else {
        let session = req.get_session();
        csrf_token(&session);
        match session_user(&session, &web).await {
            Ok(Some(user)) => {
                req.extensions_mut().insert(user);
                None
            }
            Ok(None) if is_public(req.path()) => None,
            Ok(None) if reading => {
                let response = HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/staff/login"))
                    .finish();
                return Ok(req.into_response(response).map_into_right_body());
            }
            Ok(None) => Some(PageError::SignInRequired),
            Err(e) => Some(e),
        }
    };
    if let Some(error) = refusal {
        let mut response = error.render_staff(web.vendor());
        security::page_headers(response.headers_mut());
        return Ok(req.into_response(response).map_into_right_body());
    }
    let response = next.call(req).await?;
    let page = response
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .map(|e| e.render_staff(web.vendor()));
    let mut response = match page {
        Some(page) => response.into_response(page).map_into_right_body(),
        None => response.map_into_left_body(),
    };
    security::page_headers(response.headers_mut());
    Ok(response)
}

/// The session's CSRF token, made when the session has none.
pub(crate) fn csrf_token(session: &Session) -> String {
    if let Some(token) = session.get::<String>(KEY_CSRF).ok().flatten() {
        return token;
    }
    let token = random_token();
    let _ = session.insert(KEY_CSRF, &token);
    token
}

/// Accepts a form only when its token is the session's.
pub(crate) fn verify_csrf(session: &Session, submitted: &str) -> Result<(), PageError> {
    let expected = session
        .get::<String>(KEY_CSRF)
        .ok()
        .flatten()
        .ok_or(PageError::Forbidden)?;
    if bool::from(expected.as_bytes().ct_eq(submitted.as_bytes())) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

/// Starts a signed-in session for `email`, with a fresh cookie and CSRF token.
pub(crate) fn start_session(session: &Session, web: &Web, email: &Email) -> Result<(), PageError> {
    let now = web.tenancy().now().timestamp();
    session.renew();
    let insert = |key: &str, value: serde_json::Value| {
        session
            .insert(key, value)
            .map_err(|e| PageError::Unexpected(format!("session: {e}")))
    };
    insert(KEY_STAFF, email.as_str().into())?;
    insert(KEY_SINCE, now.into())?;
    insert(KEY_SEEN, now.into())?;
    insert(KEY_CSRF, random_token().into())?;
    Ok(())
}

pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

pub(crate) fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_key_must_be_base64_of_at_least_64_bytes() {
        let short = SecretString::from(general_purpose::STANDARD.encode([7u8; 32]));
        assert!(StaffKeys::new(Some(&short)).is_err());
        assert!(StaffKeys::new(Some(&SecretString::from("not base64!"))).is_err());
        let good = SecretString::from(general_purpose::STANDARD.encode([7u8; 64]));
        assert!(StaffKeys::new(Some(&good)).is_ok());
    }
}

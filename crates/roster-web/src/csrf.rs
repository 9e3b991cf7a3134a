//! CSRF for the setup page, which has no session: a double-submit token. A random value lives
//! in a `SameSite=Strict`, `HttpOnly` cookie scoped to `/setup` and in a hidden field of every
//! form; a POST is accepted only when both are present and equal (compared in constant time).

use actix_web::{
    cookie::{Cookie, SameSite},
    HttpRequest,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::error::PageError;

pub(crate) const COOKIE: &str = "roster_setup_csrf";
/// 32 random bytes, base64url without padding.
const TOKEN_LEN: usize = 43;

fn well_formed(value: &str) -> bool {
    value.len() == TOKEN_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The request's CSRF token, if its cookie carries a well-formed one.
pub(crate) fn from_cookie(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| well_formed(v))
}

/// The token to put in this page's forms, and the cookie to set when it is new.
pub(crate) fn for_page(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    match from_cookie(req) {
        Some(token) => (token, None),
        None => {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let token = URL_SAFE_NO_PAD.encode(bytes);
            let cookie = Cookie::build(COOKIE, token.clone())
                .path("/setup")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(secure)
                .finish();
            (token, Some(cookie))
        }
    }
}

/// Accepts the form only when its token matches the cookie's.
pub(crate) fn verify(req: &HttpRequest, submitted: &str) -> Result<(), PageError> {
    let cookie = from_cookie(req).ok_or(PageError::Forbidden)?;
    if well_formed(submitted) && bool::from(cookie.as_bytes().ct_eq(submitted.as_bytes())) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

//! What every setup page gets on its way out, and what every request to one meets on its way
//! in: the per-address rate limit, the security headers, and errors rendered as pages.

use actix_web::{
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderMap, HeaderValue},
    middleware::Next,
    web, Error,
};
use governor::clock::{Clock, DefaultClock};

use crate::{error::PageError, Web};

/// No inline script or style anywhere: the page's CSS and JS are files served by roster-web.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Headers for every page that may show a secret (the link is in its URL; the token in its
/// body once).
pub(crate) fn page_headers(headers: &mut HeaderMap) {
    let set = |headers: &mut HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
}

/// Wraps `/setup/…`: refuses an address over its rate, renders errors as pages, adds headers.
pub(crate) async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let Some(web) = req.app_data::<web::Data<Web>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    // The peer address, not X-Forwarded-For: a header anyone can set would make the limit
    // trivial to dodge. Behind a proxy, every client shares the proxy's allowance.
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        if let Err(not_until) = web.inner.limiter.check_key(&ip) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let error = PageError::TooManyRequests {
                retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            };
            let mut response = error.render(web.vendor());
            page_headers(response.headers_mut());
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let response = next.call(req).await?;
    let page = response
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .map(|e| e.render(web.vendor()));
    let mut response = match page {
        Some(page) => response.into_response(page).map_into_right_body(),
        None => response.map_into_left_body(),
    };
    page_headers(response.headers_mut());
    Ok(response)
}

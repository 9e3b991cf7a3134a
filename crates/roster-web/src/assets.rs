//! The setup page's one stylesheet and one script, compiled into the binary and served from
//! `/static/`, so the Content-Security-Policy needs no inline script or style.

use actix_web::{http::header, web, HttpResponse};

const CSS: &str = include_str!("../static/setup.css");
const JS: &str = include_str!("../static/setup.js");
const STAFF_JS: &str = include_str!("../static/staff.js");

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/static/setup.css",
        web::get().to(|| asset("text/css; charset=utf-8", CSS)),
    )
    .route(
        "/static/setup.js",
        web::get().to(|| asset("text/javascript; charset=utf-8", JS)),
    )
    .route(
        "/static/staff.js",
        web::get().to(|| asset("text/javascript; charset=utf-8", STAFF_JS)),
    );
}

async fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

//! The customer admin's setup page, `/setup/{link}`: the Okta steps with the tenant's own
//! values, the bearer token (revealed once, rotated without downtime), the attribute table,
//! the live status (also as JSON for the page's script) and "Email me the testing steps".
//!
//! The link's secret is in every path here; nothing in this module logs a path.

use actix_web::{
    http::header,
    middleware::from_fn,
    web::{self, Data, Form, Path},
    HttpRequest, HttpResponse,
};
use askama::Template;
use roster_tenant::{Actor, LinkInfo, OpenedLink, Tenant, TokenInfo};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::{
    csrf,
    error::PageError,
    fields::{Field, FIELDS},
    mail::{TestingStep, TESTING_STEPS},
    outbox::{queue_testing_steps, Queued, Trigger},
    security,
    status_view::{when, StatusView},
    Web,
};

pub(crate) fn configure(cfg: &mut web::ServiceConfig, web: Web) {
    let forms = web::FormConfig::default()
        .limit(4096)
        .error_handler(|_, _| PageError::BadForm.into());
    cfg.service(
        web::scope("/setup")
            .app_data(Data::new(web))
            .app_data(forms)
            .wrap(from_fn(security::guard))
            .route("/{link}", web::get().to(show_page))
            .route("/{link}/status", web::get().to(status_json))
            .route("/{link}/token", web::post().to(reveal_token))
            .route("/{link}/token/new", web::post().to(new_token))
            .route("/{link}/token/confirm", web::post().to(confirm_new_token))
            .route("/{link}/email", web::post().to(email_testing_steps))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(PageError::LinkUnusable)
            })),
    );
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    csrf: String,
    /// The token to keep when confirming a rotation.
    #[serde(default)]
    keep: Option<String>,
}

struct TokenLine {
    role: &'static str,
    prefix: String,
    created: String,
    last_used: Option<String>,
}

/// What the token panel shows.
#[derive(Default)]
struct TokenView {
    /// The secret, on the one response that reveals it.
    revealed: Option<String>,
    can_reveal: bool,
    /// Two live tokens: the old one works until the admin confirms the new one.
    rotating: bool,
    keep_id: Option<String>,
    live: Vec<TokenLine>,
}

#[derive(Template)]
#[template(path = "setup/page.html")]
struct SetupPage<'a> {
    vendor: &'a str,
    company: &'a str,
    admin_name: Option<&'a str>,
    admin_email: &'a str,
    link: &'a str,
    csrf: &'a str,
    scim_base_url: String,
    expires: String,
    notice: Option<String>,
    token: TokenView,
    status: StatusView,
    fields: &'static [Field],
    steps: &'static [TestingStep],
    core_urn: &'static str,
    roster_urn: &'static str,
}

#[derive(Template)]
#[template(path = "setup/status.html")]
struct StatusFragment<'a> {
    status: &'a StatusView,
}

#[derive(Template)]
#[template(path = "setup/checklist.html")]
struct ChecklistFragment<'a> {
    status: &'a StatusView,
}

/// The tenant's live tokens, newest first.
async fn live_tokens(web: &Web, tenant: &Tenant) -> Result<Vec<TokenInfo>, PageError> {
    let mut tokens: Vec<TokenInfo> = web
        .tenancy()
        .list_tokens(&tenant.slug)
        .await?
        .into_iter()
        .filter(TokenInfo::is_live)
        .collect();
    tokens.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    Ok(tokens)
}

fn token_view(live: &[TokenInfo], revealed: Option<String>) -> TokenView {
    let rotating = live.len() >= 2;
    let line = |role, t: &TokenInfo| TokenLine {
        role,
        prefix: t.prefix(),
        created: when(t.created_at),
        last_used: t.last_used_at.map(when),
    };
    TokenView {
        can_reveal: live.is_empty() && revealed.is_none(),
        rotating,
        keep_id: rotating.then(|| live[0].id.clone()),
        live: live
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let role = match (rotating, i) {
                    (false, _) => "current",
                    (true, 0) => "new",
                    (true, _) => "old",
                };
                line(role, t)
            })
            .collect(),
        revealed,
    }
}

async fn status_view(web: &Web, tenant: &Tenant) -> Result<StatusView, PageError> {
    let scope = web.tenancy().scope_for_operator(&tenant.slug).await?;
    let status = web.inner.scim.status(&scope).await?;
    Ok(StatusView::new(&status, web.vendor()))
}

fn setup_url(web: &Web, link: &str) -> String {
    format!("{}/setup/{link}", web.inner.config.public_url)
}

/// Once Okta has called, the first visit (or status poll) queues the testing steps with the
/// link in them; the worker's link-less fallback waits a little for this.
async fn queue_steps_once_connected(web: &Web, tenant: &Tenant, link: &str) {
    if tenant.first_request_at.is_none() {
        return;
    }
    let url = setup_url(web, link);
    if let Err(error) = queue_testing_steps(web, tenant, Some(&url), Trigger::Connected).await {
        tracing::error!(%error, tenant = %tenant.slug, "could not queue the testing steps");
    }
}

struct Render<'a> {
    link: &'a str,
    opened: &'a OpenedLink,
    revealed: Option<String>,
    notice: Option<String>,
}

async fn render_page(
    web: &Web,
    req: &HttpRequest,
    r: Render<'_>,
) -> Result<HttpResponse, PageError> {
    let tenant = &r.opened.tenant;
    let live = live_tokens(web, tenant).await?;
    let status = status_view(web, tenant).await?;
    let (csrf, cookie) = csrf::for_page(req, web.inner.https);
    let page = SetupPage {
        vendor: web.vendor(),
        company: &tenant.display_name,
        admin_name: tenant.admin_name.as_deref(),
        admin_email: &tenant.admin_email,
        link: r.link,
        csrf: &csrf,
        scim_base_url: web.tenancy().scim_base_url(&tenant.slug),
        expires: expires(&r.opened.link),
        notice: r.notice,
        token: token_view(&live, r.revealed),
        status,
        fields: FIELDS,
        steps: TESTING_STEPS,
        core_urn: roster_scim::proto::schema::USER_URN,
        roster_urn: roster_scim::proto::schema::ROSTER_USER_URN,
    }
    .render()?;
    let mut response = HttpResponse::Ok();
    response.content_type("text/html; charset=utf-8");
    if let Some(cookie) = cookie {
        response.cookie(cookie);
    }
    Ok(response.body(page))
}

fn expires(link: &LinkInfo) -> String {
    when(link.expires_at)
}

fn notice(req: &HttpRequest, tenant: &Tenant) -> Option<String> {
    let text = match req.query_string() {
        "done=emailed" => format!(
            "We are emailing the testing steps to {}. They should arrive within a few minutes.",
            tenant.admin_email
        ),
        "done=too-soon" => "The testing steps were emailed less than ten minutes ago. Check \
             your inbox and spam folder, or ask again in a few minutes."
            .to_owned(),
        "done=confirmed" => {
            "Done: the old token no longer works, and Okta uses the new one.".to_owned()
        }
        "done=already-rotating" => "A new token is already waiting for your confirmation \
             below. Confirm it once Okta has it; if you lost it, ask your contact for help."
            .to_owned(),
        _ => return None,
    };
    Some(text)
}

fn see_page(link: &str, done: Option<&str>) -> HttpResponse {
    let location = match done {
        Some(done) => format!("/setup/{link}?done={done}"),
        None => format!("/setup/{link}"),
    };
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

async fn show_page(
    req: HttpRequest,
    link: Path<String>,
    web: Data<Web>,
) -> Result<HttpResponse, PageError> {
    let opened = web.tenancy().open_link(&link).await?;
    queue_steps_once_connected(&web, &opened.tenant, &link).await;
    let notice = notice(&req, &opened.tenant);
    render_page(
        &web,
        &req,
        Render {
            link: &link,
            opened: &opened,
            revealed: None,
            notice,
        },
    )
    .await
}

async fn status_json(link: Path<String>, web: Data<Web>) -> Result<HttpResponse, PageError> {
    let opened = web.tenancy().open_link(&link).await?;
    queue_steps_once_connected(&web, &opened.tenant, &link).await;
    let status = status_view(&web, &opened.tenant).await?;
    let body = serde_json::json!({
        "stage": status.stage,
        "headline": status.headline,
        "users_active": status.users_active,
        "users_inactive": status.users_inactive,
        "groups": status.groups,
        "error": status.error,
        "checklist": status.checklist,
        "status_html": StatusFragment { status: &status }.render()?,
        "checklist_html": ChecklistFragment { status: &status }.render()?,
    });
    Ok(HttpResponse::Ok().json(body))
}

/// Mints a token and shows it, this once. With a live token already, nothing is minted: the
/// page shows its prefix instead.
async fn reveal_token(
    req: HttpRequest,
    link: Path<String>,
    form: Form<SetupForm>,
    web: Data<Web>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &form.csrf)?;
    let opened = web.tenancy().open_link(&link).await?;
    if !live_tokens(&web, &opened.tenant).await?.is_empty() {
        return Ok(see_page(&link, None));
    }
    mint_and_show(&web, &req, &link, &opened).await
}

/// Mints the second token of a rotation; the first keeps working until confirmed.
async fn new_token(
    req: HttpRequest,
    link: Path<String>,
    form: Form<SetupForm>,
    web: Data<Web>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &form.csrf)?;
    let opened = web.tenancy().open_link(&link).await?;
    if live_tokens(&web, &opened.tenant).await?.len() >= 2 {
        return Ok(see_page(&link, Some("already-rotating")));
    }
    mint_and_show(&web, &req, &link, &opened).await
}

async fn mint_and_show(
    web: &Web,
    req: &HttpRequest,
    link: &str,
    opened: &OpenedLink,
) -> Result<HttpResponse, PageError> {
    let minted = match web.tenancy().mint_token_with_link(link).await {
        Ok(minted) => minted,
        // Another tab minted in between: show the state rather than a second secret.
        Err(roster_tenant::Error::Conflict(_)) => {
            return Ok(see_page(link, Some("already-rotating")))
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(tenant = %opened.tenant.slug, prefix = %minted.info.prefix(), "token revealed on the setup page");
    render_page(
        web,
        req,
        Render {
            link,
            opened,
            revealed: Some(minted.token.expose_secret().to_owned()),
            notice: None,
        },
    )
    .await
}

/// "I saved the new token in Okta": revokes every live token but the one the form names (the
/// newest the page showed), so a stale page cannot revoke a token it never showed as new.
async fn confirm_new_token(
    req: HttpRequest,
    link: Path<String>,
    form: Form<SetupForm>,
    web: Data<Web>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &form.csrf)?;
    let opened = web.tenancy().open_link(&link).await?;
    let live = live_tokens(&web, &opened.tenant).await?;
    let keep = form.keep.as_deref();
    if live.len() < 2 || !live.iter().any(|t| Some(t.id.as_str()) == keep) {
        return Ok(see_page(&link, None));
    }
    for old in live.iter().filter(|t| Some(t.id.as_str()) != keep) {
        web.tenancy()
            .revoke_token(&opened.tenant.slug, &old.id, &Actor::SetupLink)
            .await?;
    }
    Ok(see_page(&link, Some("confirmed")))
}

async fn email_testing_steps(
    req: HttpRequest,
    link: Path<String>,
    form: Form<SetupForm>,
    web: Data<Web>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &form.csrf)?;
    let opened = web.tenancy().open_link(&link).await?;
    let url = setup_url(&web, &link);
    let done =
        match queue_testing_steps(&web, &opened.tenant, Some(&url), Trigger::Requested).await? {
            Queued::TooSoon => "too-soon",
            Queued::Yes | Queued::AlreadyDone => "emailed",
        };
    Ok(see_page(&link, Some(done)))
}

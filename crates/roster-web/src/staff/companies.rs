//! The companies list, the new-company form, and the company page with its actions: the setup
//! link (shown once when issued, optionally emailed through the outbox), tokens, suspension,
//! deletion, the request log, the audit trail and outgoing email.

use actix_session::Session;
use actix_web::{
    http::StatusCode,
    web::{Data, Form, Path, Query},
    HttpResponse,
};
use askama::Template;
use roster_scim::{RequestLogEntry, RequestLogQuery, StatusFilter};
use roster_tenant::{AuditEvent, NewTenant, Tenant, TenantSlug};
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{
    auth::capitalise,
    csrf_token, html, see_other, verify_csrf,
    views::{self, when_opt, TokenRow},
    StaffUser,
};
use crate::{
    error::PageError,
    mail,
    outbox::{self, Delivery},
    status_view::when,
    Web,
};

const COMPANIES_PER_PAGE: usize = 25;
const LOG_PER_PAGE: u32 = 50;

struct CompanyRow {
    slug: String,
    name: String,
    state: &'static str,
    link: String,
    link_word: &'static str,
    token: String,
    first_request: String,
    last_request: String,
    users_active: i64,
    users_inactive: i64,
    groups: i64,
    errors_24h: i64,
}

#[derive(Template)]
#[template(path = "staff/companies.html")]
struct CompaniesPage<'a> {
    vendor: &'a str,
    me: Option<&'a str>,
    csrf: &'a str,
    q: &'a str,
    rows: Vec<CompanyRow>,
    total: usize,
    page: usize,
    pages: usize,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    deleted: Option<String>,
}

fn matches(t: &Tenant, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    q.is_empty()
        || t.display_name.to_lowercase().contains(&q)
        || t.slug.contains(&q)
        || t.admin_email.to_lowercase().contains(&q)
}

pub(crate) async fn list_companies(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    query: Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let tenants: Vec<Tenant> = web
        .tenancy()
        .list_tenants()
        .await?
        .into_iter()
        .filter(|t| matches(t, &query.q))
        .collect();
    let total = tenants.len();
    let pages = total.div_ceil(COMPANIES_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let mut rows = Vec::new();
    for t in tenants
        .iter()
        .skip((page - 1) * COMPANIES_PER_PAGE)
        .take(COMPANIES_PER_PAGE)
    {
        let link = web.tenancy().current_link(&t.slug).await?;
        let tokens = web.tenancy().list_tokens(&t.slug).await?;
        let scope = web.tenancy().scope_for_operator(&t.slug).await?;
        let overview = web.inner.scim.directory_overview(&scope).await?;
        rows.push(CompanyRow {
            slug: t.slug.clone(),
            name: t.display_name.clone(),
            state: t.state.as_str(),
            link: views::link_state(link.as_ref()),
            link_word: views::link_word(link.as_ref()),
            token: views::token_state(&tokens),
            first_request: when_opt(t.first_request_at),
            last_request: when_opt(t.last_request_at),
            users_active: overview.users_active,
            users_inactive: overview.users_inactive,
            groups: overview.groups,
            errors_24h: overview.errors_last_24h,
        });
    }
    let csrf = csrf_token(&session);
    let body = CompaniesPage {
        vendor: web.vendor(),
        me: Some(user.email.as_str()),
        csrf: &csrf,
        q: &query.q,
        rows,
        total,
        page,
        pages,
        notice: query
            .deleted
            .as_ref()
            .map(|slug| format!("{slug} and all of its data were deleted.")),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Template)]
#[template(path = "staff/new_company.html")]
struct NewCompanyPage<'a> {
    vendor: &'a str,
    me: Option<&'a str>,
    csrf: &'a str,
    form: &'a CompanyForm,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct CompanyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    admin_name: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    allowed_domains: String,
    #[serde(default)]
    send_email: Option<String>,
    #[serde(default)]
    note: String,
}

impl CompanyForm {
    fn sends_email(&self) -> bool {
        self.send_email.is_some()
    }
}

pub(crate) async fn new_company(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    let form = CompanyForm {
        send_email: Some("on".into()),
        ..CompanyForm::default()
    };
    render_new_company(&web, &session, &user, &form, StatusCode::OK, None)
}

fn render_new_company(
    web: &Web,
    session: &Session,
    user: &StaffUser,
    form: &CompanyForm,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let csrf = csrf_token(session);
    let body = NewCompanyPage {
        vendor: web.vendor(),
        me: Some(user.email.as_str()),
        csrf: &csrf,
        form,
        error,
    }
    .render()?;
    Ok(html(status, body))
}

pub(crate) async fn create_company(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    form: Form<CompanyForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    let slug = form.slug.trim();
    let new = NewTenant {
        display_name: form.name.clone(),
        slug: (!slug.is_empty()).then(|| slug.to_owned()),
        admin_name: Some(form.admin_name.clone()),
        admin_email: form.admin_email.clone(),
        allowed_domains: form
            .allowed_domains
            .split([',', ' ', '\n', ';'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let tenant = match web.tenancy().create_tenant(new, &user.actor()).await {
        Ok(tenant) => tenant,
        Err(roster_tenant::Error::Invalid(m) | roster_tenant::Error::Conflict(m)) => {
            let message = capitalise(&m.replace("give one with --slug", "type one"));
            return render_new_company(
                &web,
                &session,
                &user,
                &form,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            );
        }
        Err(e) => return Err(e.into()),
    };
    let issued = issue_and_send(&web, &user, &tenant, form.sends_email(), &form.note).await?;
    let notice = format!("{} was created.", tenant.display_name);
    render_company(
        &web,
        &session,
        &user,
        &tenant.slug,
        CompanyExtras {
            issued: Some(issued),
            notice: Some(notice),
            ..CompanyExtras::default()
        },
        &LogQuery::default(),
    )
    .await
}

/// A link just issued, for the page that shows it once.
struct Issued {
    url: String,
    expires: String,
    emailed_to: Option<String>,
}

async fn issue_and_send(
    web: &Web,
    user: &StaffUser,
    tenant: &Tenant,
    send: bool,
    note: &str,
) -> Result<Issued, PageError> {
    let link = web
        .tenancy()
        .issue_link(&tenant.slug, &user.actor(), None)
        .await?;
    let url = link.url.expose_secret().to_owned();
    let expires = when(link.info.expires_at);
    let mut emailed_to = None;
    if send {
        let note = note.trim();
        let message = mail::setup_link(
            web.vendor(),
            tenant,
            &url,
            &expires,
            (!note.is_empty()).then_some(note),
            user.email.as_str(),
        )?;
        outbox::queue_message(web, tenant, message).await?;
        emailed_to = Some(tenant.admin_email.clone());
    }
    Ok(Issued {
        url,
        expires,
        emailed_to,
    })
}

struct LogRow {
    at: String,
    method: String,
    path: String,
    status: u16,
    error_class: String,
    detail: String,
    event: String,
    duration: String,
}

impl LogRow {
    fn new(e: RequestLogEntry) -> Self {
        Self {
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            method: e.method,
            path: e.path,
            status: e.status,
            error_class: e.error_class.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
            event: e.event.unwrap_or_default(),
            duration: format!("{:.1} ms", e.duration_ms),
        }
    }
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    outcome: String,
    detail: String,
}

impl AuditRow {
    fn new(e: AuditEvent) -> Self {
        Self {
            at: when(e.at),
            actor: e.actor,
            action: e.action,
            outcome: e.outcome,
            detail: e.detail,
        }
    }
}

struct MailRow {
    subject: String,
    recipient: String,
    kind: String,
    queued: String,
    state: &'static str,
    detail: String,
}

impl MailRow {
    fn new(d: Delivery) -> Self {
        let detail = match (d.state(), &d.last_error) {
            ("sent", _) => format!("sent {}", when_opt(d.sent_at)),
            ("retrying", Some(e)) => {
                format!("next try {}; last answer: {e}", when(d.next_attempt_at))
            }
            (_, Some(e)) => e.clone(),
            _ => String::new(),
        };
        Self {
            state: d.state(),
            subject: d.subject,
            recipient: d.recipient,
            kind: d.kind,
            queued: when(d.created_at),
            detail,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/company.html")]
struct CompanyPage<'a> {
    vendor: &'a str,
    me: Option<&'a str>,
    csrf: &'a str,
    tenant: &'a Tenant,
    state: &'static str,
    created: String,
    link: String,
    link_live: bool,
    first_request: String,
    last_request: String,
    issued: Option<Issued>,
    notice: Option<String>,
    error: Option<String>,
    tokens: Vec<TokenRow>,
    log: Vec<LogRow>,
    log_total: i64,
    log_page: u32,
    log_pages: u32,
    log_status: String,
    log_class: String,
    classes: Vec<String>,
    audit: Vec<AuditRow>,
    mail: Vec<MailRow>,
}

impl CompanyPage<'_> {
    /// The query string of another page of the request log, keeping the filters.
    fn log_link(&self, page: u32) -> String {
        let query = [
            ("status", self.log_status.as_str()),
            ("class", self.log_class.as_str()),
        ];
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.iter().filter(|(_, v)| !v.is_empty()) {
            s.append_pair(k, v);
        }
        s.append_pair("page", &page.to_string());
        format!("?{}#request-log", s.finish())
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct LogQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Default)]
struct CompanyExtras {
    issued: Option<Issued>,
    notice: Option<String>,
    error: Option<String>,
    status: Option<StatusCode>,
}

async fn render_company(
    web: &Web,
    session: &Session,
    user: &StaffUser,
    slug: &str,
    extras: CompanyExtras,
    query: &LogQuery,
) -> Result<HttpResponse, PageError> {
    let tenancy = web.tenancy();
    let tenant = tenancy.tenant(slug).await?;
    let scope = tenancy.scope_for_operator(slug).await?;
    let link = tenancy.current_link(slug).await?;
    let tokens = tenancy.list_tokens(slug).await?;
    let page = query.page.unwrap_or(1).max(1);
    let log = web
        .inner
        .scim
        .request_log(
            &scope,
            &RequestLogQuery {
                status: StatusFilter::parse(&query.status),
                error_class: Some(query.class.clone()),
                page: page - 1,
                per_page: LOG_PER_PAGE,
            },
        )
        .await?;
    let classes = web.inner.scim.request_log_error_classes(&scope).await?;
    let audit = tenancy.audit_trail(slug).await?;
    let mail = outbox::deliveries(web, &tenant).await?;
    let log_pages = u32::try_from(log.total)
        .unwrap_or(u32::MAX)
        .div_ceil(LOG_PER_PAGE)
        .max(1);
    let csrf = csrf_token(session);
    let body = CompanyPage {
        vendor: web.vendor(),
        me: Some(user.email.as_str()),
        csrf: &csrf,
        state: tenant.state.as_str(),
        created: when(tenant.created_at),
        link: views::link_state(link.as_ref()),
        link_live: link.as_ref().is_some_and(|l| {
            matches!(
                l.state,
                roster_tenant::LinkState::Issued | roster_tenant::LinkState::Opened
            )
        }),
        first_request: when_opt(tenant.first_request_at),
        last_request: when_opt(tenant.last_request_at),
        tenant: &tenant,
        issued: extras.issued,
        notice: extras.notice.or_else(|| done_notice(query.done.as_deref())),
        error: extras.error,
        tokens: tokens.iter().map(TokenRow::new).collect(),
        log: log.entries.into_iter().map(LogRow::new).collect(),
        log_total: log.total,
        log_page: page,
        log_pages,
        log_status: query.status.clone(),
        log_class: query.class.clone(),
        classes,
        audit: audit.into_iter().take(100).map(AuditRow::new).collect(),
        mail: mail.into_iter().map(MailRow::new).collect(),
    }
    .render()?;
    Ok(html(extras.status.unwrap_or(StatusCode::OK), body))
}

fn done_notice(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "link-revoked" => "The setup link was revoked; it no longer opens.",
            "token-revoked" => "The token was revoked; the identity provider can no longer use it.",
            "suspended" => "The company is suspended: its tokens are refused, nothing is deleted.",
            "resumed" => "The company is resumed: its tokens work again.",
            _ => return None,
        }
        .to_owned(),
    )
}

pub(crate) async fn show_company(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    query: Query<LogQuery>,
) -> Result<HttpResponse, PageError> {
    render_company(
        &web,
        &session,
        &user,
        &slug,
        CompanyExtras::default(),
        &query,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    send_email: Option<String>,
    #[serde(default)]
    note: String,
}

pub(crate) async fn issue_link(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    form: Form<LinkForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    let tenant = web.tenancy().tenant(&slug).await?;
    let issued =
        issue_and_send(&web, &user, &tenant, form.send_email.is_some(), &form.note).await?;
    render_company(
        &web,
        &session,
        &user,
        &slug,
        CompanyExtras {
            issued: Some(issued),
            ..CompanyExtras::default()
        },
        &LogQuery::default(),
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    confirm: String,
}

fn company_url(slug: &str, done: &str) -> String {
    format!("/staff/companies/{slug}?done={done}")
}

pub(crate) async fn revoke_link(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    match web.tenancy().revoke_link(&slug, &user.actor()).await {
        Ok(()) | Err(roster_tenant::Error::NotFound("live setup link")) => {
            Ok(see_other(&company_url(&slug, "link-revoked")))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn revoke_token(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    web.tenancy()
        .revoke_token(&slug, &form.token, &user.actor())
        .await?;
    Ok(see_other(&company_url(&slug, "token-revoked")))
}

pub(crate) async fn suspend_company(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    web.tenancy().suspend_tenant(&slug, &user.actor()).await?;
    Ok(see_other(&company_url(&slug, "suspended")))
}

pub(crate) async fn resume_company(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    web.tenancy().resume_tenant(&slug, &user.actor()).await?;
    Ok(see_other(&company_url(&slug, "resumed")))
}

/// Deletes the company only when the slug typed matches.
pub(crate) async fn delete_company(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
    form: Form<ActionForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    if form.confirm.trim() != slug.as_str() {
        return render_company(
            &web,
            &session,
            &user,
            &slug,
            CompanyExtras {
                error: Some(format!(
                    "Nothing was deleted: type the slug {} exactly to confirm.",
                    slug.as_str()
                )),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..CompanyExtras::default()
            },
            &LogQuery::default(),
        )
        .await;
    }
    web.tenancy().delete_tenant(&slug, &user.actor()).await?;
    let slug = TenantSlug::parse(&slug)?;
    Ok(see_other(&format!("/staff/companies?deleted={slug}")))
}

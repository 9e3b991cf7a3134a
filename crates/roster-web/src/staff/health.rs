//! Directory health of one company: active and inactive users, groups, how many users carry
//! each profile field of the mapping table (each extra field improves matching), the values
//! rejected in the last 7 days and why, and the Role segment by management level.

use actix_session::Session;
use actix_web::{
    http::StatusCode,
    web::{Data, Path},
    HttpResponse,
};
use askama::Template;
use roster_scim::proto::schema::{MANAGEMENT_LEVELS, ROSTER_USER_URN};

use super::{csrf_token, html, StaffUser};
use crate::{error::PageError, fields::FIELDS, status_view::when, Web};

struct FieldRow {
    label: &'static str,
    name: &'static str,
    required: bool,
    users_with: i64,
    percent: i64,
}

struct RejectionRow {
    detail: String,
    count: i64,
    last: String,
}

struct LevelRow {
    level: String,
    users: i64,
    percent: i64,
}

#[derive(Template)]
#[template(path = "staff/health.html")]
struct HealthPage<'a> {
    vendor: &'a str,
    me: Option<&'a str>,
    csrf: &'a str,
    company: &'a str,
    slug: &'a str,
    users_active: i64,
    users_inactive: i64,
    groups: i64,
    fields: Vec<FieldRow>,
    rejected: Vec<RejectionRow>,
    levels: Vec<LevelRow>,
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// The JSON path of a mapping-table field inside the stored user document.
fn path_of(external_name: &str, namespace: &str) -> Vec<String> {
    let mut path: Vec<String> = Vec::new();
    if namespace == ROSTER_USER_URN {
        path.push(ROSTER_USER_URN.to_owned());
    }
    path.extend(external_name.split('.').map(str::to_owned));
    path
}

pub(crate) async fn show_health(
    web: Data<Web>,
    session: Session,
    user: StaffUser,
    slug: Path<String>,
) -> Result<HttpResponse, PageError> {
    let tenant = web.tenancy().tenant(&slug).await?;
    let scope = web.tenancy().scope_for_operator(&slug).await?;
    let paths: Vec<Vec<String>> = FIELDS
        .iter()
        .map(|f| path_of(f.external_name, f.external_namespace))
        .collect();
    let health = web.inner.scim.directory_health(&scope, &paths).await?;
    let users = health.users_active + health.users_inactive;
    let fields = FIELDS
        .iter()
        .zip(&health.fields)
        .map(|(f, c)| FieldRow {
            label: f.label,
            name: f.variable_name,
            required: f.required,
            users_with: c.users_with,
            percent: percent(c.users_with, users),
        })
        .collect();
    let mut levels: Vec<LevelRow> = MANAGEMENT_LEVELS
        .iter()
        .map(|level| {
            let n = health
                .management_levels
                .iter()
                .find(|(l, _)| l.as_deref() == Some(level))
                .map_or(0, |(_, n)| *n);
            LevelRow {
                level: (*level).to_owned(),
                users: n,
                percent: percent(n, health.users_active),
            }
        })
        .collect();
    let unset: i64 = health
        .management_levels
        .iter()
        .filter(|(l, _)| l.as_deref().is_none_or(|l| !MANAGEMENT_LEVELS.contains(&l)))
        .map(|(_, n)| n)
        .sum();
    levels.push(LevelRow {
        level: "(not set)".into(),
        users: unset,
        percent: percent(unset, health.users_active),
    });
    let csrf = csrf_token(&session);
    let body = HealthPage {
        vendor: web.vendor(),
        me: Some(user.email.as_str()),
        csrf: &csrf,
        company: &tenant.display_name,
        slug: &tenant.slug,
        users_active: health.users_active,
        users_inactive: health.users_inactive,
        groups: health.groups,
        fields,
        rejected: health
            .rejected
            .into_iter()
            .map(|r| RejectionRow {
                detail: r.detail,
                count: r.count,
                last: when(r.last_at),
            })
            .collect(),
        levels,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

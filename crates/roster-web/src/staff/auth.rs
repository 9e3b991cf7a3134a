//! Signing in and out, and the bootstrap URL that creates the first staff account.

use actix_session::Session;
use actix_web::{
    http::{header, StatusCode},
    web::{Data, Form, Path},
    HttpRequest, HttpResponse,
};
use askama::Template;
use roster_tenant::{SignIn, MIN_PASSWORD_LEN};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{csrf_token, html, see_other, start_session, verify_csrf, StaffUser};
use crate::{error::PageError, Web};

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage<'a> {
    vendor: &'a str,
    me: Option<&'a str>,
    csrf: &'a str,
    email: &'a str,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/bootstrap.html")]
struct BootstrapPage<'a> {
    vendor: &'a str,
    me: Option<&'a str>,
    csrf: &'a str,
    secret: &'a str,
    email: &'a str,
    min_len: usize,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub(crate) struct BootstrapForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

fn login_page(
    web: &Web,
    session: &Session,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let csrf = csrf_token(session);
    let body = LoginPage {
        vendor: web.vendor(),
        me: None,
        csrf: &csrf,
        email,
        error,
    }
    .render()?;
    Ok(html(status, body))
}

pub(crate) async fn show_login(
    web: Data<Web>,
    session: Session,
    user: Option<StaffUser>,
) -> Result<HttpResponse, PageError> {
    if user.is_some() {
        return Ok(see_other("/staff/companies"));
    }
    login_page(&web, &session, StatusCode::OK, "", None)
}

pub(crate) async fn log_in(
    req: HttpRequest,
    web: Data<Web>,
    session: Session,
    form: Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    // The peer address, not X-Forwarded-For, which anyone can set.
    let client = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let password = SecretString::from(form.password.clone());
    match web
        .tenancy()
        .sign_in_staff(&form.email, &password, &client)
        .await?
    {
        SignIn::Accepted(email) => {
            start_session(&session, &web, &email)?;
            tracing::info!(staff = %email, "staff signed in");
            Ok(see_other("/staff/companies"))
        }
        SignIn::Refused => login_page(
            &web,
            &session,
            StatusCode::UNAUTHORIZED,
            &form.email,
            Some("That email and password do not match an active staff account.".into()),
        ),
        SignIn::Throttled { retry_after_secs } => {
            let mut response = login_page(
                &web,
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                &form.email,
                Some(format!(
                    "Too many failed sign-ins. Wait {retry_after_secs} seconds, then try again."
                )),
            )?;
            if let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

pub(crate) async fn log_out(
    session: Session,
    user: StaffUser,
    form: Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    session.purge();
    tracing::info!(staff = %user.email, "staff signed out");
    Ok(see_other("/staff/login"))
}

/// The bootstrap secret matches and no account exists yet.
async fn bootstrap_usable(web: &Web, secret: &str) -> Result<(), PageError> {
    let expected = web.inner.staff.bootstrap.expose_secret();
    let matches: bool = expected.as_bytes().ct_eq(secret.as_bytes()).into();
    if !matches || web.tenancy().count_staff().await? > 0 {
        return Err(PageError::NotFound("bootstrap link"));
    }
    Ok(())
}

fn bootstrap_page(
    web: &Web,
    session: &Session,
    secret: &str,
    status: StatusCode,
    email: &str,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let csrf = csrf_token(session);
    let body = BootstrapPage {
        vendor: web.vendor(),
        me: None,
        csrf: &csrf,
        secret,
        email,
        min_len: MIN_PASSWORD_LEN,
        error,
    }
    .render()?;
    Ok(html(status, body))
}

pub(crate) async fn show_bootstrap(
    web: Data<Web>,
    session: Session,
    secret: Path<String>,
) -> Result<HttpResponse, PageError> {
    bootstrap_usable(&web, &secret).await?;
    bootstrap_page(&web, &session, &secret, StatusCode::OK, "", None)
}

pub(crate) async fn create_first_account(
    web: Data<Web>,
    session: Session,
    secret: Path<String>,
    form: Form<BootstrapForm>,
) -> Result<HttpResponse, PageError> {
    verify_csrf(&session, &form.csrf)?;
    bootstrap_usable(&web, &secret).await?;
    let refuse = |message: String| {
        bootstrap_page(
            &web,
            &session,
            &secret,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.email,
            Some(message),
        )
    };
    if form.password != form.password_again {
        return refuse("The two passwords differ; type the same password twice.".into());
    }
    let password = SecretString::from(form.password.clone());
    match web.tenancy().add_first_staff(&form.email, &password).await {
        Ok(account) => {
            let email = roster_tenant::Email::parse(&account.email)?;
            start_session(&session, &web, &email)?;
            Ok(see_other("/staff/companies"))
        }
        Err(roster_tenant::Error::Invalid(message)) => refuse(capitalise(&message)),
        Err(roster_tenant::Error::Conflict(_)) => Err(PageError::NotFound("bootstrap link")),
        Err(e) => Err(e.into()),
    }
}

/// "the password …" → "The password …".
pub(crate) fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

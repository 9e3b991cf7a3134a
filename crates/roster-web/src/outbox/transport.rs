//! Where messages go: a real SMTP server through lettre (`ROSTER_SMTP_URL`: `smtp://` plain or
//! with `?tls=required`/`?tls=opportunistic` for STARTTLS, `smtps://` for TLS, credentials in
//! the URL), or, without one, `.eml` files under `{data_dir}/outbox/`.

use std::{path::PathBuf, time::Duration};

use lettre::{
    message::{Mailbox, MultiPart},
    Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
};
use secrecy::ExposeSecret;

use super::store::Message;
use crate::{WebConfig, WebError};

pub(crate) struct Mailer {
    from: Mailbox,
    route: Route,
}

enum Route {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// The sender's domain: the public URL's host when it is a name, else `localhost`.
fn sender_domain(public_url: &str) -> String {
    url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .filter(|h| h.chars().any(|c| c.is_ascii_alphabetic()) && !h.contains(':'))
        .unwrap_or_else(|| "localhost".to_owned())
}

impl Mailer {
    pub fn new(config: &WebConfig) -> Result<Self, WebError> {
        let domain = sender_domain(&config.public_url);
        let address = Address::new("no-reply", &domain)
            .or_else(|_| Address::new("no-reply", "localhost"))
            .map_err(|e| WebError::Setting {
                setting: "ROSTER_PUBLIC_URL".into(),
                message: format!("cannot make a sender address from it: {e}"),
            })?;
        let from = Mailbox::new(Some(config.vendor_name.clone()), address);
        let route = match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| WebError::Setting {
                        setting: "ROSTER_SMTP_URL".into(),
                        message: format!(
                            "cannot use {}: {e}",
                            roster_tenant::mask_password(url.expose_secret())
                        ),
                    })?
                    .timeout(Some(Duration::from_secs(30)))
                    .build();
                Route::Smtp(transport)
            }
            None => Route::Files(config.data_dir.join("outbox")),
        };
        Ok(Self { from, route })
    }

    /// Delivers one message. On failure, the answer to record: the SMTP server's reply when
    /// there was one, else what went wrong on the way.
    pub async fn deliver(&self, message: &Message) -> Result<(), String> {
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|e| format!("the recipient address cannot be used: {e}"))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str())
            .message_id(Some(format!(
                "<{}@{}>",
                message.id,
                self.from.email.domain()
            )))
            .multipart(MultiPart::alternative_plain_html(
                message.body_text.clone(),
                message.body_html.clone(),
            ))
            .map_err(|e| format!("the message cannot be built: {e}"))?;
        match &self.route {
            Route::Smtp(transport) => transport
                .send(email)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Route::Files(dir) => {
                let path = dir.join(format!("{}.eml", message.id));
                let partial = dir.join(format!("{}.eml.partial", message.id));
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&partial, email.formatted()).await?;
                    tokio::fs::rename(&partial, &path).await
                };
                write
                    .await
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                tracing::info!(
                    path = %path.display(),
                    "email written to a file (set ROSTER_SMTP_URL to send it by SMTP)"
                );
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_domain_comes_from_a_named_public_host() {
        assert_eq!(
            sender_domain("https://roster.vendor.example"),
            "roster.vendor.example"
        );
        assert_eq!(sender_domain("http://127.0.0.1:8080"), "localhost");
        assert!(Address::new("no-reply", "localhost").is_ok());
    }
}

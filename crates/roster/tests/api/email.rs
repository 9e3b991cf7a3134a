//! Outgoing email through lettre's real SMTP transport to an SMTP server these tests run on
//! loopback: the testing-steps email, its rate limit, retries, giving up, an SMTP outage, and
//! `.eml` files when no SMTP server is configured.

use std::sync::{Arc, Mutex};

use base64::Engine;
use reqwest::Method;
use roster_tenant::test_on_both_engines;
use secrecy::SecretString;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::helpers::{eventually, spawn_app_with, web_settings, SetupTenant, TestApp};

/// A message as the SMTP server received it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub recipients: Vec<String>,
    pub data: String,
}

/// A small SMTP server: accepts everything, or refuses every recipient with `refusal`.
pub(crate) struct SmtpServer {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    pub(crate) async fn start(refusal: Option<&'static str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, refusal)
    }

    async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        Self::serve(listener, None)
    }

    fn serve(listener: TcpListener, refusal: Option<&'static str>) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let mut recipients = Vec::new();
                    write.write_all(b"220 test.smtp ESMTP ready\r\n").await.ok();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let reply: String = match verb.as_str() {
                            "EHLO" | "HELO" => "250-test.smtp\r\n250 8BITMIME\r\n".into(),
                            "MAIL" => {
                                recipients.clear();
                                "250 2.1.0 ok\r\n".into()
                            }
                            "RCPT" => match refusal {
                                Some(answer) => format!("{answer}\r\n"),
                                None => {
                                    let to = line
                                        .split_once(':')
                                        .map(|(_, a)| a.trim().trim_matches(['<', '>']))
                                        .unwrap_or("");
                                    recipients.push(to.to_owned());
                                    "250 2.1.5 ok\r\n".into()
                                }
                            },
                            "DATA" => {
                                write.write_all(b"354 end with .\r\n").await.ok();
                                let mut data = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                    data.push('\n');
                                }
                                store.lock().unwrap().push(Received {
                                    recipients: recipients.clone(),
                                    data,
                                });
                                "250 2.0.0 queued\r\n".into()
                            }
                            "QUIT" => {
                                write.write_all(b"221 2.0.0 bye\r\n").await.ok();
                                break;
                            }
                            "RSET" | "NOOP" => "250 2.0.0 ok\r\n".into(),
                            _ => "502 5.5.2 unknown command\r\n".into(),
                        };
                        if write.write_all(reply.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { port, received }
    }

    pub(crate) fn url(&self) -> SecretString {
        SecretString::from(format!("smtp://127.0.0.1:{}", self.port))
    }

    pub(crate) fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub(crate) async fn wait_for(&self, count: usize) -> Vec<Received> {
        eventually(15, "the email to arrive", || async {
            let m = self.messages();
            (m.len() >= count).then_some(m)
        })
        .await
    }
}

/// The decoded bodies of a message's `text/plain` and `text/html` parts.
pub(crate) fn parts(data: &str) -> (String, String) {
    let (mut text, mut html) = (String::new(), String::new());
    // Split on the MIME boundary itself: a body line may also start with "--" (a soft line break
    // can land before a "--" in a setup link's secret).
    let boundary = data
        .split("boundary=")
        .nth(1)
        .and_then(|rest| rest.trim_start_matches('"').split(['"', '\n', ';']).next())
        .expect("a multipart message");
    let delimiter = format!("\n--{boundary}");
    for part in data.split(delimiter.as_str()).skip(1) {
        let Some((headers, body)) = part.split_once("\n\n") else {
            continue;
        };
        let headers = headers.to_ascii_lowercase();
        let decoded = if headers.contains("content-transfer-encoding: base64") {
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap(),
            )
            .unwrap()
        } else if headers.contains("content-transfer-encoding: quoted-printable") {
            decode_quoted_printable(body)
        } else {
            body.to_owned()
        };
        if headers.contains("content-type: text/plain") {
            text = decoded;
        } else if headers.contains("content-type: text/html") {
            html = decoded;
        }
    }
    (text, html)
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    let prefix = format!("{name}: ");
    data.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&prefix))
}

/// The tenant's latest outbox row while no attempt is in flight:
/// (attempts, sent, failed, last error, text body, cleared).
async fn outbox_row(
    app: &TestApp,
    slug: &str,
) -> Option<(i32, bool, bool, Option<String>, String, bool)> {
    let sql = "select o.attempts, o.sent_at is not null, o.failed_at is not null, o.last_error, o.body_text, o.body_cleared \
               from outbox o join tenants t on t.id = o.tenant_id where t.slug = $1 and o.claimed_until is null order by o.created_at desc limit 1";
    roster_tenant::with_pool!(app.tenancy.db(), pool => {
        sqlx::query_as(sql).bind(slug).fetch_optional(pool).await.unwrap()
    })
}

async fn press_email_me(app: &TestApp, tenant: &SetupTenant) -> String {
    let (session, _) = app.open_page(&tenant.path).await;
    let response = app
        .post_form(
            &format!("{}/email", tenant.path),
            Some(&session.cookie),
            &[("csrf", &session.csrf)],
        )
        .await;
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_owned()
}

test_on_both_engines! {
    async fn okta_testing_the_credentials_emails_the_admin_the_testing_steps_with_the_setup_link(database) {
        let smtp = SmtpServer::start(None).await;
        let (mut settings, _dir) = web_settings(&database);
        settings.smtp_url = Some(smtp.url());
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let token = app.reveal_token(&tenant).await;
        let users = format!("/scim/v2/{}/Users?startIndex=1&count=1", tenant.slug);
        assert_eq!(app.scim(Method::GET, &users, &token, None).await.status(), 200);
        app.wait_for_request_log(&tenant.slug, 1).await;
        // The admin's open page polls its status, which sees the connection.
        app.setup_status(&tenant).await;

        let received = smtp.wait_for(1).await;
        assert_eq!(received.len(), 1);
        let mail = &received[0];
        assert_eq!(mail.recipients, vec![tenant.admin_email.clone()]);
        assert_eq!(header(&mail.data, "To"), Some(tenant.admin_email.as_str()));
        assert_eq!(header(&mail.data, "Subject"), Some("Test your Okta connection to Ten Thousand Coffees"));
        assert!(header(&mail.data, "From").unwrap().contains("Ten Thousand Coffees"));
        let (text, html) = parts(&mail.data);
        for part in [&text, &html] {
            assert!(part.contains("Okta has just tested the credentials"), "{part}");
            assert!(part.contains(&tenant.url), "the setup link is in every part: {part}");
            assert!(part.contains("Push a group") && part.contains("Deactivate the user"));
        }
        assert!(html.contains(&format!("href=\"{}\"", tenant.url)));
        assert!(!mail.data.contains(&token) && !text.contains(&token) && !html.contains(&token), "never a token");
        assert!(!text.contains("roster_") && !html.contains("roster_"));

        let (attempts, sent, failed, _, body, cleared) = eventually(10, "the delivery to be recorded", || async {
            outbox_row(&app, &tenant.slug).await.filter(|r| r.1)
        })
        .await;
        assert_eq!((attempts, sent, failed), (1, true, false));
        assert!(cleared && body.is_empty(), "a body carrying the setup link is cleared once delivered");

        // Okta's later calls, and further visits, queue nothing more.
        assert_eq!(app.scim(Method::GET, &users, &token, None).await.status(), 200);
        app.wait_for_request_log(&tenant.slug, 2).await;
        app.setup_status(&tenant).await;
        let queued: i64 = roster_tenant::with_pool!(app.tenancy.db(), pool => {
            sqlx::query_scalar("select count(*) from outbox").fetch_one(pool).await.unwrap()
        });
        assert_eq!(queued, 1);
    }

    async fn without_the_page_open_the_worker_sends_the_testing_steps_without_a_link(database) {
        let smtp = SmtpServer::start(None).await;
        let (mut settings, _dir) = web_settings(&database);
        settings.smtp_url = Some(smtp.url());
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let minted = app.tenancy.mint_token(&tenant.slug, &roster_tenant::Actor::Cli).await.unwrap();
        let token = secrecy::ExposeSecret::expose_secret(&minted.token).to_owned();
        let users = format!("/scim/v2/{}/Users?startIndex=1&count=1", tenant.slug);
        assert_eq!(app.scim(Method::GET, &users, &token, None).await.status(), 200);
        app.wait_for_request_log(&tenant.slug, 1).await;
        app.clock.advance(chrono::Duration::minutes(3));

        let received = smtp.wait_for(1).await;
        let (text, html) = parts(&received[0].data);
        assert_eq!(received[0].recipients, vec![tenant.admin_email.clone()]);
        assert!(text.contains("Open the setup link Ten Thousand Coffees sent you"), "{text}");
        assert!(html.contains("Open the setup link Ten Thousand Coffees sent you"), "{html}");
        assert!(!received[0].data.contains("/setup/") && !received[0].data.contains(&token));
    }

    async fn email_me_the_testing_steps_sends_them_again_at_most_every_ten_minutes(database) {
        let smtp = SmtpServer::start(None).await;
        let (mut settings, _dir) = web_settings(&database);
        settings.smtp_url = Some(smtp.url());
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        let location = press_email_me(&app, &tenant).await;
        assert!(location.ends_with("?done=emailed"), "{location}");
        assert!(app.get(&location).await.text().await.unwrap().contains("We are emailing the testing steps to it@acme-corp.example"));
        let received = smtp.wait_for(1).await;
        let (text, _) = parts(&received[0].data);
        assert!(text.contains(&tenant.url));
        assert!(!text.contains("Okta has just tested"), "asked for, not caused by Okta");

        let location = press_email_me(&app, &tenant).await;
        assert!(location.ends_with("?done=too-soon"), "{location}");
        app.clock.advance(chrono::Duration::minutes(11));
        let location = press_email_me(&app, &tenant).await;
        assert!(location.ends_with("?done=emailed"), "{location}");
        assert_eq!(smtp.wait_for(2).await.len(), 2);
    }

    async fn a_message_the_server_keeps_refusing_is_retried_then_marked_failed_with_its_answer(database) {
        let smtp = SmtpServer::start(Some("550 5.1.1 mailbox unavailable")).await;
        let (mut settings, _dir) = web_settings(&database);
        settings.smtp_url = Some(smtp.url());
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        press_email_me(&app, &tenant).await;
        for attempt in 1.. {
            let row = eventually(10, "the next attempt", || async {
                outbox_row(&app, &tenant.slug).await.filter(|r| r.0 >= attempt && r.3.is_some())
            })
            .await;
            assert!(!row.1, "never delivered");
            assert!(row.3.as_deref().unwrap().contains("mailbox unavailable"), "{:?}", row.3);
            if row.2 {
                assert_eq!(attempt, 8, "given up after eight attempts");
                assert!(!row.5, "an undelivered body is kept for staff to see");
                break;
            }
            assert!(attempt < 8, "given up by the eighth attempt");
            // Past the back-off, which is at most an hour.
            app.clock.advance(chrono::Duration::minutes(61));
        }
        assert!(smtp.messages().is_empty());
    }

    async fn nothing_is_lost_while_the_smtp_server_is_down(database) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (mut settings, _dir) = web_settings(&database);
        settings.smtp_url = Some(SecretString::from(format!("smtp://127.0.0.1:{port}")));
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        press_email_me(&app, &tenant).await;
        let row = eventually(10, "a failed attempt", || async {
            outbox_row(&app, &tenant.slug).await.filter(|r| r.3.is_some())
        })
        .await;
        assert!(!row.1 && !row.2, "still waiting to be sent");

        let smtp = SmtpServer::start_on(port).await;
        app.clock.advance(chrono::Duration::minutes(2));
        let received = smtp.wait_for(1).await;
        assert_eq!(received[0].recipients, vec![tenant.admin_email.clone()]);
        eventually(10, "the delivery to be recorded", || async {
            outbox_row(&app, &tenant.slug).await.filter(|r| r.1)
        })
        .await;
    }

    async fn without_an_smtp_url_messages_are_written_as_eml_files(database) {
        let (settings, dir) = web_settings(&database);
        let app = spawn_app_with(settings).await;
        let tenant = app.create_setup_tenant("Acme Corp").await;
        press_email_me(&app, &tenant).await;
        let outbox = dir.path().join("outbox");
        let file = eventually(10, "the .eml file", || async {
            std::fs::read_dir(&outbox).ok()?.filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "eml"))
        })
        .await;
        let data = std::fs::read_to_string(file).unwrap().replace("\r\n", "\n");
        assert_eq!(header(&data, "To"), Some(tenant.admin_email.as_str()));
        let (text, html) = parts(&data);
        assert!(text.contains(&tenant.url) && html.contains(&tenant.url));
    }
}

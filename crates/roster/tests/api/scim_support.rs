//! A SCIM client for one tenant of a running test app, as an identity provider would use it.

use reqwest::{header::HeaderMap, Method, StatusCode};
use roster_tenant::{Actor, NewTenant};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use crate::helpers::TestApp;

pub struct Scim {
    pub base: String,
    pub token: String,
    client: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Asserts an RFC 7644 error body with this status (as a string) and scimType.
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(
            self.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{}",
            self.body
        );
        assert_eq!(
            self.body["status"],
            json!(status.to_string()),
            "{}",
            self.body
        );
        assert_eq!(
            self.body.get("scimType").and_then(Value::as_str),
            scim_type,
            "{}",
            self.body
        );
        assert!(
            !self.body["detail"].as_str().unwrap_or("").is_empty(),
            "{}",
            self.body
        );
        assert_eq!(
            self.headers["content-type"], "application/scim+json",
            "{}",
            self.body
        );
    }
}

impl TestApp {
    /// Creates a tenant and mints its token: what an identity provider is given.
    pub async fn scim_tenant(&self, slug: &str) -> Scim {
        let new = NewTenant {
            display_name: format!("{slug} Corp"),
            slug: Some(slug.into()),
            admin_name: None,
            admin_email: format!("it@{slug}.example"),
            allowed_domains: vec![],
        };
        self.tenancy.create_tenant(new, &Actor::Cli).await.unwrap();
        let minted = self.tenancy.mint_token(slug, &Actor::Cli).await.unwrap();
        Scim {
            base: format!("{}/scim/v2/{slug}", self.address),
            token: minted.token.expose_secret().to_owned(),
            client: self.client.clone(),
        }
    }
}

impl Scim {
    pub fn with_token(&self, token: &str) -> Scim {
        Scim {
            base: self.base.clone(),
            token: token.into(),
            client: self.client.clone(),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", "application/scim+json");
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/scim+json; charset=utf-8")
                .body(body.to_string());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("answered");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Creates a user as Okta does and returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let reply = self.post("/Users", &okta_user(user_name)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }
}

/// The body Okta sends to create a user.
pub fn okta_user(user_name: &str) -> Value {
    let (given, family) = user_name
        .split_once('@')
        .map(|(l, _)| l.split_once('.').unwrap_or((l, "Doe")))
        .unwrap_or(("Jane", "Doe"));
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": { "givenName": given, "familyName": family },
        "emails": [{ "primary": true, "value": user_name, "type": "work" }],
        "displayName": format!("{given} {family}"),
        "locale": "en-US",
        "externalId": format!("00u{}", user_name.len()),
        "groups": [],
        "password": "1mP0ssible!",
        "active": true
    })
}

pub fn deactivate() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "active": false } }]
    })
}

pub fn reactivate() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "active": true } }]
    })
}

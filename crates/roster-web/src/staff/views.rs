//! What the console's tables show of tenants, links and tokens, in plain words.

use chrono::{DateTime, Utc};
use roster_tenant::{LinkInfo, LinkState, TokenInfo};

use crate::status_view::when;

pub(crate) fn when_opt(at: Option<DateTime<Utc>>) -> String {
    at.map(when).unwrap_or_else(|| "never".into())
}

/// "issued, expires …", "opened …", "expired …", "revoked", or "none".
pub(crate) fn link_state(link: Option<&LinkInfo>) -> String {
    match link {
        None => "none issued".into(),
        Some(l) => match l.state {
            LinkState::Issued => format!("issued, not opened; expires {}", when(l.expires_at)),
            LinkState::Opened => format!(
                "opened {}; expires {}",
                when_opt(l.last_opened_at),
                when(l.expires_at)
            ),
            LinkState::Expired => format!("expired {}", when(l.expires_at)),
            LinkState::Revoked => format!("revoked {}", when_opt(l.revoked_at)),
        },
    }
}

/// The short word of a link's state, for the companies table's data attribute and tests.
pub(crate) fn link_word(link: Option<&LinkInfo>) -> &'static str {
    match link.map(|l| l.state) {
        None => "none",
        Some(LinkState::Issued) => "issued",
        Some(LinkState::Opened) => "opened",
        Some(LinkState::Expired) => "expired",
        Some(LinkState::Revoked) => "revoked",
    }
}

/// "not revealed", or "live, last used …" for the newest live token.
pub(crate) fn token_state(tokens: &[TokenInfo]) -> String {
    let live: Vec<&TokenInfo> = tokens.iter().filter(|t| t.is_live()).collect();
    match live.iter().max_by_key(|t| t.last_used_at) {
        None if tokens.is_empty() => "not revealed".into(),
        None => "all revoked".into(),
        Some(t) => match t.last_used_at {
            Some(at) => format!("live, last used {}", when(at)),
            None => "live, never used".into(),
        },
    }
}

pub(crate) struct TokenRow {
    pub id: String,
    pub prefix: String,
    pub created: String,
    pub created_by: String,
    pub last_used: String,
    pub live: bool,
    pub revoked: String,
}

impl TokenRow {
    pub fn new(t: &TokenInfo) -> Self {
        Self {
            id: t.id.clone(),
            prefix: t.prefix(),
            created: when(t.created_at),
            created_by: t.created_by.clone(),
            last_used: when_opt(t.last_used_at),
            live: t.is_live(),
            revoked: when_opt(t.revoked_at),
        }
    }
}

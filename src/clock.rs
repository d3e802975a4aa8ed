//! The time scandeck acts at. `SCANDECK_NOW` (RFC 3339) fixes it, so that
//! expiry, SLA and rescan scenarios can be tested across days in seconds.

use chrono::{DateTime, Utc};

pub fn now() -> DateTime<Utc> {
    std::env::var("SCANDECK_NOW")
        .ok()
        .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

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

/// The machine's real time, for what must differ between two moments even
/// when `SCANDECK_NOW` fixes `now()`: unique file names (quarantined copies,
/// demo copies, temporary files, task markers) and log stamps. Never for
/// anything a user or a test judges (expiry, SLA, what a screen shows).
pub fn wall() -> DateTime<Utc> {
    Utc::now()
}

/// Nanoseconds since the epoch on the real clock, for unique names.
pub fn wall_nanos() -> u128 {
    wall()
        .timestamp_nanos_opt()
        .map_or(0, |n| n.unsigned_abs() as u128)
}

//! One parser for the durations a user types — `90s`, `15m`, `12h`, `7d`,
//! `2w` — shared by `--timeout` and decision ends (`--until 30d`), with
//! checked arithmetic: `99999999999h` is refused, never an overflow.

use chrono::TimeDelta;

/// A number and a unit (`s`, `m`, `h`, `d`, `w`, or their words). A bare
/// number means `bare_unit`; `None` when the text is no such duration or
/// does not fit.
pub fn parse(text: &str, bare_unit: &str) -> Option<TimeDelta> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: i64 = number.parse().ok()?;
    let unit = if unit.is_empty() {
        bare_unit
    } else {
        unit.trim()
    };
    match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => TimeDelta::try_seconds(n),
        "m" | "min" | "mins" | "minute" | "minutes" => TimeDelta::try_minutes(n),
        "h" | "hour" | "hours" => TimeDelta::try_hours(n),
        "d" | "day" | "days" => TimeDelta::try_days(n),
        "w" | "week" | "weeks" => TimeDelta::try_weeks(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_words_and_limits() {
        assert_eq!(parse("90s", "s"), TimeDelta::try_seconds(90));
        assert_eq!(parse("90", "s"), TimeDelta::try_seconds(90));
        assert_eq!(parse("15m", "s"), TimeDelta::try_minutes(15));
        assert_eq!(parse("2 weeks", "d"), TimeDelta::try_weeks(2));
        assert_eq!(parse("7d", "d"), TimeDelta::try_days(7));
        assert_eq!(parse("99999999999999h", "s"), None, "does not fit");
        assert_eq!(parse("99999999999999999999999s", "s"), None);
        assert_eq!(parse("3y", "s"), None);
        assert_eq!(parse("h", "s"), None);
    }
}

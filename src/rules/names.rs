//! What names say, shared by the image, container and posture checks: an
//! environment key that holds a secret, an image that is a database.

/// Words that mark an environment or build variable as a secret.
const SECRET_WORDS: [&str; 8] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
];

/// Repository names of database images (the part after the last `/`).
const DATABASE_IMAGES: [&str; 9] = [
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "elasticsearch",
    "couchdb",
    "memcached",
    "mssql",
];

/// `DB_PASSWORD`, `api_token`, `AWS_SECRET_ACCESS_KEY`: the value is a secret.
pub fn secret_like_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// Endings that make a secret-sounding key a setting about a secret, not
/// the secret: `DB_PASSWORD_FILE` (the Docker-secrets pattern),
/// `PASSWORD_MIN_LENGTH`, `TOKEN_TTL_SECONDS`, `SECRET_NAME`.
const SETTING_ENDINGS: [&str; 22] = [
    "_FILE",
    "_PATH",
    "_DIR",
    "_NAME",
    "_LENGTH",
    "_LEN",
    "_TTL",
    "_SECONDS",
    "_MINUTES",
    "_HOURS",
    "_DAYS",
    "_TIMEOUT",
    "_EXPIRY",
    "_EXPIRES",
    "_HOST",
    "_PORT",
    "_USER",
    "_USERNAME",
    "_ENABLED",
    "_REQUIRED",
    "_ALGORITHM",
    "_VERSION",
];

pub fn setting_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    SETTING_ENDINGS.iter().any(|e| upper.ends_with(e))
}

/// Values that are settings whatever the key says: numbers and durations
/// (`12`, `3600`, `30s`, `1.5h`), switches (`true`, `off`), and paths.
pub fn setting_value(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let number = {
        let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &lower[digits.len()..];
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && [
                "", "s", "ms", "m", "h", "d", "w", "min", "sec", "kb", "mb", "gb",
            ]
            .contains(&unit)
    };
    let switch = [
        "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null",
    ]
    .contains(&lower.as_str());
    let path = v.starts_with('/') || v.starts_with("./") || v.starts_with("~/");
    number || switch || path
}

/// `postgres:15.4`, `bitnami/redis`, `mongo@sha256:…`: a database image.
pub fn database_image(reference: &str) -> bool {
    let repo = reference.split(['@', ':']).next().unwrap_or_default();
    let base = repo.rsplit('/').next().unwrap_or_default();
    DATABASE_IMAGES.iter().any(|d| base.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(secret_like_key("db_password") && secret_like_key("GITHUB_TOKEN"));
        assert!(!secret_like_key("APP_ENV"));
        assert!(database_image("postgres:15.4") && database_image("bitnami/redis"));
        assert!(database_image("docker.io/library/mongo@sha256:ab"));
        assert!(!database_image("shop/api:1.2"));
    }
}

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

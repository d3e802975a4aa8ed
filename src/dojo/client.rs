//! DefectDojo's API v2 over HTTP (ureq: blocking, rustls with the
//! platform's roots; docs/defectdojo.md says why): the token in one header,
//! timeouts, retries with backoff on 429 and 5xx, pagination, and errors as
//! one line that quotes DefectDojo's message and never the token.

use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What went wrong talking to DefectDojo.
#[derive(Debug)]
pub enum DojoError {
    /// The request was wrong, or the server refused it (401, 403, 404, 400):
    /// exit 2.
    Refused(String),
    /// The server failed or could not be reached: exit 3.
    Server(String),
}

impl DojoError {
    pub fn message(&self) -> &str {
        match self {
            DojoError::Refused(m) | DojoError::Server(m) => m,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            DojoError::Refused(_) => 2,
            DojoError::Server(_) => 3,
        }
    }
}

pub struct Client {
    base: String,
    token: String,
    agent: ureq::Agent,
    /// Requests sent, retries included (the benchmark reports them).
    requests: AtomicU64,
    /// Waits before each retry (tests shorten them).
    backoff: Vec<Duration>,
}

/// The most of a response body kept for a message.
const QUOTE: usize = 300;

impl Client {
    pub fn new(url: &str, token: String) -> Result<Client, DojoError> {
        let base = url.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(DojoError::Refused(format!(
                "DefectDojo URL {:?} is not http(s)://…: set [defectdojo] url in config.toml or --url",
                crate::sanitize::sanitize_line(url)
            )));
        }
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(600)))
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .into();
        Ok(Client {
            base,
            token,
            agent,
            requests: AtomicU64::new(0),
            backoff: retry_waits(),
        })
    }

    /// Requests sent so far, retries included.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}/api/v2/{}", self.base, path.trim_start_matches('/'))
        }
    }

    pub fn get(&self, path: &str) -> Result<Value, DojoError> {
        self.send("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Result<Value, DojoError> {
        self.send("POST", path, Some(Body::Json(body)))
    }

    pub fn patch(&self, path: &str, body: &Value) -> Result<Value, DojoError> {
        self.send("PATCH", path, Some(Body::Json(body)))
    }

    pub fn delete(&self, path: &str) -> Result<Value, DojoError> {
        self.send("DELETE", path, None)
    }

    /// A multipart form: text fields, then one file.
    pub fn post_form(
        &self,
        path: &str,
        fields: &[(&str, String)],
        file: (&str, &str, &[u8]),
    ) -> Result<Value, DojoError> {
        let boundary = format!("scandeck-{:016x}", rand_u64());
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, filename, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/json\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send("POST", path, Some(Body::Form(&content_type, &body)))
    }

    /// Every item of a paged list (`results`, following `next`).
    pub fn all(&self, path: &str) -> Result<Vec<Value>, DojoError> {
        let mut out = Vec::new();
        let mut next = Some(self.url(path));
        while let Some(url) = next {
            let page = self.get(&url)?;
            if let Some(items) = page["results"].as_array() {
                out.extend(items.iter().cloned());
            }
            next = page["next"].as_str().map(str::to_string);
        }
        Ok(out)
    }

    fn send(&self, method: &str, path: &str, body: Option<Body>) -> Result<Value, DojoError> {
        let url = self.url(path);
        let shown = shown_path(&url);
        let mut attempt = 0;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let auth = format!("Token {}", self.token);
            let result = match (method, &body) {
                ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
                ("DELETE", _) => self
                    .agent
                    .delete(&url)
                    .header("Authorization", &auth)
                    .call(),
                ("PATCH", Some(Body::Json(v))) => self
                    .agent
                    .patch(&url)
                    .header("Authorization", &auth)
                    .send_json(v),
                (_, Some(Body::Json(v))) => self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .send_json(v),
                (_, Some(Body::Form(ct, bytes))) => self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", *ct)
                    .send(*bytes),
                (_, None) => self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .send_empty(),
            };
            let retry_after = |why: String| -> Option<DojoError> {
                (attempt >= self.backoff.len()).then_some(DojoError::Server(why))
            };
            match result {
                Err(e) => {
                    let why = format!(
                        "DefectDojo at {} did not answer {method} {shown}: {}; nothing more was sent: start it or fix [defectdojo] url",
                        self.base,
                        crate::sanitize::sanitize_line(&e.to_string())
                    );
                    if let Some(fail) = retry_after(why) {
                        return Err(fail);
                    }
                }
                Ok(mut response) => {
                    let status = response.status().as_u16();
                    let text = response
                        .body_mut()
                        .with_config()
                        .limit(1 << 30)
                        .lossy_utf8(true)
                        .read_to_string()
                        .unwrap_or_default();
                    if (200..300).contains(&status) {
                        if text.trim().is_empty() {
                            return Ok(Value::Null);
                        }
                        return serde_json::from_str(&text).map_err(|e| {
                            DojoError::Server(format!(
                                "DefectDojo answered {method} {shown} with text that is not JSON ({e})"
                            ))
                        });
                    }
                    let quoted = quote(&text);
                    let refused = |advice: &str| {
                        DojoError::Refused(format!(
                            "DefectDojo refused {method} {shown} ({status}): {quoted}; {advice}"
                        ))
                    };
                    match status {
                        401 => return Err(refused(
                            "set a valid API token in DEFECTDOJO_TOKEN or [defectdojo] token_file",
                        )),
                        403 if quoted.to_ascii_lowercase().contains("token") => {
                            return Err(refused("set a valid API token in DEFECTDOJO_TOKEN or [defectdojo] token_file"))
                        }
                        403 => return Err(refused("the token's user lacks the permission")),
                        404 => {
                            return Err(refused(
                                "check [defectdojo] url and the product and engagement names",
                            ))
                        }
                        429 | 500..=599 => {
                            let why = format!(
                                "DefectDojo failed {method} {shown} ({status}) {} times: {quoted}; nothing more was sent, run it again later",
                                attempt + 1
                            );
                            if let Some(fail) = retry_after(why) {
                                return Err(fail);
                            }
                        }
                        _ => return Err(refused("nothing more was sent")),
                    }
                }
            }
            std::thread::sleep(self.backoff[attempt]);
            attempt += 1;
        }
    }
}

enum Body<'a> {
    Json(&'a Value),
    Form(&'a str, &'a [u8]),
}

/// The part of a URL a message shows (no host, no query).
fn shown_path(url: &str) -> String {
    let path = url.split_once("/api/v2/").map_or(url, |(_, p)| p);
    let path = path.split('?').next().unwrap_or(path);
    crate::sanitize::sanitize_line(&format!("/api/v2/{path}")).into_owned()
}

/// DefectDojo's message, short and on one line.
fn quote(text: &str) -> String {
    let one = crate::sanitize::sanitize_line(text.trim()).into_owned();
    let one = one.replace(['\n', '\r'], " ");
    if one.chars().count() > QUOTE {
        format!("{}…", one.chars().take(QUOTE).collect::<String>())
    } else if one.is_empty() {
        "(no message)".into()
    } else {
        one
    }
}

/// Waits before the three retries: 1, 2 and 4 s, scaled by
/// `SCANDECK_RETRY_WAIT_MS` (the wait before the first retry, for tests).
fn retry_waits() -> Vec<Duration> {
    let first = std::env::var("SCANDECK_RETRY_WAIT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1000);
    [1, 2, 4]
        .map(|n| Duration::from_millis(first.saturating_mul(n)))
        .to_vec()
}

fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    u64::from_le_bytes(bytes) ^ u64::from(std::process::id())
}

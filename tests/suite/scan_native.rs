//! scandeck's own checks through `scandeck scan`: the demo project's posture
//! findings (listed), none on a fixed copy, and the secrets scan with a
//! planted canary of every rule type, none of which appears in full anywhere.

use crate::common;

use common::{copy_dir, scandeck};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Project {
    home: tempfile::TempDir,
    ws: PathBuf,
}

impl Project {
    fn new() -> Project {
        let home = tempfile::tempdir().unwrap();
        let ws = home.path().join("ws");
        std::fs::create_dir_all(&ws).unwrap();
        Project { home, ws }
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.ws.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        scandeck(self.home.path())
            .arg("--workspace")
            .arg(&self.ws)
            .args(args)
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    fn rows(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["list", "--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn demo_project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/project")
}

#[test]
fn the_demo_project_yields_the_seeds_posture_findings() {
    let p = Project::new();
    copy_dir(&demo_project(), &p.ws);
    let out = p.ok(&["scan", "--project", "--tools", "posture"]);
    assert!(
        out.contains("done     project posture: 35 findings, 35 new"),
        "{out}"
    );
    let mut found: Vec<String> = p
        .rows()
        .iter()
        .map(|r| {
            format!(
                "{} {} | {}",
                r["severity"].as_str().unwrap(),
                r["id"].as_str().unwrap(),
                r["title"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    let expected: Vec<&str> = vec![
        "high compose-inline-secrets | docker-compose.yml: service db sets POSTGRES_PASSWORD inline; the value is committed with the file",
        "high db-not-published | docker-compose.yml: database service db publishes ports on the host",
        "high dockerfile-user | backend/Dockerfile: no USER; the container runs as root",
        "high dockerfile-user | frontend/Dockerfile: no USER; the container runs as root",
        "high env-ignored | .dockerignore: .env is not excluded; it can be copied into images",
        "high env-ignored | .gitignore: .env is not excluded; it can be committed to git",
        "high env-passwords-strong | .env: POSTGRES_PASSWORD is shorter than 16 characters",
        "high env-passwords-strong | .env: SECRET_KEY looks like a placeholder",
        "high env-passwords-strong | .env: the password in DATABASE_URL is shorter than 16 characters",
        "high https-enabled | frontend/nginx.conf",
        "high wsgi-server | backend/Dockerfile: runs Flask's development server instead of a WSGI server",
        "low healthcheck | docker-compose.yml: service backend has no healthcheck",
        "low healthcheck | docker-compose.yml: service db has no healthcheck",
        "low oci-labels | backend/Dockerfile: no org.opencontainers.image.source label",
        "low oci-labels | backend/Dockerfile: no org.opencontainers.image.version label",
        "low oci-labels | frontend/Dockerfile: no org.opencontainers.image.source label",
        "low oci-labels | frontend/Dockerfile: no org.opencontainers.image.version label",
        "low package-hygiene | backend/Dockerfile: apt package lists are not removed",
        "low package-hygiene | backend/Dockerfile: apt-get install without --no-install-recommends",
        "low package-hygiene | backend/Dockerfile: pip install without --no-cache-dir",
        "medium base-image | frontend/Dockerfile: final base nginx:latest is not a slim, alpine or distroless image",
        "medium base-image | frontend/Dockerfile: nginx:latest is not pinned",
        "medium compose-resource-limits | docker-compose.yml: service backend has no memory or CPU limit",
        "medium compose-resource-limits | docker-compose.yml: service db has no memory or CPU limit",
        "medium compose-resource-limits | docker-compose.yml: service frontend has no memory or CPU limit",
        "medium dockerignore-git | .dockerignore: .git is not excluded; `COPY . .` copies the repository history",
        "medium npm-pinned | frontend/package.json: axios ^0.21.1 is a range",
        "medium npm-pinned | frontend/package.json: no lockfile beside it",
        "medium npm-pinned | frontend/package.json: postcss ^8.4.21 is a range",
        "medium npm-pinned | frontend/package.json: semver ~7.3.8 is a range",
        "medium pip-pinned | backend/requirements.txt: gunicorn>=20.1.0 is not pinned with ==",
        "medium pip-pinned | backend/requirements.txt: python-dotenv is not pinned with ==",
        "medium rate-limiting | no rate limiting found (nginx limit_req, Traefik rateLimit, flask-limiter, express-rate-limit)",
        "medium security-headers | frontend/nginx.conf: no strict-transport-security, content-security-policy, permissions-policy",
        "medium security-headers | frontend/nginx.conf: server_tokens is not off",
    ];
    assert_eq!(found, expected);
    // The stored rows never carry the .env values.
    let listed = p.ok(&["list", "--format", "json"]);
    assert!(!listed.contains("finance123") && !listed.contains("changeme"));
    // A problem of the whole project is the project's, not a target named
    // after its message; the others are their files'.
    let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let target_of = |id: &str| -> Vec<String> {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == id)
            .map(|r| r["target"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(target_of("rate-limiting"), ["."]);
    assert!(target_of("healthcheck")
        .iter()
        .all(|t| t == "docker-compose.yml"));
}

#[test]
fn a_fixed_copy_of_the_demo_project_yields_no_posture_findings() {
    let p = Project::new();
    copy_dir(&demo_project(), &p.ws);
    p.write(
        "docker-compose.yml",
        "services:
  backend:
    build: ./backend
    image: finance-tracker/backend:1.4.1
    env_file: .env
    depends_on: [db]
    healthcheck: {test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:5000/api/health\"]}
    deploy: {resources: {limits: {cpus: \"1.0\", memory: 512M}}}
  frontend:
    build: ./frontend
    image: finance-tracker/frontend:1.4.1
    ports: [\"443:443\"]
    healthcheck: {test: [\"CMD\", \"wget\", \"-qO-\", \"https://localhost/\"]}
    deploy: {resources: {limits: {cpus: \"0.5\", memory: 128M}}}
  db:
    image: postgres:15.4
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
    healthcheck: {test: [\"CMD\", \"pg_isready\"]}
    deploy: {resources: {limits: {cpus: \"1.0\", memory: 1G}}}
",
    );
    p.write(
        ".env",
        "DATABASE_URL=postgresql://finance:Vb7pQ2xLr9TzK4mWs8Nd@db:5432/finance\nSECRET_KEY=q9Xr2LmT7vBn4KpZ8sWd3YhJ6fGc1NaE\nPOSTGRES_PASSWORD=Vb7pQ2xLr9TzK4mWs8Nd\n",
    );
    p.write(".gitignore", "node_modules/\n.env\n");
    p.write(".dockerignore", ".git\n.env\nnode_modules\n");
    p.write(
        "backend/Dockerfile",
        "FROM python:3.11-slim
LABEL org.opencontainers.image.version=\"1.4.1\" org.opencontainers.image.source=\"https://example.invalid/finance\"
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd -r appuser
USER appuser
HEALTHCHECK CMD python -c \"import urllib.request; urllib.request.urlopen('http://localhost:5000/api/health')\"
CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"--workers\", \"4\", \"app:app\"]
",
    );
    p.write(
        "backend/requirements.txt",
        "Flask==2.3.3\nWerkzeug==3.0.3\ngunicorn==22.0.0\npython-dotenv==1.0.1\n",
    );
    p.write(
        "frontend/Dockerfile",
        "FROM node:18-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.25-alpine
LABEL org.opencontainers.image.version=\"1.4.1\" org.opencontainers.image.source=\"https://example.invalid/finance\"
COPY --from=build /src/dist /usr/share/nginx/html
COPY nginx.conf /etc/nginx/conf.d/default.conf
USER 101
HEALTHCHECK CMD wget -qO- https://localhost/ || exit 1
",
    );
    p.write(
        "frontend/nginx.conf",
        "limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;
server {
    listen 443 ssl;
    server_tokens off;
    add_header Strict-Transport-Security \"max-age=31536000\" always;
    add_header Content-Security-Policy \"default-src 'self'\" always;
    add_header X-Frame-Options \"DENY\" always;
    add_header X-Content-Type-Options \"nosniff\" always;
    add_header Permissions-Policy \"geolocation=()\" always;
    location /api/ {
        limit_req zone=api burst=20;
        proxy_pass http://backend:5000;
    }
}
",
    );
    p.write(
        "frontend/package.json",
        "{\"name\": \"f\", \"dependencies\": {\"axios\": \"1.6.8\", \"react\": \"18.2.0\"}, \"devDependencies\": {\"vite\": \"4.5.3\"}}",
    );
    p.write("frontend/package-lock.json", "{}");
    let out = p.ok(&["scan", "--project", "--tools", "posture"]);
    let rows = p.rows();
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert!(titles.is_empty(), "{titles:#?}\n{out}");
    assert!(out.contains("project posture: 0 findings"), "{out}");
}

/// One canary per secrets rule; each is random enough and shaped like the real thing.
const CANARIES: [(&str, &str, &str); 12] = [
    ("aws-access-key-id", "cloud.py", "key_id = \"AKIAQ7CANARY2WXYZ5KQ\"\n"),
    (
        "aws-secret-access-key",
        "cloud.ini",
        "aws_secret_access_key = Zq8CanaryS3cr3tKeyMaterialAbCdEfGh123456\n",
    ),
    ("gcp-api-key", "maps.js", "const key = \"AIzaSyCanaryGcpKey0123456789abcdefghijk\";\n"),
    ("github-token", "ci.sh", "export GH=ghp_CanaryGithubToken0123456789abcdefghi\n"),
    ("gitlab-token", "gl.txt", "token glpat-CanaryGitlab7Tok3nX9z\n"),
    ("slack-token", "slack.yml", "bot: xoxb-1234567890-Canary0Slack0Token\n"),
    (
        "slack-webhook",
        "hook.txt",
        "https://hooks.slack.com/services/T0CANARY1/B0CANARY2/CanaryWebhookSecret9876\n",
    ),
    ("stripe-key", "pay.rb", "Stripe.api_key = 'sk_live_CanaryStripe0123456789ab'\n"),
    (
        "private-key",
        "deploy/id_rsa",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAcanaryPrivateKeyBody0123456789abcdefghijklmnop\n-----END RSA PRIVATE KEY-----\n",
    ),
    (
        "jwt",
        "session.json",
        "{\"token\": \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.CanarySignature_abc123XYZ\"}\n",
    ),
    (
        "connection-string-password",
        "settings.env",
        "DB=postgresql://app:CanaryDbPassw0rd7Q@db:5432/app\n",
    ),
    (
        "generic-secret-assignment",
        "config.yaml",
        "api_token: Cn7rYx2Qa9LmZp4Tw8Vb\n",
    ),
];

/// The part of each canary that is the secret itself.
fn secret_of(text: &str) -> &str {
    for marker in [
        "AKIAQ7CANARY2WXYZ5KQ",
        "Zq8CanaryS3cr3tKeyMaterialAbCdEfGh123456",
        "AIzaSyCanaryGcpKey0123456789abcdefghijk",
        "ghp_CanaryGithubToken0123456789abcdefghi",
        "glpat-CanaryGitlab7Tok3nX9z",
        "xoxb-1234567890-Canary0Slack0Token",
        "CanaryWebhookSecret9876",
        "sk_live_CanaryStripe0123456789ab",
        "canaryPrivateKeyBody0123456789",
        "CanarySignature_abc123XYZ",
        "CanaryDbPassw0rd7Q",
        "Cn7rYx2Qa9LmZp4Tw8Vb",
    ] {
        if text.contains(marker) {
            return marker;
        }
    }
    panic!("no canary in {text}")
}

#[test]
fn planted_canaries_are_all_found_and_never_shown_in_full() {
    let p = Project::new();
    for (_, file, text) in CANARIES {
        p.write(file, text);
    }
    // Not searched: ignored by git, binary, too large, allowlisted.
    p.write(".gitignore", "ignored/\n");
    // Each would match the GitHub rule if it were searched.
    let token = |tag: &str| format!("ghp_{tag}{}", "7".repeat(36 - tag.len()));
    p.write("ignored/leak.txt", &format!("{}\n", token("Ignored")));
    std::fs::write(
        p.ws.join("blob.bin"),
        format!("\0\x01binary {}", token("Binary")),
    )
    .unwrap();
    p.write(
        "big.txt",
        &("x".repeat(3 << 20) + "\n" + &token("Huge") + "\n"),
    );
    p.write("fixtures/test-keys.txt", &format!("{}\n", token("Fixture")));
    // A scanner's report in the project repeats what that scanner found.
    p.write(
        "reports/gitleaks.json",
        &format!(
            "[{{\"RuleID\":\"github-pat\",\"File\":\"app.py\",\"StartLine\":1,\"Secret\":\"{}\",\"Match\":\"x\",\"Commit\":\"\"}}]\n",
            token("Report")
        ),
    );
    for t in ["Ignored", "Binary", "Huge", "Fixture"] {
        p.write(&format!("control/{t}.txt"), &format!("{}\n", token(t)));
    }
    p.write(
        ".scandeck/secrets-allow.toml",
        "paths = [\"fixtures/\"]\nvalues = [\"^AKIAIOSFODNN7EXAMPLE$\"]\n",
    );
    p.write(
        "docs.md",
        "The AWS docs use AKIAIOSFODNN7EXAMPLE as an example.\n",
    );

    let scan = p.ok(&["scan", "--project", "--tools", "secrets"]);
    assert!(
        scan.contains("done     project secrets: 16 findings, 16 new"),
        "{scan}"
    );
    assert!(
        scan.contains(
            "1 binary, 1 over 2 MiB and 1 scanner report(s) skipped, 2 match(es) allowlisted"
        ),
        "{scan}"
    );
    let rows = p.rows();
    let mut found: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, String)> = CANARIES
        .iter()
        .map(|(rule, file, _)| (rule.to_string(), file.to_string()))
        .collect();
    // The same tokens outside ignored, binary, huge and allowlisted files are found.
    for t in ["Binary", "Fixture", "Huge", "Ignored"] {
        expected.push(("github-token".into(), format!("control/{t}.txt")));
    }
    expected.sort();
    assert_eq!(found, expected);

    // Everything scandeck wrote or printed, checked for every canary.
    let mut outputs = vec![scan, p.ok(&["list", "--format", "json"]), p.ok(&["list"])];
    for format in ["md", "html", "csv", "json", "sarif"] {
        let file = p.home.path().join(format!("export.{format}"));
        p.ok(&["export", "--format", format, "-o", file.to_str().unwrap()]);
        outputs.push(std::fs::read_to_string(file).unwrap());
    }
    let mut stored = Vec::new();
    for dir in [
        p.ws.join(".scandeck"),
        p.home.path().join("data"),
        p.home.path().join("config"),
    ] {
        if dir.exists() {
            for file in common::files_under(&dir) {
                stored.push((
                    file.clone(),
                    String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned(),
                ));
            }
        }
    }
    assert!(stored.iter().any(|(f, _)| f.ends_with("index.json")));
    for (rule, _, text) in CANARIES {
        let secret = secret_of(text);
        for out in &outputs {
            assert!(!out.contains(secret), "{rule}: {secret} printed in full");
        }
        for (file, body) in &stored {
            assert!(
                !body.contains(secret),
                "{rule}: {secret} stored in {}",
                file.display()
            );
        }
    }
    // The console shows the same redaction.
    let ws = scandeck::store::Workspace::at(&p.ws);
    let current = ws.current_findings(&key_of(&p)).unwrap();
    let data = scandeck::tui::data::Data::build(current, common::fixed_now());
    let keymap = scandeck::tui::keymap::KeyMap::defaults();
    let mut state = common::state_at("canaries", (200, 60));
    state.now = common::fixed_now();
    for effect in scandeck::tui::update::update(
        &mut state,
        &keymap,
        scandeck::tui::msg::Msg::Loaded(Box::new(data)),
    ) {
        if let scandeck::tui::msg::Effect::Search(req) = effect {
            scandeck::tui::update::update(&mut state, &keymap, common::search_done(req));
        }
    }
    let theme = scandeck::tui::theme::Theme::by_name("default").unwrap();
    for row in 0..state.visible.len() {
        state.findings.selected = row;
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).unwrap();
        term.draw(|f| scandeck::tui::ui::draw(f, &state, &theme, &keymap))
            .unwrap();
        let screen: String = term
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        for (rule, _, text) in CANARIES {
            assert!(
                !screen.contains(secret_of(text)),
                "{rule} shown in the console"
            );
        }
    }
}

/// The installation key the binary created for this home.
fn key_of(p: &Project) -> scandeck::model::Redactor {
    let paths = scandeck::config::Paths {
        config_dir: p.home.path().join("config"),
        data_dir: p.home.path().join("data"),
    };
    scandeck::commands::redactor(&paths, &p.ws, false).unwrap()
}

/// Project files read as their tools read them (issue 21): compose merge
/// keys applied, interpolation a reference and not a secret (a literal
/// password is still found), a heredoc's lines never instructions.
#[test]
fn project_files_are_read_as_compose_and_docker_read_them() {
    let compose = |password: &str| {
        format!(
            "x-limits: &limits\n  deploy:\n    resources:\n      limits:\n        cpus: \"0.5\"\n        memory: 256M\n\
             services:\n  db:\n    image: postgres:15.4\n    <<: *limits\n    environment:\n      POSTGRES_PASSWORD: {password}\n      POSTGRES_USER: ${{POSTGRES_USER:-app}}\n  \
             web:\n    image: nginx:1.25\n    <<: *limits\n"
        )
    };
    let scanned = |compose_text: &str, dockerfile: &str| {
        let p = Project::new();
        p.write("docker-compose.yml", compose_text);
        p.write("Dockerfile", dockerfile);
        p.write(".gitignore", ".env\n");
        p.write(".dockerignore", ".env\n.git\n");
        p.ok(&["scan", "--project", "--tools", "secrets,posture"]);
        let rows = p.rows();
        let gate = String::from_utf8_lossy(&p.run(&["gate"]).stdout).into_owned();
        (p, rows, gate)
    };
    let ids = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let heredoc = "FROM python:3.12-slim\nRUN <<EOF\nset -e\nUSER app\npip install flask\nEOF\nCMD [\"python\", \"app.py\"]\n";
    let (p, rows, gate) = scanned(&compose("${POSTGRES_PASSWORD}"), heredoc);
    let found = ids(&rows);
    assert!(
        !found.iter().any(|id| id == "compose-resource-limits"),
        "merge keys applied: {found:?}"
    );
    assert!(
        !rows.iter().any(|r| r["kind"] == "secret"),
        "an interpolation is no secret: {rows:#?}"
    );
    assert!(!gate.contains("[secret]"), "{gate}");
    let user: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["id"] == "dockerfile-user")
        .collect();
    assert_eq!(
        user.len(),
        1,
        "USER inside a heredoc is a shell line, not an instruction: {found:?}"
    );
    let checklist = p.ok(&["checklist", "show"]);
    assert!(
        checklist.contains("all 2 compose service(s) have memory and CPU limits"),
        "{checklist}"
    );
    // The same files written the other way: a literal password is found,
    // and a real USER line is obeyed.
    let plain =
        "FROM python:3.12-slim\nRUN pip install flask\nUSER app\nCMD [\"python\", \"app.py\"]\n";
    let (_p, rows, gate) = scanned(&compose("Xq7v93kdLLp2a8Zr9wq"), plain);
    assert!(rows.iter().any(|r| r["kind"] == "secret"), "{rows:#?}");
    assert!(gate.contains("[secret]"), "{gate}");
    assert!(
        !ids(&rows).iter().any(|id| id == "dockerfile-user"),
        "{:?}",
        ids(&rows)
    );
}

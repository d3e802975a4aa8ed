//! Native image and container checks against a real Docker daemon. The test
//! builds its images locally (`docker import` of a tarball it makes, then a
//! legacy-builder build adding USER/HEALTHCHECK/ENV/LABEL lines), runs a
//! privileged container, and scans through a recording proxy on a unix
//! socket: every request scandeck sends must be a read.
//! Skips with a reason when no daemon answers, unless SCANDECK_REQUIRE_DOCKER=1.

use crate::common;

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

fn docker_required() -> bool {
    std::env::var("SCANDECK_REQUIRE_DOCKER").is_ok_and(|v| v == "1")
}

fn daemon_socket() -> PathBuf {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => PathBuf::from(h.trim_start_matches("unix://")),
        _ => PathBuf::from("/var/run/docker.sock"),
    }
}

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .expect("the docker CLI runs")
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn daemon_answers() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A root filesystem holding the host's `sleep` and the libraries it needs.
fn make_rootfs(root: &Path) {
    let sleep = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("sleep on the host");
    let mut files = vec![PathBuf::from(sleep)];
    // What `sleep` itself needs, not a preload of the test run (faketime's).
    let ldd = Command::new("ldd")
        .arg(sleep)
        .env_remove("LD_PRELOAD")
        .output()
        .expect("ldd");
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        if let Some(path) = line
            .split_whitespace()
            .find(|w| w.starts_with('/'))
            .map(PathBuf::from)
        {
            files.push(path);
        }
    }
    for file in files {
        let target = root.join(file.strip_prefix("/").unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
    std::fs::create_dir_all(root.join("bin")).unwrap();
    if !root.join("bin/sleep").exists() {
        std::fs::copy(sleep, root.join("bin/sleep")).unwrap();
    }
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=scandeck-test\n").unwrap();
}

/// Forwards a unix socket to the daemon and keeps every byte clients sent.
fn recording_proxy(listen: &Path, upstream: PathBuf) -> Arc<Mutex<Vec<u8>>> {
    let listener = UnixListener::bind(listen).unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { break };
            let Ok(mut server) = UnixStream::connect(&upstream) else {
                break;
            };
            let mut client_back = client.try_clone().unwrap();
            let mut server_back = server.try_clone().unwrap();
            let log = Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut buf = [0u8; 16 * 1024];
                loop {
                    match client.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            log.lock().unwrap().extend_from_slice(&buf[..n]);
                            if server.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
                let _ = server.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server_back, &mut client_back);
                let _ = client_back.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    log
}

struct Cleanup(Vec<Vec<String>>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for args in &self.0 {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let _ = docker(&args);
        }
    }
}

#[test]
fn image_and_container_checks_through_a_read_only_engine_connection() {
    if !daemon_answers() {
        assert!(
            !docker_required(),
            "SCANDECK_REQUIRE_DOCKER=1 but no Docker daemon answers"
        );
        eprintln!(
            "skipped: no Docker daemon answers (set SCANDECK_REQUIRE_DOCKER=1 to fail instead)"
        );
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let prefix = format!("sdtest{}", std::process::id());
    let base = format!("{prefix}/base:1");
    let bad = format!("{prefix}/bad:latest");
    let clean = format!("{prefix}/clean:1.0.0");
    let container = format!("{prefix}-privileged");
    let stopped = format!("{prefix}-stopped");
    let _cleanup = Cleanup(vec![
        vec!["rm".into(), "-f".into(), container.clone()],
        vec!["rm".into(), "-f".into(), stopped.clone()],
        vec![
            "rmi".into(),
            "-f".into(),
            bad.clone(),
            clean.clone(),
            base.clone(),
        ],
    ]);

    let rootfs = home.path().join("rootfs");
    make_rootfs(&rootfs);
    let tarball = home.path().join("base.tar");
    let tar = Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .unwrap();
    assert!(tar.success());
    docker_ok(&[
        "import",
        "-m",
        "scandeck test base",
        tarball.to_str().unwrap(),
        &base,
    ]);
    let build = |tag: &str, dockerfile: &str| {
        let ctx = home.path().join(tag.replace(['/', ':'], "_"));
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
        docker_ok(&["build", "-q", "-t", tag, ctx.to_str().unwrap()]);
    };
    build(
        &bad,
        &format!(
            "FROM {base}\nENV DB_PASSWORD=CanaryImagePassw0rd42 APP_ENV=prod FLASK_ENV=development\nENV PAYMENTS=sk_live_CanaryImageStripe0042xyz GH=ghp_CanaryImageGithubToken00000000000042 DATABASE_URL=postgres://app:CanaryImageDbPass42@db:5432/app\nEXPOSE 22/tcp 8080/tcp\nCMD [\"flask\", \"run\", \"--host=0.0.0.0\"]\n"
        ),
    );
    build(
        &clean,
        &format!(
            "FROM {base}\nLABEL org.opencontainers.image.version=\"1.0.0\" org.opencontainers.image.source=\"https://example.invalid/clean\"\nENV PASSWORD_MIN_LENGTH=12 TOKEN_TTL_SECONDS=3600 SECRET_NAME=prod/db DB_PASSWORD_FILE=/run/secrets/db\nEXPOSE 8080/tcp\nUSER 1000:1000\nHEALTHCHECK --interval=30s CMD [\"/bin/sleep\", \"0\"]\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8080\", \"app:app\"]\n"
        ),
    );
    let socket = daemon_socket();
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &container,
        "--privileged",
        "--pid",
        "host",
        "--network",
        "none",
        "-v",
        &format!("{}:/var/run/docker.sock", socket.display()),
        &clean,
        "/bin/sleep",
        "300",
    ]);

    // A stopped container created with secrets and development settings in
    // its environment (issue 21): looked at like a running one.
    docker_ok(&[
        "create",
        "--name",
        &stopped,
        "-e",
        "POSTGRES_PASSWORD=changeme",
        "-e",
        "GITHUB_TOKEN=ghp_CanaryContainerGithubToken0000000042",
        "-e",
        "NODE_ENV=development",
        "-e",
        "POSTGRES_USER=app",
        "--memory",
        "256m",
        "--cpus",
        "0.5",
        &clean,
        "/bin/sleep",
        "300",
    ]);

    let proxy = home.path().join("proxy.sock");
    let log = recording_proxy(&proxy, socket);
    let ws = home.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let out = common::scandeck(home.path())
        .arg("--workspace")
        .arg(&ws)
        .args([
            "scan",
            "--image",
            &bad,
            "--image",
            &clean,
            "--containers",
            "--tools",
            "native",
        ])
        .env("DOCKER_HOST", format!("unix://{}", proxy.display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("engine: Docker "), "{err}");
    assert!(
        err.contains(&format!("done     image checks {clean}: 0 findings")),
        "{err}"
    );

    let list = common::scandeck(home.path())
        .arg("--workspace")
        .arg(&ws)
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout).into_owned();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    let ids_where = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        let mut ids: Vec<String> = rows
            .iter()
            .filter(|r| pred(r))
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let on_image = |name: &str| {
        let name = name.to_string();
        move |r: &serde_json::Value| {
            r["image"]
                .as_str()
                .is_some_and(|i| name.starts_with(i) || i == name)
        }
    };
    assert_eq!(
        ids_where(&on_image(&bad)),
        [
            "image-development-mode",
            "image-exposes-sensitive-port",
            "image-flask-dev-server",
            "image-latest-or-untagged",
            "image-missing-oci-labels",
            "image-no-healthcheck",
            "image-runs-as-root",
            // The password by its key; Stripe, GitHub and the database URL by their values.
            "image-secret-in-env",
            "image-secret-in-env",
            "image-secret-in-env",
            "image-secret-in-env",
        ],
        "{listed}"
    );
    // Settings about secrets (`*_FILE`, lengths, lifetimes, names) are not secrets.
    assert!(ids_where(&on_image(&clean)).is_empty(), "{listed}");
    let ours = format!("container/{container}#");
    assert_eq!(
        ids_where(&|r| r["path"].as_str().is_some_and(|p| p.starts_with(&ours))),
        [
            "container-docker-socket",
            "container-host-pid",
            "container-no-limits",
            "container-privileged",
        ],
        "{listed}"
    );
    let theirs = format!("container/{stopped}#");
    assert_eq!(
        ids_where(&|r| r["path"].as_str().is_some_and(|p| p.starts_with(&theirs))),
        [
            "container-development-mode",
            "container-secret-in-env",
            "container-weak-password",
        ],
        "{listed}"
    );
    let canaries = [
        "ghp_CanaryContainerGithubToken0000000042",
        "CanaryImagePassw0rd42",
        "sk_live_CanaryImageStripe0042xyz",
        "ghp_CanaryImageGithubToken00000000000042",
        "CanaryImageDbPass42",
    ];
    for canary in canaries {
        assert!(
            !listed.contains(canary) && !err.contains(canary),
            "{canary}"
        );
    }
    for file in common::files_under(&ws.join(".scandeck")) {
        let body = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        for canary in canaries {
            assert!(!body.contains(canary), "{}: {canary}", file.display());
        }
    }

    // Every request scandeck sent was a read of an allowed endpoint.
    let sent = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    let requests: Vec<(String, String)> = sent
        .split("\r\n")
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let (method, path, version) = (parts.next()?, parts.next()?, parts.next()?);
            version
                .starts_with("HTTP/1.")
                .then(|| (method.to_string(), path.to_string()))
        })
        .collect();
    assert!(requests.len() >= 8, "{requests:?}");
    for (method, path) in &requests {
        assert_eq!(method, "GET", "a mutating request: {method} {path}");
        let endpoint = path.split('?').next().unwrap();
        let endpoint = endpoint
            .strip_prefix("/v")
            .and_then(|r| r.split_once('/'))
            .map_or(endpoint.to_string(), |(_, rest)| format!("/{rest}"));
        let allowed = endpoint == "/_ping"
            || endpoint == "/version"
            || endpoint == "/images/json"
            || endpoint == "/containers/json"
            || (endpoint.starts_with("/images/")
                && (endpoint.ends_with("/json") || endpoint.ends_with("/history")))
            || (endpoint.starts_with("/containers/") && endpoint.ends_with("/json"));
        assert!(allowed, "unexpected endpoint {method} {path}");
    }
    for wanted in ["/history", "/containers/json"] {
        assert!(
            requests.iter().any(|(_, p)| p.contains(wanted)),
            "{requests:?}"
        );
    }
    eprintln!("{} read-only requests recorded", requests.len());
}

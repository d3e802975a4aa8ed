#!/usr/bin/env python3
"""The identity cases of docs/identity.md, run against one scandeck binary:
one line per case with what a user would count (rows, subjects, exit codes).
Used to compare two builds:

    python3 scripts/identity_cases.py target/debug/scandeck

Needs ../shared/fixtures/real beside the checkout and hadolint on the PATH
for one case; every case is also an integration test (tests/identity.rs)."""
import json, os, shutil, subprocess, sys, tempfile, collections

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "fixtures", "real"))
DEMO = os.path.normpath(os.path.join(HERE, "..", "assets", "demo"))


class Ws:
    def __init__(self):
        self.home = tempfile.mkdtemp()
        self.dir = os.path.join(self.home, "ws")
        os.makedirs(self.dir)

    def run(self, *args, cwd=None):
        env = dict(os.environ, SCANDECK_CONFIG_DIR=self.home + "/c", SCANDECK_DATA_DIR=self.home + "/d",
                   SCANDECK_NOW="2026-03-01T10:00:00Z", DOCKER_HOST="unix:///nonexistent.sock")
        return subprocess.run([BIN, "--workspace", self.dir, *args], capture_output=True, text=True, env=env, cwd=cwd)

    def write(self, rel, body):
        p = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(body if isinstance(body, str) else json.dumps(body))
        return p

    def copy(self, src, rel):
        p = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copy(src, p)
        return p

    def rows(self, *extra):
        out = self.run("list", "--format", "json", *extra)
        return json.loads(out.stdout or "[]")


def gitleaks(n, start=0):
    return [{"RuleID": "generic-api-key", "Description": "k", "File": f"app/f{i}.py", "StartLine": 1,
             "Secret": f"s3cr3t-value-number-{i}xxxxx", "Match": f"s3cr3t-value-number-{i}xxxxx", "Commit": ""}
            for i in range(start, start + n)]


def trivy_fs(artifact, pkgs):
    return {"SchemaVersion": 2, "ArtifactName": artifact, "ArtifactType": "filesystem",
            "Results": [{"Target": "package-lock.json", "Class": "lang-pkgs", "Type": "npm", "Vulnerabilities": [
                {"VulnerabilityID": i, "PkgName": p, "InstalledVersion": v, "FixedVersion": "9.9.9", "Severity": "HIGH"}
                for (i, p, v) in pkgs]}]}


def case(name, value):
    print(f"{name}\t{value}")


# 1 date folder
w = Ws()
w.run("import", w.write("reports/2026-11-24/gitleaks.json", gitleaks(4)))
w.run("import", w.write("reports/gitleaks-2026-12-01.json", gitleaks(1)))
case("date folder: open secrets after the newer one-secret report", len(w.rows("--status", "open")))

# 2 ArtifactName
w = Ws()
w.run("import", w.write("reports/a.json", trivy_fs("shop-frontend", [("CVE-2026-1", "axios", "1")])))
w.run("import", w.write("reports/b.json", trivy_fs("billing-ui", [("CVE-2026-2", "lodash", "1")])))
case("ArtifactName: subjects / fixed by accident", f"{len({r['subject'] for r in w.rows()})} / {len(w.rows('--status', 'fixed'))}")

# 3 image report without ArtifactName, then an fs report
w = Ws()
w.run("import", w.copy(f"{REAL}/trivy/defectdojo-image-all-statuses.json", "reports/image.json"))
w.run("import", w.write("reports/fs.json", trivy_fs(".", [("CVE-2026-1", "axios", "1")])))
case("image report (empty ArtifactName) then fs report: image findings marked fixed", len(w.rows("--status", "fixed")))
case("  subject of the image report", sorted({r["subject"] for r in w.rows()}))

# 4 absolute path outside the workspace
w = Ws()
out = os.path.join(w.home, "elsewhere.json")
with open(out, "w") as f:
    json.dump(gitleaks(1), f)
r = w.run("import", out)
case("outside the workspace, names nothing: exit / subject", f"{r.returncode} / {sorted({x['subject'] for x in w.rows()})}")

# 5 same file from two directories
w = Ws()
w.write("app/package.json", "{}")
npm = {"auditReportVersion": 2, "metadata": {}, "vulnerabilities": {p: {"name": p, "severity": "high", "range": "<2",
       "nodes": [f"node_modules/{p}"], "fixAvailable": True, "via": [{"source": 100 + i, "name": p, "title": "t",
       "url": f"https://github.com/advisories/GHSA-aaaa-bbbb-{i:04d}", "severity": "high", "range": "<2"}]}
       for i, p in enumerate(["axios", "semver"])}}
w.write("app/reports/npm-audit.json", npm)
w.run("import", "app/reports/npm-audit.json", cwd=w.dir)
w.run("import", "npm-audit.json", cwd=os.path.join(w.dir, "app/reports"))
case("same file from two directories: rows for 2 findings", len(w.rows()))

# 6 k8s pair
w = Ws()
w.run("import", w.copy(f"{REAL}/trivy/zora-testdata-k8s-all-resources-images.json", "reports/k8s.json"))
rows = w.rows()
by = collections.defaultdict(set)
for r in rows:
    if r.get("image"):
        by[r["fingerprint"]].add(r["image"].split(":")[0])
case("k8s: fingerprints shared by two images", sum(1 for v in by.values() if len(v) > 1))
case("k8s: rows", len(rows))

# 7 lockfile pair
w = Ws()
w.run("import", w.write("reports/t.json", trivy_fs(".", [("CVE-2022-23529", "jsonwebtoken", "0.1.0"), ("CVE-2022-23529", "jsonwebtoken", "0.4.0")])))
rows = w.rows()
case("two installed copies: rows / distinct fingerprints", f"{len(rows)} / {len({r['fingerprint'] for r in rows})}")

# 9/10 JSON after SARIF
for j, s in [("trivy/trivy-golden-alpine310-image.json", "trivy-sarif/trivy-golden-alpine310.sarif"),
             ("trivy/tp2-sbom-image-v0.69.3-pair.json", "trivy-sarif/tp2-sbom-image-v0.69.3-pair.sarif"),
             ("grype/grype-golden-json-image.json", "sarif/grype-golden-image.sarif")]:
    w = Ws()
    w.run("import", w.copy(f"{REAL}/{s}", "reports/r.sarif"))
    first = {r["fingerprint"] for r in w.rows()}
    w.run("import", w.copy(f"{REAL}/{j}", "reports/r.json"))
    after = w.rows()
    fixed = len([r for r in after if r["status"] == "fixed"])
    case(f"{os.path.basename(j)} after its SARIF: rows / fixed ('gone')", f"{len(after)} / {fixed}")

# 11 native + gitleaks
w = Ws()
key = "AKIAZ4QXW7Y2EXAMPLEQ"
w.write("app/config.py", f'import os\naws_access_key_id = "{key}"\n')
w.write(".git/HEAD", "ref: refs/heads/main\n")
w.run("scan", "--project", "--tools", "secrets")
w.run("import", w.write("reports/gitleaks.json", [{"RuleID": "aws-access-token", "Description": "AWS", "File": "app/config.py",
      "StartLine": 2, "Secret": key, "Match": f'aws_access_key_id = "{key}"', "Commit": ""}]))
case("one AWS key, native scan + gitleaks: rows", len(w.rows("--query", "kind:secret")))

# 12 hadolint + posture
w = Ws()
shutil.copytree(f"{DEMO}/project", w.dir, dirs_exist_ok=True)
w.run("scan", "--project", "--tools", "posture")
lint = subprocess.run(["hadolint", "-f", "json", "--no-fail", os.path.join(w.dir, "backend/Dockerfile")], capture_output=True, text=True) if shutil.which("hadolint") else None
if lint is None:
    print("skipped: hadolint is not installed")
    lint = subprocess.CompletedProcess([], 0, "[]", "")
w.run("import", w.write("reports/hadolint.json", lint.stdout))
rows = w.rows()
n = len([r for r in rows if r["target"] == "backend/Dockerfile" and (r["id"] in ("DL3009", "DL3015", "DL3042") or r["id"] == "package-hygiene")])
case("hadolint + posture, backend/Dockerfile package hygiene: rows", n)

# 13 Snyk SARIF severity
for name in ["snyk-container-1.1293.1-alpine-node-3runs.sarif", "snyk-open-source-1.1304.2-maven-223results.sarif"]:
    w = Ws()
    w.run("import", "--subject", ".", w.copy(f"{REAL}/sarif/{name}", "reports/s.sarif"))
    raw = json.load(open(f"{REAL}/sarif/{name}"))
    word = {}
    for run in raw["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            word[rule["id"]] = rule["shortDescription"]["text"].split(" severity")[0].lower()
    rows = w.rows()
    differ = sum(1 for r in rows if r["severity"] != word.get(r["id"]))
    nopkg = sum(1 for r in rows if not r["package"])
    case(f"Snyk SARIF {name[:20]}: rows / severity differs from Snyk's / no package", f"{len(rows)} / {differ} / {nopkg}")

# 14 npm v1 list cwe
w = Ws()
r = w.run("import", w.copy(f"{REAL}/npm-audit/v1-defectdojo-multiple-cwes2-list-cwe.json", "reports/npm.json"))
case("npm 6 with list cwe: exit / rows", f"{r.returncode} / {len(w.rows())}")

# 15 semgrep CWE
w = Ws()
w.run("import", w.copy(f"{REAL}/sarif/semgrep-oss-1.69-security-severity.sarif.json", "reports/semgrep.sarif"))
rows = w.rows()
case("semgrep SARIF: rows with a CWE", f"{sum(1 for r in rows if r.get('cwes'))} of {len(rows)}")

# 16 pkg:pypi
w = Ws()
w.run("import", w.write("reports/t.json", {"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem",
      "Results": [{"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Vulnerabilities": [
          {"VulnerabilityID": "CVE-2023-30861", "PkgName": "Flask", "InstalledVersion": "1.1.2", "FixedVersion": "2.2.5", "Severity": "HIGH"}]}]}))
fp = w.rows()[0]["fingerprint"]
w.run("triage", "false-positive", "--fingerprint", fp, "--reason", "x")
vex = os.path.join(w.dir, "vex.json")
w.run("export", "--format", "openvex", "-o", vex)
text = open(vex).read() if os.path.exists(vex) else ""
case("Flask (Trivy type pip) in OpenVEX", "pkg:pypi" if "pkg:pypi/flask" in text else ("pkg:pip" if "pkg:pip/" in text else "none"))

# 17 osv-scanner
for name in ["uv-lock-pypi-lockfile-windows.json", "cyclonedx-sbom-npm-empty-max-severity.json", "naftis-ci-sbom-maven-old-groups.json"]:
    w = Ws()
    r = w.run("import", "--subject", ".", w.copy(f"{REAL}/osv-scanner/{name}", "reports/osv.json"))
    case(f"osv-scanner {name[:22]}: exit / rows", f"{r.returncode} / {len(w.rows())}")

# 18 k8s summary
w = Ws()
r = w.run("import", w.copy(f"{REAL}/trivy/scs-k8s-summary-findings-misconfig-only.json", "reports/k8s.json"))
case("Trivy k8s summary: exit / rows", f"{r.returncode} / {len(w.rows())}")

# 19 RUSTSEC, 20 npm numbers
w = Ws()
w.run("import", w.copy(f"{REAL}/trivy-sarif/trivy-sarif-demo-trivy-0.15.0.sarif", "reports/t.sarif"))
ids = sorted({r["id"] for r in w.rows() if r["id"].startswith("RUSTSEC")})
case("old Trivy SARIF RUSTSEC ids", ids[:2])
w = Ws()
w.run("import", w.copy(f"{REAL}/npm-audit/v2-defectdojo-many-vuln-npm7.json", "reports/npm.json"))
row = [r for r in w.rows() if r["id"] == "NPM-1179"]
case("npm v2 NPM-1179 aliases", row[0]["aliases"] if row else "absent")

# 21 plan across image and project
w = Ws()
shutil.copytree(f"{DEMO}/project", w.dir, dirs_exist_ok=True)
w.run("import", w.copy(f"{DEMO}/reports/backend.trivy.json", "reports/backend.trivy.json"))
w.run("import", "--subject", "backend", w.copy(f"{DEMO}/reports/backend.pip-audit.json", "reports/backend.pip-audit.json"))
actions = json.loads(w.run("plan", "--format", "json").stdout)
ups = [a for a in actions if a["fix"]["kind"] == "upgrade" and a["fix"]["package"].lower() in ("werkzeug", "flask", "requests", "cryptography", "gunicorn")]
case("plan: upgrade actions for the five Python packages (image + project)", len(ups))

# k8s: rows sharing a fingerprint
w = Ws()
w.run("import", w.copy(f"{REAL}/trivy/zora-testdata-k8s-all-resources-images.json", "reports/k8s.json"))
rows = w.rows()
c = collections.Counter(r["fingerprint"] for r in rows)
case("k8s: fingerprints on more than one row / distinct (image, id, package)", f"{sum(1 for v in c.values() if v > 1)} / {len({(r['image'], r['id'], r['package']) for r in rows})} for {len(rows)} rows, {len(c)} fingerprints")

# 5b: a report outside the workspace by a relative path from two directories
w = Ws()
os.makedirs(w.home + "/r", exist_ok=True)
with open(w.home + "/r/gitleaks.json", "w") as f:
    json.dump(gitleaks(3), f)
w.run("import", "r/gitleaks.json", cwd=w.home)
w.run("import", "gitleaks.json", cwd=w.home + "/r")
case("outside report by relative path from two dirs: rows for 3 secrets / subjects", f"{len(w.rows())} / {sorted({r['subject'] for r in w.rows()})}")
w = Ws()
os.makedirs(w.home + "/r", exist_ok=True)
with open(w.home + "/r/gitleaks.json", "w") as f:
    json.dump(gitleaks(3), f)
w.run("import", "--subject", "shop", "r/gitleaks.json", cwd=w.home)
w.run("import", "--subject", "shop", "gitleaks.json", cwd=w.home + "/r")
case("  the same with --subject shop: rows", len(w.rows()))

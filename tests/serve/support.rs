//! What every service test needs: a server started on a free port with its own database and
//! tokens (killed when dropped), a small HTTP client, and the command line to compare with.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_credit-policy");
/// The crate root: every relative path in the tests is relative to it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Every test decides as of this day.
pub const AS_OF: &str = "2026-11-30";
pub const STANDARD: &str = "policies/standard";
/// The standard policy with a 5% order tolerance for AAA, AA and A.
pub const APPROVAL: &str = "policies/approval";
pub const CLIENTS: &str = "examples/clients.csv";

/// The tokens every server knows, one per role.
pub const ERP: &str = "erp-token-0000000000001";
pub const APPROVER: &str = "approver-token-00000001";
pub const ADMIN: &str = "admin-token-000000000001";
/// The name the approver's token is recorded under.
pub const APPROVER_NAME: &str = "anna";

pub const TOKENS_TOML: &str = "\
[[token]]
name = \"erp-system\"
role = \"erp\"
token = \"erp-token-0000000000001\"

[[token]]
name = \"anna\"
role = \"approver\"
token = \"approver-token-00000001\"

[[token]]
name = \"ops\"
role = \"admin\"
token = \"admin-token-000000000001\"
";

/// The binary run from the crate root, blind to the tester's own settings.
pub fn credit_policy() -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(ROOT)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .env_remove("CREDIT_POLICY")
        .env_remove("CREDIT_POLICY_DB")
        .env_remove("CREDIT_POLICY_TOKENS");
    c
}

/// How to start a server.
pub struct Start {
    policy: PathBuf,
    args: Vec<String>,
    dir: Option<TempDir>,
    db: Option<String>,
}

/// A server on the standard policy.
pub fn server() -> Server {
    Start::new(Path::new(STANDARD)).run()
}

impl Start {
    pub fn new(policy: &Path) -> Start {
        Start {
            policy: policy.to_path_buf(),
            args: Vec::new(),
            dir: None,
            db: None,
        }
    }

    /// Keeps the state in the database at `url` instead of a SQLite file in the folder.
    pub fn db(mut self, url: &str) -> Start {
        self.db = Some(url.to_string());
        self
    }

    /// More flags for `serve`.
    pub fn args(mut self, args: &[&str]) -> Start {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Starts on the database (and tokens) of an earlier server's folder.
    pub fn in_dir(mut self, dir: TempDir) -> Start {
        self.dir = Some(dir);
        self
    }

    /// Starts and waits for `listening on`; panics with standard error when it does not.
    #[track_caller]
    pub fn run(self) -> Server {
        let dir = self
            .dir
            .unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
        let tokens = dir.path().join("tokens.toml");
        std::fs::write(&tokens, TOKENS_TOML).expect("write tokens");
        let stderr_path = dir.path().join(format!("stderr-{}.txt", unique()));
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let db = self
            .db
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("credit.db").display()));
        let mut child = credit_policy()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--as-of",
                AS_OF,
                "--db",
                &db,
            ])
            .arg("--tokens")
            .arg(&tokens)
            .arg("--policy")
            .arg(&self.policy)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        let _ = BufReader::new(stdout).read_line(&mut line);
        let Some(url) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server did not start: stdout {line:?}\n--- stderr\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        };
        Server {
            url: url.to_string(),
            child,
            stderr: stderr_path,
            dir,
        }
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A running server; killed when dropped.
pub struct Server {
    pub url: String,
    child: Child,
    stderr: PathBuf,
    dir: TempDir,
}

impl Server {
    /// What the server wrote to standard error so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Stops the server (killed, not asked) and hands back its folder: its database and tokens,
    /// for a server started again on them.
    pub fn stop(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"))
    }

    /// Sends SIGTERM and waits for the exit code.
    #[cfg(unix)]
    pub fn terminate(mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Answer {
        request(&self.url, "GET", path, token, None, &[])
    }

    /// POSTs JSON text.
    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> Answer {
        request(
            &self.url,
            "POST",
            path,
            token,
            Some(body.as_bytes()),
            &[("Content-Type", "application/json")],
        )
    }

    /// POSTs `body` with its own headers.
    pub fn post_with(
        &self,
        path: &str,
        token: Option<&str>,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Answer {
        request(&self.url, "POST", path, token, Some(body), headers)
    }

    /// Imports `examples/clients.csv` (or another CSV) as admin; panics unless 200.
    #[track_caller]
    pub fn import_csv(&self, file: &str) -> Value {
        let body = std::fs::read(Path::new(ROOT).join(file)).expect("read the portfolio");
        self.post_with(
            "/v1/imports",
            Some(ADMIN),
            &body,
            &[("Content-Type", "text/csv"), ("X-Filename", "clients.csv")],
        )
        .expect(200)
        .json()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl Answer {
    /// Panics with the body unless the status is `status`.
    #[track_caller]
    pub fn expect(self, status: u16) -> Answer {
        assert_eq!(self.status, status, "status; body:\n{}", self.text);
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}):\n{}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The error's message, checking the answer is the service's JSON error with `status`.
    #[track_caller]
    pub fn error(&self, status: u16) -> (Option<String>, String) {
        assert_eq!(self.status, status, "status; body:\n{}", self.text);
        let v = self.json();
        assert_eq!(v["error"]["status"], status, "{v}");
        (
            v["error"]["field"].as_str().map(str::to_string),
            v["error"]["message"]
                .as_str()
                .expect("a message")
                .to_string(),
        )
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    headers: &[(&str, &str)],
) -> Answer {
    let url = format!("{base}{path}");
    let auth = token.map(|t| format!("Bearer {t}"));
    let result = match method {
        "GET" => {
            let mut r = agent().get(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        _ => {
            let mut r = agent().post(&url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            match body {
                Some(b) => r.send(b),
                None => r.send_empty(),
            }
        }
    };
    let mut resp = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_else(|e| panic!("{method} {url}: reading the body: {e}"));
    Answer {
        status,
        headers,
        text,
    }
}

/// Polls `check` every 100 ms for up to `seconds`; true as soon as it holds.
pub fn eventually(seconds: u64, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A fresh copy of the policy folder `policy` in a temp dir: `(guard, folder)`.
pub fn copy_policy(policy: &str) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let from = Path::new(ROOT).join(policy);
    let dir = tmp.path().join(from.file_name().expect("a folder name"));
    copy_dir(&from, &dir);
    (tmp, dir)
}

/// Copies the folder `from` to `to`, subfolders too.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read policy dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The command line's decision for each client of `examples/clients.csv` on `policy`.
pub fn evaluate(policy: &str) -> Vec<Value> {
    let out = credit_policy()
        .args([
            "evaluate", "--as-of", AS_OF, "--format", "json", "--policy", policy, CLIENTS,
        ])
        .output()
        .expect("evaluate runs");
    match serde_json::from_slice(&out.stdout) {
        Ok(Value::Array(items)) => items,
        _ => panic!(
            "evaluate gave no JSON array:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The command line's answer to one order (`order --format json`).
pub fn order_cli(policy: &str, client: &str, amount: &str) -> Value {
    let out = credit_policy()
        .args([
            "order", "--as-of", AS_OF, "--format", "json", "--policy", policy,
        ])
        .args(["--client", client, "--amount", amount, CLIENTS])
        .output()
        .expect("order runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "order gave no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The row of `id` in `examples/clients.csv` as a JSON object of text values.
pub fn client_row(id: &str) -> Value {
    let text = std::fs::read_to_string(Path::new(ROOT).join(CLIENTS)).expect("read clients");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let row = lines
        .find(|l| l.split(',').next() == Some(id))
        .unwrap_or_else(|| panic!("no row `{id}`"));
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(
        cells.len(),
        header.len(),
        "a row with a comma in a cell: {row}"
    );
    Value::Object(
        header
            .iter()
            .zip(cells)
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    )
}

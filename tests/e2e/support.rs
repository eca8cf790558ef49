//! A running `dragnet serve` child process for end-to-end tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The file in a server's working directory where the harness keeps the admin token the
/// server printed on its first start, for a restart on the same store.
const TOKEN_FILE: &str = ".e2e-admin-token";

/// Runs `dragnet <args>` in `dir` on the store at `database_url` (default `./dragnet.db`).
/// Returns its exit code, stdout and stderr.
pub fn dragnet(
    dir: &std::path::Path,
    database_url: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dragnet"));
    cmd.args(args).current_dir(dir).env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().expect("run dragnet");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A `dragnet serve` child bound to a random port on 127.0.0.1; killed on drop. Requests
/// carry the admin token the server printed on its first start (`Authorization: Bearer`),
/// unless it runs with `--no-auth`.
pub struct Dragnet {
    child: Child,
    addr: SocketAddr,
    _dir: std::sync::Arc<tempfile::TempDir>,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    token: Option<String>,
}

/// A whole API token alone on a line (how the first-start banner shows it).
fn token_line(line: &str) -> Option<String> {
    let t = line.trim();
    let rest = t.strip_prefix("dgn_")?;
    let ok = rest.len() == 16 + 1 + 52
        && rest
            .bytes()
            .all(|b| b == b'_' || b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    ok.then(|| t.to_owned())
}

impl Dragnet {
    /// Starts `dragnet serve --bind 127.0.0.1:0` in a fresh working directory with the default
    /// store (`./dragnet.db`) and waits until it logs the address it listens on.
    pub fn serve() -> Self {
        let dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::serve_in(dir, None)
    }

    /// Starts `dragnet serve` in `dir` (kept alive by the returned value), with `database_url`
    /// as `DATABASE_URL` when given.
    pub fn serve_in(dir: std::sync::Arc<tempfile::TempDir>, database_url: Option<&str>) -> Self {
        Self::serve_with(dir, database_url, &[])
    }

    /// Like [`Dragnet::serve_in`], with extra environment variables (settings).
    pub fn serve_with(
        dir: std::sync::Arc<tempfile::TempDir>,
        database_url: Option<&str>,
        env: &[(&str, &str)],
    ) -> Self {
        Self::serve_args(dir, database_url, env, &[])
    }

    /// Like [`Dragnet::serve_with`], with `--no-auth`: requests carry no token.
    pub fn serve_no_auth(
        dir: std::sync::Arc<tempfile::TempDir>,
        database_url: Option<&str>,
        env: &[(&str, &str)],
    ) -> Self {
        Self::serve_args(dir, database_url, env, &["--no-auth"])
    }

    /// Starts `dragnet serve --bind 127.0.0.1:0 <args>` in `dir`. Unless `args` has
    /// `--no-auth`, the admin token the server prints on its first start is kept (and
    /// written to a file in `dir`, so a restart on the same store finds it) and sent with
    /// every request.
    pub fn serve_args(
        dir: std::sync::Arc<tempfile::TempDir>,
        database_url: Option<&str>,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        let no_auth = args.contains(&"--no-auth");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dragnet"));
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir.path())
            .env("DRAGNET_LOG", "info")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().expect("start dragnet");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = std::sync::Arc::clone(&log);
        // Keep draining stderr so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sent = false;
            let mut token = None;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if token.is_none() {
                    token = token_line(&line);
                }
                if !sent && let Some(addr) = listening_addr(&line) {
                    // The banner comes before the address.
                    sent = tx.send((addr, token.clone())).is_ok();
                }
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                }
            }
        });
        let (addr, printed) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("dragnet did not report a listening address within 60 s");
        let saved = dir.path().join(TOKEN_FILE);
        let token = if no_auth {
            None
        } else if let Some(token) = printed {
            std::fs::write(&saved, &token).expect("save the admin token");
            Some(token)
        } else {
            Some(std::fs::read_to_string(&saved).unwrap_or_else(|e| {
                panic!("the server printed no admin token and none was saved before: {e}")
            }))
        };
        Self {
            child,
            addr,
            _dir: dir,
            log,
            token,
        }
    }

    /// The admin token requests carry (`None` with `--no-auth`).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `Authorization: Bearer <token>\r\n`, or nothing with `--no-auth`: for hand-written
    /// requests.
    pub fn auth_header_line(&self) -> String {
        self.token
            .as_deref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default()
    }

    /// A WebSocket upgrade request for `GET /api/v1/ws` carrying the admin token.
    pub fn ws_request(&self) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        let mut request = format!("ws://{}/api/v1/ws", self.addr)
            .into_client_request()
            .expect("a WebSocket request");
        if let Some(token) = &self.token {
            request.headers_mut().insert(
                "Authorization",
                format!("Bearer {token}").parse().expect("a header value"),
            );
        }
        request
    }

    /// Everything the server wrote to stderr so far, one line each.
    pub fn stderr_text(&self) -> String {
        self.log
            .lock()
            .map(|lines| lines.join("\n"))
            .unwrap_or_default()
    }

    /// Whether the server has logged a line containing `text`.
    pub fn logged(&self, text: &str) -> bool {
        self.log
            .lock()
            .map(|lines| lines.iter().any(|l| l.contains(text)))
            .unwrap_or(false)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit; returns its exit code
    /// (`None` if it had to be killed or died from a signal).
    pub fn terminate(mut self, limit: Duration) -> Option<i32> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The process's peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc/<pid>/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmHWM")
    }

    /// Kills the process with SIGKILL (no chance to clean up) and waits for it.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a request with the admin token and returns the status code and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> (u16, String) {
        let (status, _, body) =
            self.request_as(self.token.as_deref(), method, path, content_type, body);
        (status, body)
    }

    /// Sends a request with `token` (none: anonymous) and returns the status code, the
    /// lower-cased header block and the body.
    pub fn request_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> (u16, String, String) {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write head");
        stream.write_all(body).expect("write body");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read response");
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let (headers, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let headers = headers.to_ascii_lowercase();
        let body = if headers.contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, headers, body)
    }

    /// `POST`s JSON and parses the JSON answer.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let (status, text) = self.request(
            "POST",
            path,
            Some("application/json"),
            body.to_string().as_bytes(),
        );
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// `GET`s and parses the JSON answer.
    pub fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let (status, text) = self.get(path);
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// Sends `GET path` and returns the status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, None, b"")
    }
}

impl Drop for Dragnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Decodes a chunked transfer-encoded body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

/// Extracts the address from the `dragnet listening addr=…` log line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("addr="))
        .and_then(|a| a.parse().ok())
}

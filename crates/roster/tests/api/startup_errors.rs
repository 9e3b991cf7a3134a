//! `roster serve` as an operator runs it: defaults that work, and one plain line with exit code
//! 2 for every setting that cannot be used.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use crate::helpers::{roster, stderr};

fn assert_plain_failure(output: &std::process::Output, expected_start: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one plain line, got: {err}");
    assert!(lines[0].starts_with(expected_start), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn an_unparsable_database_url_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = roster(
        dir.path(),
        &["serve"],
        &[("ROSTER_DATABASE_URL", "mysql://db/roster")],
    );
    assert_plain_failure(&output, "roster: ROSTER_DATABASE_URL: cannot parse");
}

#[test]
fn a_port_in_use_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = roster(dir.path(), &["serve"], &[("ROSTER_LISTEN", &address)]);
    assert_plain_failure(
        &output,
        &format!("roster: ROSTER_LISTEN: {address} is already in use"),
    );
}

#[test]
fn an_unreachable_database_is_named_with_its_password_masked() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://roster:hunter2@127.0.0.1:{closed}/roster");
    let output = roster(
        dir.path(),
        &["serve"],
        &[
            ("ROSTER_DATABASE_URL", &url),
            ("ROSTER_DATABASE_CONNECT_TIMEOUT", "2s"),
            ("ROSTER_LISTEN", "127.0.0.1:0"),
        ],
    );
    assert_plain_failure(
        &output,
        "roster: ROSTER_DATABASE_URL: cannot reach the database at postgres://roster:***@",
    );
    assert!(!stderr(&output).contains("hunter2"));
}

#[test]
fn an_unwritable_data_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-file"), "not a directory").unwrap();
    let output = roster(
        dir.path(),
        &["serve"],
        &[
            ("ROSTER_DATA_DIR", "a-file/data"),
            ("ROSTER_LISTEN", "127.0.0.1:0"),
        ],
    );
    assert_plain_failure(
        &output,
        "roster: ROSTER_DATA_DIR: cannot create the data directory a-file/data",
    );
}

#[test]
fn malformed_toml_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.toml"),
        "vendor_name = \"Acme\"\nlisten = [\n",
    )
    .unwrap();
    let output = roster(dir.path(), &["--config", "roster.toml", "serve"], &[]);
    assert_plain_failure(&output, "roster: --config roster.toml: line ");
}

#[test]
fn an_unknown_setting_in_the_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.toml"), "lisen = \"127.0.0.1:1\"\n").unwrap();
    let output = roster(dir.path(), &["--config", "roster.toml", "serve"], &[]);
    assert_plain_failure(
        &output,
        "roster: --config roster.toml: lisen is not a Roster setting",
    );
}

/// A `roster serve` child process, with its log lines as they come.
pub struct Server {
    pub child: Child,
    lines: mpsc::Receiver<String>,
}

impl Server {
    pub fn start(dir: &std::path::Path, env: &[(&str, &str)]) -> (Self, u16) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
            .current_dir(dir)
            .arg("serve")
            .env_clear()
            .envs(env.iter().copied())
            .env("ROSTER_LISTEN", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { child, lines };
        let serving = server.wait_for("roster is serving");
        let after = &serving[serving
            .find("port")
            .unwrap_or_else(|| panic!("no port in {serving}"))..];
        let port = after
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .unwrap_or_else(|_| panic!("no port in {serving}"));
        (server, port)
    }

    pub fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("roster never logged {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap()
    }
}

fn http(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn with_no_configuration_roster_serves_from_sqlite_under_data_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port) = Server::start(dir.path(), &[]);
    let response = http(
        port,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(dir.path().join("data/roster.db").is_file());
    assert!(
        dir.path().join("data/roster.db-wal").is_file(),
        "SQLite runs in WAL mode"
    );
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_request_in_flight_when_sigterm_arrives_is_still_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port) = Server::start(dir.path(), &[]);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n12345")
        .unwrap();
    // Make sure the server has the connection before the signal.
    let check = http(
        port,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(check.starts_with("HTTP/1.1 200"));
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    server.wait_for("SIGTERM");
    stream.write_all(b"67890").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(server.child.wait().unwrap().success());
}

#[test]
fn json_logs_carry_one_line_per_request_with_its_id_route_status_and_latency() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port) = Server::start(dir.path(), &[("ROSTER_LOG_FORMAT", "json")]);
    http(
        port,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let line = server.wait_for("request answered");
    let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    let span = &event["span"];
    assert_eq!(span["method"], "GET");
    assert_eq!(span["route"], "/healthz");
    assert_eq!(span["status"], 200);
    assert_eq!(span["request_id"].as_str().map(str::len), Some(32));
    assert!(span["latency_ms"].as_f64().is_some(), "{line}");
    server.terminate();
}

#[test]
fn healthcheck_exits_0_while_the_server_answers_and_1_when_it_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, port) = Server::start(dir.path(), &[]);
    let listen = format!("127.0.0.1:{port}");
    let healthy = roster(dir.path(), &["healthcheck"], &[("ROSTER_LISTEN", &listen)]);
    assert!(healthy.status.success(), "{}", stderr(&healthy));
    server.terminate();
    let gone = roster(dir.path(), &["healthcheck"], &[("ROSTER_LISTEN", &listen)]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(stderr(&gone).contains("unhealthy"), "{}", stderr(&gone));
}

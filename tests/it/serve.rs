//! `steelsim serve`: the JSON API answered over real HTTP by a server on an ephemeral port,
//! checked against the command line: the same numbers for the same overrides, seed and count,
//! the same located messages for bad input; oversized requests refused; Ctrl-C stops it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::{repo, steelsim};

/// A server of `scenario` on a free port; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(scenario: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_steelsim"))
            .args(["serve", scenario, "--port", "0", "--max-replications", "500"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        // "Serving tiny at http://127.0.0.1:PORT/ (Ctrl-C stops)"
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).trim_end_matches('/');
        assert!(url.starts_with("http://127.0.0.1:"), "binds the loopback address by default: {line}");
        Server { url: url.to_string(), child }
    }

    /// Status and body of a request.
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let req = ureq::request(method, &format!("{}{path}", self.url));
        let got = match body {
            Some(b) => req.set("Content-Type", "application/json").send_string(b),
            None => req.call(),
        };
        match got {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tiny() -> String {
    repo().join("tests/fixtures/tiny.toml").display().to_string()
}

#[test]
fn a_run_over_http_gives_the_command_line_s_numbers_and_its_messages() {
    let server = Server::start(&tiny());
    let (status, params) = server.call("GET", "/api/parameters", None);
    assert_eq!(status, 200, "{params}");
    let params: serde_json::Value = serde_json::from_str(&params).unwrap();
    assert_eq!(params["scenario"], "tiny");
    let capacity = params["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "nodes.border.stages[0].capacity")
        .expect("the border's capacity is offered");
    assert_eq!((capacity["value"].as_f64(), capacity["integer"].as_bool()), (Some(1.0), Some(true)));
    assert!(capacity["label"].as_str().unwrap().starts_with("Border: interchange"), "{capacity}");

    // The same bytes as summary.json of `steelsim run --set` with that seed and count.
    let body = r#"{"set": {"nodes.border.stages[0].capacity": 2}, "replications": 40, "seed": 5}"#;
    let (status, summary) = server.call("POST", "/api/run", Some(body));
    assert_eq!(status, 200, "{summary}");
    let tmp = tempfile::tempdir().unwrap();
    let args = ["run", &tiny(), "--set", "nodes.border.stages[0].capacity=2", "-n", "40", "--seed", "5", "-q"];
    let cli = steelsim(&[&args[..], &["--out", "cli"]].concat(), tmp.path());
    assert!(cli.status.success());
    assert_eq!(summary, std::fs::read_to_string(tmp.path().join("cli/summary.json")).unwrap());

    // The what-if: the unchanged scenario and the variant on the same random numbers.
    let (status, whatif) = server.call("POST", "/api/whatif", Some(body));
    assert_eq!(status, 200, "{whatif}");
    let whatif: serde_json::Value = serde_json::from_str(&whatif).unwrap();
    let run: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(whatif["variant"], run);
    let args = ["run", &tiny(), "-n", "40", "--seed", "5", "-q", "--out", "base"];
    assert!(steelsim(&args, tmp.path()).status.success());
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("base/summary.json")).unwrap()).unwrap();
    assert_eq!(whatif["base"], base);
    let diff = &whatif["comparison"]["variants"][0]["metrics"][0];
    assert_eq!(diff["point"], "destination");
    let d = diff["difference"].as_f64().unwrap();
    let (b, v) = (base["p_on_time"].as_f64().unwrap(), run["p_on_time"].as_f64().unwrap());
    assert!((d - (v - b)).abs() < 1e-12, "the paired difference is the difference of the two: {d} vs {v} - {b}");
    let curve = whatif["curves"]["variant"]["destination"].as_array().unwrap();
    assert!(curve.len() > 1 && curve.len() <= 200, "{} points", curve.len());

    // A bad value: 400 with the message `--set` gives, file, line and column included.
    let (status, error) = server.call("POST", "/api/run", Some(r#"{"set": {"nodes.border.stages[0].capacity": 0}}"#));
    assert_eq!(status, 400, "{error}");
    let message = serde_json::from_str::<serde_json::Value>(&error).unwrap()["error"].as_str().unwrap().to_string();
    let cli = steelsim(&["run", &tiny(), "--set", "nodes.border.stages[0].capacity=0", "-n", "2", "-q"], tmp.path());
    assert_eq!(cli.status.code(), Some(2));
    let printed = String::from_utf8_lossy(&cli.stderr);
    assert!(message.contains("nodes.border.stages[0].capacity") && message.contains("at least 1"), "{message}");
    assert!(printed.contains(message.trim()), "the API's message\n{message}\nis the command line's\n{printed}");
    // A factor on a time: 1 changes nothing; 3 makes the order later.
    let factor = params["parameters"].as_array().unwrap().iter().find(|p| p["scale"] == true).expect("a time offered");
    let path = factor["path"].as_str().unwrap();
    let scaled = |f: f64| {
        let (status, body) = server.call(
            "POST",
            "/api/run",
            Some(&format!(r#"{{"scale": {{"{path}": {f}}}, "replications": 40, "seed": 5}}"#)),
        );
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let unchanged = serde_json::to_string(&scaled(1.0)["completion_days"]).unwrap();
    assert_eq!(unchanged, serde_json::to_string(&base["completion_days"]).unwrap(), "a factor of 1 changes nothing");
    let slower = scaled(3.0)["completion_days"]["mean"].as_f64().unwrap();
    assert!(slower > base["completion_days"]["mean"].as_f64().unwrap(), "{path} three times as long: later");
    for (body, says) in [
        (r#"{"scale": {"nodes.border.stages[0].capacity": 0}}"#, "not a factor greater than zero"),
        (r#"{"scale": {"legs.nowhere.transit": 2}}"#, "no such field"),
        (r#"{"set": {"nodes.nowhere.capacity": 3}}"#, "nowhere"),
        (r#"{"replications": 501}"#, "not between 1 and 500"),
        (r#"{"replications": 0}"#, "not between 1 and 500"),
        (r#"{"seeds": 3}"#, "unknown field"),
        (r#"{"set": {"nodes.border.stages[0].capacity": [1]}}"#, "not a number or text"),
        ("not json", "not the JSON"),
    ] {
        let (status, error) = server.call("POST", "/api/run", Some(body));
        assert_eq!(status, 400, "{body}: {error}");
        assert!(error.contains(says), "{body}: {error}");
    }
}

#[test]
fn the_server_serves_its_own_page_refuses_oversized_requests_and_stops_on_ctrl_c() {
    let mut server = Server::start(&tiny());
    let (status, page) = server.call("GET", "/", None);
    assert_eq!(status, 200);
    assert!(page.contains("<script>") && page.contains("/api/whatif"), "the page and its script, compiled in");
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("<link"),
        "nothing fetched"
    );
    // A request not sent as JSON (a form of another site), or under another host name (a
    // renamed address leading here), is refused.
    let plain = ureq::post(&format!("{}/api/run", server.url)).set("Content-Type", "text/plain").send_string("{}");
    assert!(matches!(plain, Err(ureq::Error::Status(415, _))), "{plain:?}");
    let status_line = |host: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(server.url.trim_start_matches("http://")).unwrap();
        write!(s, "GET /api/parameters HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer.lines().next().unwrap_or_default().to_string()
    };
    assert!(status_line("evil.example").starts_with("HTTP/1.1 403"), "{}", status_line("evil.example"));
    assert!(status_line("localhost:8787").starts_with("HTTP/1.1 200"), "{}", status_line("localhost:8787"));
    let big = format!(r#"{{"set": {{"order.description": "{}"}}}}"#, "x".repeat(100_000));
    let (status, _) = server.call("POST", "/api/run", Some(&big));
    assert_eq!(status, 413, "a request larger than 64 kB is refused");
    // Ctrl-C: the server stops within a few seconds, cleanly.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let began = std::time::Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(began.elapsed().as_secs() < 10, "still serving 10 s after Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

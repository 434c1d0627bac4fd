//! `steelsim serve`'s page in a real browser: headless Chromium driven over WebDriver
//! (chromedriver, Debian's `chromium-driver`, spoken to in plain HTTP) loads the page, changes
//! a capacity, waits for the run, and reads P(on time) from the page, which must be the
//! command line's for the same override, seed and count.
//!
//! `.ci/run` installs Chromium and chromedriver when missing and sets
//! `STEELSIM_REQUIRE_BROWSER=1`, so that CI cannot skip this test; elsewhere it is skipped,
//! saying so, when chromedriver is not installed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{repo, steelsim};

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A WebDriver session.
struct Browser {
    base: String,
    session: String,
    _driver: Killed,
}

impl Browser {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = ureq::request(method, &url);
        let got = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match got {
            Ok(r) => r.into_json::<Value>().unwrap()["value"].clone(),
            Err(ureq::Error::Status(code, r)) => panic!("{method} {path}: {code} {}", r.into_string().unwrap()),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    fn start(driver: &str, profile: &std::path::Path) -> Browser {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Killed(child);
        let base = format!("http://127.0.0.1:{port}");
        let began = Instant::now();
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(began.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1000",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let binary =
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|b| std::path::Path::new(b).exists());
        let mut options = json!({ "args": args });
        if let Some(b) = binary {
            options["binary"] = json!(b);
        }
        let caps =
            json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": options } } });
        let value = ureq::post(&format!("{base}/session")).send_json(caps).unwrap().into_json::<Value>().unwrap();
        let session = value["value"]["sessionId"].as_str().expect("a WebDriver session").to_string();
        Browser { base: format!("{base}/session/{session}"), session, _driver: driver }
    }

    fn element(&self, xpath: &str) -> String {
        let v = self.call("POST", "/element", Some(json!({ "using": "xpath", "value": xpath })));
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).unwrap().to_string()
    }

    fn text(&self, xpath: &str) -> String {
        let id = self.element(xpath);
        self.call("GET", &format!("/element/{id}/text"), None).as_str().unwrap_or_default().to_string()
    }

    /// Waits until `xpath` exists and its text satisfies `ok`; returns the text.
    fn wait_for(&self, xpath: &str, ok: impl Fn(&str) -> bool) -> String {
        let began = Instant::now();
        loop {
            let found = self.call("POST", "/elements", Some(json!({ "using": "xpath", "value": xpath })));
            if found.as_array().is_some_and(|a| !a.is_empty()) {
                let t = self.text(xpath);
                if ok(&t) {
                    return t;
                }
            }
            assert!(began.elapsed() < Duration::from_secs(120), "waited 2 minutes for {xpath}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.base).call();
        let _ = &self.session;
    }
}

#[test]
fn the_page_in_a_browser_shows_the_command_line_s_p_on_time_for_a_changed_capacity() {
    let Some(driver) = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|d| std::path::Path::new(d).exists())
    else {
        assert!(
            std::env::var_os("STEELSIM_REQUIRE_BROWSER").is_none(),
            "STEELSIM_REQUIRE_BROWSER is set but chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: no chromedriver (apt-get install chromium chromium-driver); CI runs this test");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let tiny = repo().join("tests/fixtures/tiny.toml").display().to_string();
    let server = Command::new(env!("CARGO_BIN_EXE_steelsim"))
        .args(["serve", &tiny, "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Killed(server);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_string();

    let browser = Browser::start(driver, &tmp.path().join("profile"));
    // The count and seed in the address, as a shared link would carry them.
    browser.call("POST", "/url", Some(json!({ "url": format!("{url}#n=60&seed=5") })));
    let done = |t: &str| t.contains("on the server");
    browser.wait_for("//p[@id='status']", done);
    let cell = "//tr[@id='p-destination']/td[3]";
    let before = browser.wait_for(cell, |t| !t.is_empty());

    // Change the border's capacity as a planner would: clear the box and type.
    let input = browser.element("//input[@id='p:nodes.border.stages[0].capacity']");
    browser.call("POST", &format!("/element/{input}/clear"), Some(json!({})));
    browser.call("POST", &format!("/element/{input}/value"), Some(json!({ "text": "2" })));
    let shown = browser.wait_for(cell, |t| t != before && !t.is_empty());
    browser.wait_for("//p[@id='status']", done);
    let url_now = browser.call("GET", "/url", None);
    let id = browser.element(cell);
    let exact = browser.call("GET", &format!("/element/{id}/attribute/data-value"), None);

    let o = steelsim(
        &["run", &tiny, "--set", "nodes.border.stages[0].capacity=2", "-n", "60", "--seed", "5", "-q", "--out", "cli"],
        tmp.path(),
    );
    assert!(o.status.success());
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("cli/summary.json")).unwrap()).unwrap();
    let p = summary["p_on_time"].as_f64().unwrap();
    assert_eq!(exact.as_str().and_then(|s| s.parse::<f64>().ok()), Some(p), "page {shown}, CLI {p}");
    assert!(shown.starts_with(&format!("{:.1} %", 100.0 * p)), "the page shows {shown}; the CLI's is {p}");
    assert!(url_now.as_str().unwrap().contains("set.nodes.border.stages%5B0%5D.capacity=2"), "{url_now}");
    drop(browser);
    let _ = server.0.kill();
}

//! The answer page in a real browser: Debian's Chromium, headless, driven over WebDriver
//! (chromedriver) with fantoccini. What the HTTP tests cannot see is checked here: the
//! page's script records the face chosen in the email by itself, the customer changes it
//! and adds a comment, and without JavaScript one press of Send does the same.
//!
//! Needs `chromium` and `chromedriver` (`apt-get install -y chromium chromium-driver`;
//! `CHROMIUM` and `CHROMEDRIVER` point elsewhere). `RAPPORT_SKIP_BROWSER_TESTS=1` skips.
//! Screenshots of the page, on a desktop and a phone, go to `target/screenshots/`.

#[path = "../support/mod.rs"]
mod support;

use fantoccini::error::CmdError;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use rapport_domain::Scope;
use rapport_mail::parse_message;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{event, TestApp};

const SAVED: &str = "Thank you! Your rating has been recorded.";
const UPDATED: &str = "Thank you! Your answer has been updated.";
/// Viewports (CSS pixels) of a desktop browser and of a phone (iPhone 12 to 15).
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// Writes each browser test twice, `name::sqlite` and `name::postgres`, like
/// `on_both_databases!`; the browser starts first, so a missing one fails (or skips) at once.
macro_rules! in_a_browser_on_both_databases {
    ($($name:ident: $scenario:ident with $javascript:expr;)*) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(browser) = Browser::start($javascript).await {
                        $scenario(TestApp::sqlite().await, browser, "sqlite").await
                    }
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(browser) = Browser::start($javascript).await {
                        $scenario(TestApp::postgres().await, browser, "postgres").await
                    }
                }
            }
        )*
    };
}

in_a_browser_on_both_databases! {
    a_person_who_clicks_a_smiley_sees_the_rating_recorded_adds_a_comment_and_changes_the_rating:
        clicks_a_smiley_then_changes_the_answer with JavaScript::On;
    without_javascript_one_press_of_send_records_the_answer:
        presses_send_without_javascript with JavaScript::Off;
}

async fn clicks_a_smiley_then_changes_the_answer(app: TestApp, browser: Browser, db: &str) {
    let (ticket, link) = survey_link(&app, "INC200", "ana@example.com", 4).await;
    // The test clock stands still: a person reads the email a few minutes after it came
    // (an answer seconds after sending is flagged as automated).
    app.clock.advance(5 * 60_000);

    browser.size(DESKTOP).await;
    browser.client.goto(&link).await.expect("opening the smiley link");
    assert!(browser.radio_checked("score", 4).await, "the face clicked in the email is chosen");
    browser.screenshots(&format!("{db}-js-1-opened")).await;

    // Nothing more to do: after 3 s in view, the page records the face by itself.
    browser.wait_for_text("#status", SAVED, Duration::from_secs(15)).await;
    let response = response_of(&app, ticket).await;
    assert_eq!(response["csat"], 4, "{response}");
    assert_eq!(response["automated"], false, "{response}");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 1);
    browser.screenshots(&format!("{db}-js-2-recorded")).await;

    // A minute later the customer thinks better of it: another face and a comment.
    app.clock.advance(60_000);
    let comment = "The printer jammed again the next morning.";
    let face = "//label[contains(@class, 'face')][input[@name='score' and @value='2']]";
    browser.client.find(Locator::XPath(face)).await.expect("the face for 2").click().await.expect("choosing it");
    assert!(browser.radio_checked("score", 2).await, "clicking the face chooses it");
    browser.client.find(Locator::Css("#comment")).await.expect("the comment box").send_keys(comment).await.unwrap();
    browser.client.find(Locator::Css("#answer button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text(".card > p.notice", UPDATED, Duration::from_secs(15)).await;
    assert!(browser.radio_checked("score", 2).await, "the page shows the new answer");
    let button = browser.client.find(Locator::Css("#answer button[type=submit]")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Update my answer");
    browser.screenshots(&format!("{db}-js-3-updated")).await;

    let response = response_of(&app, ticket).await;
    assert_eq!((response["csat"].as_i64(), response["comment"].as_str()), (Some(2), Some(comment)), "{response}");
    assert_eq!(response["automated"], false, "{response}");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 1);
    browser.close().await;
}

async fn presses_send_without_javascript(app: TestApp, browser: Browser, db: &str) {
    let (ticket, link) = survey_link(&app, "INC201", "ben@example.com", 4).await;
    app.clock.advance(5 * 60_000);

    browser.size(DESKTOP).await;
    browser.client.goto(&link).await.expect("opening the smiley link");
    assert!(browser.radio_checked("score", 4).await, "the face clicked in the email is chosen");
    // Longer than the script would wait: with JavaScript off, opening records nothing.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(response_of(&app, ticket).await, Value::Null, "nothing recorded before Send");
    assert_eq!(app.count("SELECT COUNT(*) FROM responses").await, 0);
    browser.screenshots(&format!("{db}-nojs-1-opened")).await;

    browser.client.find(Locator::Css("#answer button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text(".card > p.notice", SAVED, Duration::from_secs(15)).await;
    let response = response_of(&app, ticket).await;
    assert_eq!(response["csat"], 4, "{response}");
    assert_eq!(response["automated"], false, "{response}");
    browser.screenshots(&format!("{db}-nojs-2-sent")).await;
    browser.close().await;
}

/// Closes ticket `external_id` for `email` (in English), lets the survey go out and
/// answers the ticket's id and the email's link for face `score`.
async fn survey_link(app: &TestApp, external_id: &str, email: &str, score: u8) -> (i64, String) {
    let token = app.token(Scope::Ingest).await;
    let mut body = event(&format!("close-{external_id}"), external_id, "closed", "2026-11-20T14:03:00Z");
    body["ticket"]["requester"]["email"] = email.into();
    body["ticket"]["requester"]["language"] = "en".into();
    let answer: Value = app.post_event(&token, &body).await.json().await.unwrap();
    let ticket = answer["ticket_id"].as_i64().unwrap_or_else(|| panic!("a ticket id in {answer}"));
    assert_eq!(app.after_minutes(61).await.delivered, 1, "the survey email goes out after the delay");
    let mail = app.smtp.wait_for(1, Duration::from_secs(10)).await;
    let text = parse_message(&mail[0].data).unwrap().text.expect("a text part");
    let link = text
        .split_whitespace()
        .find(|word| word.ends_with(&format!("?score={score}")))
        .unwrap_or_else(|| panic!("a link for face {score} in:\n{text}"))
        .to_string();
    (ticket, link)
}

/// The ticket's first invitation's response, as the API shows it (`null` if none).
async fn response_of(app: &TestApp, ticket: i64) -> Value {
    let read = app.token(Scope::Read).await;
    let (status, body) = app.get_json(&read, &format!("/api/v1/tickets/{ticket}")).await;
    assert_eq!(status, 200, "{body}");
    body["survey"]["invitations"][0]["response"].clone()
}

const NO_CRYPTO_PROVIDER: &str = "fantoccini's rustls found no crypto provider chosen: ring and aws-lc-rs are \
    both built in. Add `rustls = { version = \"0.23\", default-features = false, features = [\"ring\"] }` to \
    [dev-dependencies] of rapport-server and call `rustls::crypto::ring::default_provider().install_default()` \
    first (Browser::start)";

#[derive(Clone, Copy)]
enum JavaScript {
    On,
    Off,
}

/// One Chromium, with a profile of its own, behind a chromedriver of its own.
struct Browser {
    client: Client,
    _driver: Chromedriver,
}

impl Browser {
    /// `None` (after a notice) when the browser tests are to be skipped.
    async fn start(javascript: JavaScript) -> Option<Browser> {
        let (chromedriver, chromium) = browser_binaries()?;
        // fantoccini speaks to chromedriver through rustls, which finds two crypto providers
        // built in (ring, for lettre; aws-lc-rs, hyper-rustls's default) and will not guess.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = std::panic::catch_unwind(ClientBuilder::rustls)
            .unwrap_or_else(|_| panic!("{NO_CRYPTO_PROVIDER}"))
            .unwrap_or_else(|e| {
                panic!("fantoccini's TLS setup needs the system's CA certificates ({e}): apt-get install -y ca-certificates")
            });
        let driver = Chromedriver::start(&chromedriver).await;
        let profile = driver.dir.path().join("profile");
        let mut options = json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-sync", format!("--user-data-dir={}", profile.display()),
            ],
        });
        if let JavaScript::Off = javascript {
            options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let client = match builder.capabilities(capabilities).connect(&driver.url).await {
            Ok(client) => client,
            Err(e) => panic!(
                "chromedriver could not start Chromium ({}): {e}\n--- chromedriver output:\n{}",
                chromium.display(),
                driver.output()
            ),
        };
        let timeouts = TimeoutConfiguration::new(
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(60)),
            Some(Duration::ZERO),
        );
        client.update_timeouts(timeouts).await.expect("setting WebDriver timeouts");
        Some(Browser { client, _driver: driver })
    }

    /// Sizes the window so that the page gets `width` × `height` CSS pixels (headless
    /// Chromium still counts a window frame of its own into the window's size).
    async fn size(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.expect("resizing the window");
        let inner = self.client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await;
        let inner = inner.ok().and_then(|v| Some((v[0].as_u64()? as u32, v[1].as_u64()? as u32)));
        if let Some((inner_width, inner_height)) = inner.filter(|&inner| inner != (width, height)) {
            let (frame_width, frame_height) = (width.saturating_sub(inner_width), height.saturating_sub(inner_height));
            self.client.set_window_size(width + frame_width, height + frame_height).await.expect("resizing the window");
        }
    }

    async fn radio_checked(&self, name: &str, value: u8) -> bool {
        let css = format!("input[type=radio][name={name}][value='{value}']");
        let radio = self.client.find(Locator::Css(&css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        radio.is_selected().await.unwrap()
    }

    /// Polls until the element matching `css` shows exactly `expected` (it may appear
    /// only after a navigation).
    async fn wait_for_text(&self, css: &str, expected: &str, timeout: Duration) {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            match self.text(css).await {
                Ok(Some(text)) if text.trim() == expected => return,
                Ok(Some(text)) => last = text,
                Ok(None) => {}
                Err(e) => last = format!("(error: {e})"),
            }
            if start.elapsed() > timeout {
                let page = self.client.source().await.unwrap_or_default();
                panic!("{css} did not show {expected:?} within {timeout:?}; last seen {last:?}\n--- page:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The shown text of the first element matching `css`, if there is one.
    async fn text(&self, css: &str) -> Result<Option<String>, CmdError> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => match element.text().await {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.is_stale_element_reference() => Ok(None),
                Err(e) => Err(e),
            },
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// What a desktop and a phone show of the page (the first screen and the whole page),
    /// as PNGs in `target/screenshots/`; the window is left at desktop size.
    async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("creating target/screenshots");
        for (device, size) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.size(size).await;
            self.save_png(&dir.join(format!("answer-{name}-{device}.png"))).await;
            // The whole page: a viewport as tall as the document.
            let height = self.client.execute("return document.documentElement.scrollHeight", vec![]).await;
            if let Some(height) = height.ok().and_then(|h| h.as_u64()).filter(|&h| h > u64::from(size.1)) {
                self.size((size.0, height as u32)).await;
                self.save_png(&dir.join(format!("answer-{name}-{device}-full.png"))).await;
            }
        }
        self.size(DESKTOP).await;
    }

    async fn save_png(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        // Written aside and renamed, so a reader never sees half a file.
        let partial = path.with_extension("png.partial");
        std::fs::write(&partial, png).expect("writing a screenshot");
        std::fs::rename(&partial, path).expect("writing a screenshot");
        eprintln!("screenshot: {}", path.display());
    }

    /// Ends the WebDriver session (Chromium quits); chromedriver is killed on drop.
    async fn close(self) {
        let Browser { client, _driver } = self;
        if let Err(e) = client.close().await {
            eprintln!("closing the WebDriver session: {e}");
        }
    }
}

/// `target/screenshots` (or `$CARGO_TARGET_DIR/screenshots`).
fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir), // an absolute path replaces the workspace
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

/// chromedriver and Chromium: `$CHROMEDRIVER` and `$CHROMIUM`, else Debian's paths.
/// `None` (after a notice) with `RAPPORT_SKIP_BROWSER_TESTS=1`.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    if std::env::var("RAPPORT_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!("NOTICE: browser test skipped (RAPPORT_SKIP_BROWSER_TESTS=1)");
        return None;
    }
    let find = |var: &str, default: &str| {
        let wanted = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| default.into());
        if wanted.components().count() == 1 {
            // A bare name: look it up on PATH.
            let path = std::env::var_os("PATH").unwrap_or_default();
            return std::env::split_paths(&path).map(|dir| dir.join(&wanted)).find(|p| p.is_file()).ok_or(wanted);
        }
        if wanted.is_file() {
            Ok(wanted)
        } else {
            Err(wanted)
        }
    };
    match (find("CHROMEDRIVER", "/usr/bin/chromedriver"), find("CHROMIUM", "/usr/bin/chromium")) {
        (Ok(driver), Ok(chromium)) => Some((driver, chromium)),
        (driver, chromium) => {
            let missing: Vec<String> =
                [driver, chromium].into_iter().filter_map(Result::err).map(|p| p.display().to_string()).collect();
            let missing = missing.join(" and ");
            panic!(
                "the browser tests need Chromium and chromedriver, and {missing} was not found: \
                 apt-get install -y chromium chromium-driver (CI installs them), or set CHROMIUM and \
                 CHROMEDRIVER to their paths; RAPPORT_SKIP_BROWSER_TESTS=1 skips these tests"
            )
        }
    }
}

/// A chromedriver on a free loopback port, killed (with the Chromium it started) on drop.
struct Chromedriver {
    child: Child,
    url: String,
    /// Its output and the browser profile; removed after the processes are gone.
    dir: tempfile::TempDir,
}

impl Chromedriver {
    async fn start(binary: &Path) -> Chromedriver {
        let mut last_error = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let log = std::fs::File::create(dir.path().join("chromedriver.log")).unwrap();
            let mut command = Command::new(binary);
            command.arg(format!("--port={port}")).stdin(Stdio::null()).stdout(log.try_clone().unwrap()).stderr(log);
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let child = command.spawn().unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
            let mut driver = Chromedriver { child, url: format!("http://127.0.0.1:{port}"), dir };
            match driver.wait_until_ready(Duration::from_secs(30)).await {
                Ok(()) => return driver,
                Err(e) => {
                    last_error = format!("{e}\n--- chromedriver output:\n{}", driver.output());
                }
            }
        }
        panic!("chromedriver ({}) did not start: {last_error}", binary.display())
    }

    async fn wait_until_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let start = Instant::now();
        let client = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited with {status}"));
            }
            if let Ok(response) = client.get(format!("{}/status", self.url)).send().await {
                if let Ok(body) = response.json::<Value>().await {
                    if body["value"]["ready"] == true {
                        return Ok(());
                    }
                }
            }
            if start.elapsed() > timeout {
                return Err(format!("not ready after {timeout:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("chromedriver.log")).unwrap_or_default()
    }

    /// Kills chromedriver and everything it started (its process group).
    fn kill(&mut self) {
        #[cfg(unix)]
        {
            // The group holds chromedriver and the Chromium processes it launched.
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        self.kill();
    }
}

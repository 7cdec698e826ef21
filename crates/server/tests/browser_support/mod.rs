//! A real browser for tests: Debian's Chromium, headless, with a profile of its own,
//! behind a chromedriver of its own, driven over WebDriver with fantoccini. The same
//! startup as `tests/browser/main.rs`, plus what staff pages need: fill and click,
//! wait for a page, read what it shows, and screenshots on a desktop and a phone.
//!
//! Needs `chromium` and `chromedriver` (`apt-get install -y chromium chromium-driver`;
//! `CHROMIUM` and `CHROMEDRIVER` point elsewhere). `RAPPORT_SKIP_BROWSER_TESTS=1` skips.

#![allow(dead_code)]

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Viewports (CSS pixels) of a desktop browser and of a phone (iPhone 12 to 15).
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);
/// How long a page may take to appear after a click or a navigation.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(15);

const NO_CRYPTO_PROVIDER: &str = "fantoccini's rustls found no crypto provider chosen: ring and aws-lc-rs are \
    both built in. Add `rustls = { version = \"0.23\", default-features = false, features = [\"ring\"] }` to \
    [dev-dependencies] of rapport-server and call `rustls::crypto::ring::default_provider().install_default()` \
    first (Browser::start)";

#[derive(Clone, Copy)]
pub enum JavaScript {
    On,
    Off,
}

/// One Chromium, with a profile of its own, behind a chromedriver of its own.
pub struct Browser {
    pub client: Client,
    _driver: Chromedriver,
}

impl Browser {
    /// `None` (after a notice) when the browser tests are to be skipped.
    pub async fn start(javascript: JavaScript) -> Option<Browser> {
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
        // An alert a page raises stays open (instead of being dismissed by the next
        // command), so `alert_text` sees it.
        capabilities.insert("unhandledPromptBehavior".into(), "ignore".into());
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
    pub async fn size(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.expect("resizing the window");
        let inner = self.client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await;
        let inner = inner.ok().and_then(|v| Some((v[0].as_u64()? as u32, v[1].as_u64()? as u32)));
        if let Some((inner_width, inner_height)) = inner.filter(|&inner| inner != (width, height)) {
            let (frame_width, frame_height) = (width.saturating_sub(inner_width), height.saturating_sub(inner_height));
            self.client.set_window_size(width + frame_width, height + frame_height).await.expect("resizing the window");
        }
    }

    /// Opens `url` and waits until the page has loaded.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("opening {url}: {e}"));
        self.wait_until_loaded().await;
    }

    /// The path of the page shown (no query).
    pub async fn path(&self) -> String {
        self.client.current_url().await.expect("the current address").path().to_string()
    }

    /// Polls until the page shown is at `path` and has loaded (after a click that
    /// submits a form, say).
    pub async fn wait_for_path(&self, path: &str) {
        let start = Instant::now();
        loop {
            let now = self.path().await;
            if now == path {
                self.wait_until_loaded().await;
                return;
            }
            if start.elapsed() > PAGE_TIMEOUT {
                panic!(
                    "the browser did not reach {path} within {PAGE_TIMEOUT:?}; it is at {now}\n{}",
                    self.main_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_until_loaded(&self) {
        let start = Instant::now();
        loop {
            // Mid-navigation the script may fail: then the page is not ready either.
            match self.client.execute("return document.readyState", vec![]).await {
                Ok(state) if state == "complete" => return,
                // A page that raised an alert is as loaded as it gets; the caller sees
                // the alert (`alert_text`) and every other command fails while it is open.
                Err(_) if self.alert_text().await.is_some() => return,
                _ => {}
            }
            if start.elapsed() > PAGE_TIMEOUT {
                panic!("the page did not finish loading within {PAGE_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn wait_for(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) if e.is_no_such_element() && start.elapsed() < PAGE_TIMEOUT => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    let page = self.client.source().await.unwrap_or_default();
                    panic!("{css}: {e}\n--- page at {}:\n{page}", self.path().await)
                }
            }
        }
    }

    /// The element matching `css` (which must be there now).
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                let page = self.client.source().await.unwrap_or_default();
                panic!("{css}: {e}\n--- page at {}:\n{page}", self.path().await)
            }
        }
    }

    /// Types `value` into the field matching `css`, replacing what it held.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("clearing {css}: {e}"));
        field.send_keys(value).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Runs `script` in the page and answers what it returns.
    pub async fn execute(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("running {script:?}: {e}"))
    }

    /// The text `<main>` shows, as a person reads it (`innerText`: rendered, unescaped).
    pub async fn main_text(&self) -> String {
        let text = self.client.execute("return (document.querySelector('main') || document.body).innerText", vec![]);
        text.await.ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// The elements that reach past the right edge of the viewport (so the page scrolls
    /// sideways), outermost first, each as `tag.class#id (right edge px): text…`. Empty
    /// when the page fits.
    pub async fn sideways_overflow(&self) -> Vec<String> {
        let script = r#"
            const width = document.documentElement.clientWidth;
            const wide = [];
            for (const e of document.querySelectorAll('body *')) {
                const box = e.getBoundingClientRect();
                if (box.width === 0 || box.right <= width + 1) continue;
                // Only the outermost: skip an element whose parent is already listed.
                if (wide.some(w => w.contains(e))) continue;
                wide.push(e);
            }
            return wide.slice(0, 8).map(e => {
                const name = e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().replace(/\s+/g, '.') : '')
                    + (e.id ? '#' + e.id : '');
                const text = (e.innerText || e.value || '').replace(/\s+/g, ' ').slice(0, 60);
                return `${name} (right edge ${Math.round(e.getBoundingClientRect().right)}px of ${width}): ${text}`;
            });
        "#;
        let found = self.execute(script).await;
        found.as_array().map(|v| v.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
    }

    /// The text of an alert, confirm or prompt open in the page, if one is.
    pub async fn alert_text(&self) -> Option<String> {
        match self.client.get_alert_text().await {
            Ok(text) => Some(text),
            Err(e) if e.is_no_such_alert() => None,
            Err(e) => panic!("asking for an open alert: {e}"),
        }
    }

    /// Polls until the element matching `css` shows exactly `expected` (it may appear
    /// only after a navigation).
    pub async fn wait_for_text(&self, css: &str, expected: &str, timeout: Duration) {
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
    pub async fn text(&self, css: &str) -> Result<Option<String>, CmdError> {
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

    /// Whether the radio button `name` = `value` is selected.
    pub async fn radio_checked(&self, name: &str, value: u8) -> bool {
        let css = format!("input[type=radio][name={name}][value='{value}']");
        let radio = self.client.find(Locator::Css(&css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        radio.is_selected().await.unwrap()
    }

    /// What a desktop and a phone show of the page (the first screen, and the whole page
    /// when it is longer), as `<name>-desktop.png`, `<name>-phone.png` (and `…-full.png`)
    /// in `target/screenshots/`; the window is left at desktop size.
    pub async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("creating target/screenshots");
        for (device, size) in [("desktop", DESKTOP), ("phone", PHONE)] {
            self.size(size).await;
            for element in self.sideways_overflow().await {
                eprintln!("NOTICE: {name} on a {device} scrolls sideways: {element}");
            }
            self.save_png(&dir.join(format!("{name}-{device}.png"))).await;
            // The whole page: a viewport as tall as the document.
            let height = self.client.execute("return document.documentElement.scrollHeight", vec![]).await;
            let full = dir.join(format!("{name}-{device}-full.png"));
            if let Some(height) = height.ok().and_then(|h| h.as_u64()).filter(|&h| h > u64::from(size.1)) {
                self.size((size.0, height as u32)).await;
                self.save_png(&full).await;
            } else {
                // A shorter page now: no stale whole-page picture from an earlier run.
                let _ = std::fs::remove_file(&full);
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
    pub async fn close(self) {
        let Browser { client, _driver } = self;
        if let Err(e) = client.close().await {
            eprintln!("closing the WebDriver session: {e}");
        }
    }
}

/// `target/screenshots` (or `$CARGO_TARGET_DIR/screenshots`).
pub fn screenshot_dir() -> PathBuf {
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

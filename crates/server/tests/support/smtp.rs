//! A real SMTP server for mail tests: `smtp_sink.py` (aiosmtpd) on a free loopback port,
//! writing each message it receives as `.eml` plus its decoded parts as `.json`. Without
//! python3 + aiosmtpd the mail tests are skipped with a message — except under CI (`CI` set),
//! where a missing sink is a failure (`.ci/run` installs aiosmtpd).

use serde_json::Value;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use touchpoint_jobs::mail::{MailSettings, Mailer, TlsMode};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");

/// A received message, decoded by the sink.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub header_names: Vec<String>,
    pub text: String,
    pub html: String,
}

pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

fn available() -> bool {
    Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl SmtpSink {
    /// Starts the sink, or `None` (with a printed reason) when it cannot run here outside CI.
    pub fn start() -> Option<SmtpSink> {
        if !available() {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "python3 with aiosmtpd is missing under CI: the mail tests must run (.ci/run installs it)"
                );
            }
            eprintln!(
                "SKIPPED (SMTP): python3 -m pip install aiosmtpd to run the mail tests against a real SMTP server"
            );
            return None;
        }
        let dir = touchpoint_store::testing::temp_dir("smtp");
        let mut sink = SmtpSink {
            port: free_port(),
            dir,
            child: None,
        };
        sink.up();
        Some(sink)
    }

    /// (Re)starts the server on the same port and waits until it accepts connections.
    pub fn up(&mut self) {
        let child = Command::new("python3")
            .arg(SCRIPT)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start smtp_sink.py");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("smtp_sink.py exited early: {status}");
            }
            assert!(Instant::now() < deadline, "the SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (the port then refuses connections).
    pub fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Settings that send to this sink without TLS.
    pub fn settings(&self) -> MailSettings {
        MailSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: TlsMode::None,
            from: "Touchpoint <touchpoint@example.com>".into(),
            timeout_seconds: 5,
            ..MailSettings::default()
        }
    }

    pub fn mailer(&self) -> Mailer {
        Mailer::from_settings(&self.settings())
            .expect("valid settings")
            .expect("a host")
    }

    /// Every message received so far, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let value: Value =
                    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
                let text = |k: &str| value[k].as_str().unwrap_or_default().to_owned();
                Received {
                    to: text("to"),
                    from: text("from"),
                    subject: text("subject"),
                    header_names: value["header_names"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    text: text("text"),
                    html: text("html"),
                }
            })
            .collect()
    }

    /// Waits (up to 10 s) until at least `n` messages arrived; returns them all.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() > deadline {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The first link in `text` that starts with `prefix`, up to the end of its token.
pub fn link(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect()
}

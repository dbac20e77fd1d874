//! The server under test: `touchpoint init` and `touchpoint serve` as child processes, their
//! readiness, memory and CPU time read from `/proc`, and a clean stop with SIGTERM.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the benchmarks call the `touchpoint` binary.
#[derive(Debug, Clone)]
pub struct Binary {
    path: PathBuf,
    database_url: Option<String>,
    /// Extra environment for the server (`TOUCHPOINT_DATABASE_MAX_CONNECTIONS=2`, …).
    env: Vec<(String, String)>,
}

/// What `touchpoint init --json` prints.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct InitOutput {
    pub org_id: String,
    pub user_id: String,
    pub api_token: String,
}

impl Binary {
    pub fn new(path: &Path, database_url: Option<String>) -> anyhow::Result<Binary> {
        let path = path
            .canonicalize()
            .with_context(|| format!("cannot find the touchpoint binary at {}", path.display()))?;
        Ok(Binary {
            path,
            database_url,
            env: Vec::new(),
        })
    }

    /// Adds `KEY=VALUE` settings to the environment of every command.
    pub fn with_env(mut self, settings: &[String]) -> anyhow::Result<Binary> {
        for setting in settings {
            let (key, value) = setting
                .split_once('=')
                .with_context(|| format!("--server-env {setting}: expected KEY=VALUE"))?;
            self.env.push((key.to_owned(), value.to_owned()));
        }
        Ok(self)
    }

    /// A command that sees only the settings the benchmark gives it: no `TOUCHPOINT_*`
    /// variables from the caller's shell except those given with `--server-env` and no `./touchpoint.toml` (it runs in `data_dir`).
    fn command(&self, data_dir: &Path) -> Command {
        let mut command = Command::new(&self.path);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TOUCHPOINT_") {
                command.env_remove(key);
            }
        }
        command
            .current_dir(data_dir)
            .arg("--data-dir")
            .arg(data_dir);
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command
    }

    /// `touchpoint import customers FILE ARGS… --json`: the exit status and the JSON summary.
    pub fn import_customers(
        &self,
        data_dir: &Path,
        file: &Path,
        args: &[&str],
    ) -> anyhow::Result<(std::process::ExitStatus, serde_json::Value)> {
        let output = self
            .command(data_dir)
            .args(["import", "customers"])
            .arg(file)
            .args(args)
            .arg("--json")
            .stderr(Stdio::inherit())
            .output()
            .context("cannot start touchpoint import")?;
        let summary = serde_json::from_slice(&output.stdout).with_context(|| {
            format!(
                "touchpoint import printed no JSON summary ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stdout)
            )
        })?;
        Ok((output.status, summary))
    }

    /// `touchpoint init` with a throwaway admin; returns the API token.
    pub fn init(&self, data_dir: &Path) -> anyhow::Result<InitOutput> {
        let mut child = self
            .command(data_dir)
            .args([
                "init",
                "--email",
                "bench@example.com",
                "--password-stdin",
                "--json",
            ])
            .args(["--org-name", "Bench"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start touchpoint init")?;
        child
            .stdin
            .take()
            .context("no stdin")?
            .write_all(b"bench-password-not-secret\n")?;
        let output = child.wait_with_output()?;
        if !output.status.success() {
            bail!(
                "touchpoint init failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        serde_json::from_slice(&output.stdout).context("touchpoint init --json printed no JSON")
    }

    /// `touchpoint demo --no-serve`: loads the demo data set into `data_dir`.
    pub fn demo(&self, data_dir: &Path) -> anyhow::Result<()> {
        let output = self
            .command(data_dir)
            .args(["demo", "--no-serve"])
            .stdin(Stdio::null())
            .output()
            .context("cannot start touchpoint demo")?;
        if !output.status.success() {
            bail!(
                "touchpoint demo failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    /// Starts `touchpoint serve` on a free loopback port; its output goes to `serve-N.log`.
    pub fn serve(&self, data_dir: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let log_path = next_log_path(data_dir);
        let log = std::fs::File::create(&log_path)?;
        let spawned_at = Instant::now();
        let child = self
            .command(data_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start touchpoint serve")?;
        Ok(Server {
            child,
            spawned_at,
            base_url: format!("http://127.0.0.1:{port}"),
            log_path,
        })
    }
}

fn next_log_path(data_dir: &Path) -> PathBuf {
    (1..)
        .map(|n| data_dir.join(format!("serve-{n}.log")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| data_dir.join("serve.log"))
}

/// A free loopback port. Another process could take it before the server binds it; on a
/// benchmark machine that race is theoretical, and the server then fails loudly.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A running `touchpoint serve`. Dropping it kills the process (SIGKILL) if still running.
#[derive(Debug)]
pub struct Server {
    child: Child,
    spawned_at: Instant,
    pub base_url: String,
    pub log_path: PathBuf,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `GET /readyz` every 2 ms; returns the time from spawn to the first `200`.
    pub async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<Duration> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .pool_max_idle_per_host(0)
            .build()?;
        let url = format!("{}/readyz", self.base_url);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "touchpoint serve exited with {status} before it was ready; log:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status() == reqwest::StatusCode::OK
            {
                return Ok(self.spawned_at.elapsed());
            }
            if self.spawned_at.elapsed() > timeout {
                bail!(
                    "touchpoint serve not ready after {timeout:?}; log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    pub fn memory(&self) -> anyhow::Result<Memory> {
        Memory::of(self.pid())
    }

    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        cpu_seconds_of(&format!("/proc/{}/stat", self.pid()))
    }

    /// SIGTERM, then waits (up to 30 s) for the graceful shutdown; returns how long it took.
    pub fn stop(mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()?;
        if !status.success() {
            bail!("kill -TERM {} failed", self.pid());
        }
        while started.elapsed() < Duration::from_secs(30) {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!(
                        "touchpoint serve exited with {status}; log:\n{}",
                        self.log_tail()
                    );
                }
                return Ok(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.child.kill()?;
        bail!("touchpoint serve did not stop within 30 s of SIGTERM; killed")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Resident memory of a process, from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Memory {
    /// Resident set size now.
    pub rss_kib: u64,
    /// Peak resident set size so far.
    pub hwm_kib: u64,
}

impl Memory {
    pub fn of(pid: u32) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .with_context(|| format!("no {name} in /proc/{pid}/status"))
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
        })
    }

    pub fn rss_mib(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }

    pub fn hwm_mib(&self) -> f64 {
        self.hwm_kib as f64 / 1024.0
    }
}

/// User + system CPU seconds of this process (the load generator).
pub fn own_cpu_seconds() -> anyhow::Result<f64> {
    cpu_seconds_of("/proc/self/stat")
}

fn cpu_seconds_of(stat_path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(stat_path)?;
    // The command name (field 2) may contain spaces; fields after its ')' are fixed.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("malformed stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, i.e. 12 and 13 after the name.
    let ticks: u64 = fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .zip(fields.get(12).and_then(|s| s.parse::<u64>().ok()))
        .map(|(u, s)| u + s)
        .context("malformed stat")?;
    Ok(ticks as f64 / clock_ticks_per_second())
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A fresh directory under the system temp dir (or the one given).
pub fn make_data_dir(given: Option<&Path>, kind: &str) -> anyhow::Result<PathBuf> {
    let dir = match given {
        Some(dir) => dir.to_path_buf(),
        None => std::env::temp_dir().join(format!(
            "touchpoint-bench-{kind}-{}",
            uuid::Uuid::now_v7().simple()
        )),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// The 1-minute load average: other work on the machine skews every figure, so reports say it.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|l| l.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// The database of a benchmark: `database_url`, or SQLite in `data_dir`.
pub fn database_url(database_url: Option<&str>, data_dir: &Path) -> String {
    database_url.map(str::to_owned).unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("touchpoint.db").display()
        )
    })
}

/// `touchpoint init` in `data_dir`, then the same database opened through the store, for
/// loading data without HTTP.
pub async fn init_and_open(
    binary: &Binary,
    data_dir: &Path,
) -> anyhow::Result<(
    InitOutput,
    touchpoint_store::Store,
    touchpoint_domain::OrgId,
)> {
    let init = binary.init(data_dir)?;
    let url = database_url(binary.database_url.as_deref(), data_dir);
    let store =
        touchpoint_store::Store::open(&url, touchpoint_store::StoreOptions::default()).await?;
    let org_id = init.org_id.parse()?;
    Ok((init, store, org_id))
}

/// A loaded data directory and what it holds: the one `reuse` names (its manifest read
/// back), or a new one (`data_dir` or a temporary one) that `load` fills (manifest written,
/// so it can be measured again with `--reuse`).
pub async fn loaded_data_dir<M, F, Fut>(
    reuse: Option<&Path>,
    data_dir: Option<&Path>,
    kind: &str,
    load: F,
) -> anyhow::Result<(PathBuf, M)>
where
    M: serde::Serialize + serde::de::DeserializeOwned,
    F: FnOnce(PathBuf) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<M>>,
{
    let manifest_name = format!("bench-{kind}.json");
    if let Some(dir) = reuse {
        let text = std::fs::read_to_string(dir.join(&manifest_name))
            .with_context(|| format!("{} has no {manifest_name}", dir.display()))?;
        return Ok((dir.to_owned(), serde_json::from_str(&text)?));
    }
    let dir = make_data_dir(data_dir, kind)?;
    eprintln!("data directory: {} (kept for --reuse)", dir.display());
    let manifest = load(dir.clone()).await?;
    std::fs::write(
        dir.join(&manifest_name),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    Ok((dir, manifest))
}

/// `postgres` or `sqlite`, for the JSON lines.
pub fn backend_of(database_url: Option<&str>) -> &'static str {
    if database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

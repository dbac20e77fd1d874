//! The `touchpoint` binary as users run it: help, init, graceful shutdown, and durability of
//! acknowledged responses across a SIGKILL (SQLite and PostgreSQL).

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use touchpoint_store::testing::{TestBackend, TestDatabase, temp_dir};

const BIN: &str = env!("CARGO_BIN_EXE_touchpoint");

/// A database for the binary: `--data-dir` for SQLite, `--database-url` for PostgreSQL.
struct Target {
    args: Vec<String>,
    _db: Option<TestDatabase>,
    dir: std::path::PathBuf,
}

impl Target {
    async fn new(backend: TestBackend) -> Option<Target> {
        let dir = temp_dir("cli");
        let mut args = vec!["--data-dir".to_owned(), dir.display().to_string()];
        let db = match backend {
            TestBackend::Sqlite => None,
            TestBackend::Postgres => {
                let db = TestDatabase::fresh(backend).await?;
                args.extend(["--database-url".to_owned(), db.url.clone()]);
                Some(db)
            }
        };
        Some(Target { args, _db: db, dir })
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("TOUCHPOINT_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn touchpoint");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn init(target: &Target) -> Value {
    let mut args: Vec<&str> = vec![
        "init",
        "--email",
        "admin@example.com",
        "--password-stdin",
        "--json",
    ];
    args.extend(target.args.iter().map(String::as_str));
    let output = run(&args, "a long enough password\n");
    assert!(
        output.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("init prints JSON")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn serve(target: &Target, port: u16) -> Child {
    Command::new(BIN)
        .arg("serve")
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(&target.args)
        .env_remove("TOUCHPOINT_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve")
}

async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on port {port} did not become ready");
}

#[test]
fn help_documents_every_command_and_global_option() {
    let output = run(&["--help"], "");
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "serve",
        "init",
        "demo",
        "migrate",
        "verify-rollups",
        "text",
        "organisation",
        "--data-dir",
        "--database-url",
        "--config",
        "TOUCHPOINT_DATABASE_URL",
        "TOUCHPOINT_MAIL__HOST",
        "TOUCHPOINT_MAIL__TLS",
        "none|starttls|tls",
    ] {
        assert!(help.contains(word), "--help lacks {word}");
    }
    let output = run(&["init", "--help"], "");
    let help = String::from_utf8_lossy(&output.stdout);
    for word in [
        "--email",
        "--password-stdin",
        "--org-name",
        "--json",
        "--data-dir",
    ] {
        assert!(help.contains(word), "init --help lacks {word}");
    }
}

#[tokio::test]
async fn init_creates_once_and_refuses_the_second_time() {
    let target = Target::new(TestBackend::Sqlite).await.expect("sqlite");
    // A weak password is refused before anything is created.
    let mut args: Vec<&str> = vec!["init", "--email", "admin@example.com", "--password-stdin"];
    args.extend(target.args.iter().map(String::as_str));
    let weak = run(&args, "short\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 10"));

    let created = init(&target);
    for key in ["org_id", "user_id", "api_token"] {
        assert!(
            created[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} missing in {created}"
        );
    }
    assert!(
        created["api_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("tp_"))
    );

    // Global options are accepted before the subcommand too.
    let mut again: Vec<&str> = target.args.iter().map(String::as_str).collect();
    again.extend([
        "init",
        "--email",
        "other@example.com",
        "--password-stdin",
        "--json",
    ]);
    let refused = run(&again, "a long enough password\n");
    assert!(!refused.status.success(), "second init must fail");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already initialised"));
    assert!(refused.stdout.is_empty());

    // The first token still works and the second admin does not exist.
    let store = touchpoint_store::Store::open(
        &format!(
            "sqlite://{}?mode=rwc",
            target.dir.join("touchpoint.db").display()
        ),
        Default::default(),
    )
    .await
    .expect("open");
    assert!(
        store
            .user_by_email("other@example.com")
            .await
            .expect("query")
            .is_none()
    );
    store.close().await;
}

#[tokio::test]
async fn organisation_create_adds_a_second_tenant() {
    let target = Target::new(TestBackend::Sqlite).await.expect("sqlite");
    let first = init(&target);
    let mut args: Vec<&str> = vec![
        "organisation",
        "create",
        "--name",
        "Globex",
        "--owner-email",
        "boss@globex.example",
        "--owner-name",
        "Hank",
        "--password-stdin",
        "--json",
    ];
    args.extend(target.args.iter().map(String::as_str));
    let output = run(&args, "a long enough password\n");
    assert!(
        output.status.success(),
        "organisation create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_ne!(created["org_id"], first["org_id"]);
    assert!(
        created["api_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("tp_"))
    );
    // The same owner e-mail again: refused, nothing created.
    let again = run(&args, "a long enough password\n");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    // Without a password source: refused.
    let mut no_password: Vec<&str> = vec![
        "organisation",
        "create",
        "--name",
        "Initech",
        "--owner-email",
        "bill@initech.example",
    ];
    no_password.extend(target.args.iter().map(String::as_str));
    let refused = run(&no_password, "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("TOUCHPOINT_OWNER_PASSWORD"));

    let store = touchpoint_store::Store::open(
        &format!(
            "sqlite://{}?mode=rwc",
            target.dir.join("touchpoint.db").display()
        ),
        Default::default(),
    )
    .await
    .expect("open");
    assert_eq!(store.organisation_ids().await.expect("ids").len(), 2);
    let org_id = created["org_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("org id");
    assert_eq!(
        store.departments(org_id).await.expect("departments").len(),
        4
    );
    let owner = store
        .user_by_email("boss@globex.example")
        .await
        .expect("query")
        .expect("owner");
    assert_eq!(owner.role, touchpoint_domain::Role::Owner);
    assert_eq!(owner.display_name, "Hank");
    store.close().await;
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let target = Target::new(TestBackend::Sqlite).await.expect("sqlite");
    init(&target);
    let port = free_port();
    let mut child = serve(&target, port);
    wait_ready(port).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "serve exited with {exit}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn acknowledged_responses_survive_sigkill(backend: TestBackend) {
    let Some(target) = Target::new(backend).await else {
        return;
    };
    let token = init(&target)["api_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let port = free_port();
    let mut child = serve(&target, port);
    wait_ready(port).await;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let survey: Value = client
        .post(format!("{base}/surveys"))
        .bearer_auth(&token)
        .json(&json!({"name":"NPS","languages":["de"],"questions":[{"id":"nps","type":"nps","required":true,"text":{"de":"Empfehlen?"}}]}))
        .send()
        .await
        .expect("create survey")
        .json()
        .await
        .expect("json");
    let submit = format!(
        "{base}/surveys/{}/responses",
        survey["id"].as_str().expect("id")
    );

    // 16 clients submit until the server dies under them; every 201 is recorded.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut clients = Vec::new();
    for c in 0..16 {
        let (client, submit, token, acked) =
            (client.clone(), submit.clone(), token.clone(), acked.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let body = json!({"answers":{"nps": (c + i) % 11}});
                match client
                    .post(&submit)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        if let Ok(v) = r.json::<Value>().await
                            && let Some(id) = v["id"].as_str()
                        {
                            acked.lock().expect("lock").push(id.to_owned());
                        }
                    }
                    _ => break,
                }
            }
        }));
    }
    while acked.lock().expect("lock").len() < 400 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    for client in clients {
        let _ = client.await;
    }
    let acked = acked.lock().expect("lock").clone();

    let port = free_port();
    let mut restarted = serve(&target, port);
    wait_ready(port).await;
    let mut stored = std::collections::HashSet::new();
    let mut url = format!("http://127.0.0.1:{port}/api/v1/responses?limit=500");
    loop {
        let page: Value = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        stored.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned)),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                url = format!("http://127.0.0.1:{port}/api/v1/responses?limit=500&cursor={cursor}")
            }
            None => break,
        }
    }
    restarted.kill().expect("kill");
    let _ = restarted.wait();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(acked.len() >= 400);
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged responses were lost",
        lost.len(),
        acked.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_responses_survive_sigkill_sqlite() {
    acknowledged_responses_survive_sigkill(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_responses_survive_sigkill_postgres() {
    acknowledged_responses_survive_sigkill(TestBackend::Postgres).await;
}

/// `touchpoint demo`: the Telco customer base with its events and linked responses, as the
/// API shows them afterwards (every generated event must be accepted, or the load fails).
#[tokio::test]
async fn demo_loads_the_telco_customers_with_their_events() {
    let target = Target::new(TestBackend::Sqlite).await.expect("sqlite");
    let mut args = vec!["demo", "--no-serve", "--responses", "3000"];
    args.extend(target.args.iter().map(String::as_str));
    let output = run(&args, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed: {stderr}");
    assert!(stderr.contains("7043 customers"), "{stderr}");
    assert!(stderr.contains("3000 responses"), "{stderr}");

    let credentials: Value = serde_json::from_str(
        &std::fs::read_to_string(target.dir.join("demo-credentials.json")).expect("credentials"),
    )
    .expect("json");
    let token = credentials["api_token"].as_str().expect("token").to_owned();
    let port = free_port();
    let mut child = serve(&target, port);
    wait_ready(port).await;
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let reply = client
                .get(format!("http://127.0.0.1:{port}/api/v1{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("request");
            assert!(reply.status().is_success(), "{path}: {}", reply.status());
            reply.json::<Value>().await.expect("json")
        }
    };

    // The file's first customer, found by its customerID.
    let found = get("/customers?q=7590-VHVEG".to_owned()).await;
    let first = &found["items"][0];
    assert_eq!(first["external_id"], "7590-VHVEG");
    assert_eq!(first["attributes"]["tenure_months"].as_f64(), Some(1.0));
    assert_eq!(first["attributes"]["contract"], "month_to_month");
    assert_eq!(first["attributes"]["churned"], false);
    assert!(
        first["email"]
            .as_str()
            .is_some_and(|e| e.ends_with(".example"))
    );
    let attributes = get("/customer-attributes".to_owned()).await;
    assert_eq!(attributes["items"].as_array().map(Vec::len), Some(12));

    // A churner's timeline ends with the cancellation at the renewal touchpoint.
    let churners = get("/customers?attr.churned=true&limit=5".to_owned()).await;
    let churners = churners["items"].as_array().expect("items").clone();
    assert_eq!(churners.len(), 5);
    for churner in &churners {
        assert_eq!(churner["attributes"]["churned"], true);
        let id = churner["id"].as_str().expect("id");
        let timeline = get(format!("/customers/{id}/timeline?limit=200")).await;
        let items = timeline["items"].as_array().expect("items");
        assert_eq!(items[0]["type"], "contract.cancelled", "{id}");
        assert_eq!(items[0]["outcome"], "churned");
        let times: Vec<&str> = items.iter().filter_map(|i| i["at"].as_str()).collect();
        assert_eq!(times.len(), items.len());
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    }
    child.kill().expect("kill");
    let _ = child.wait();
}

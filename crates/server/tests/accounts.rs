//! The account lifecycle end to end, with mail delivered through the job queue to a real SMTP
//! server on loopback (`support/smtp_sink.py`): invitations (both languages, single use,
//! expiry, revocation), password reset, retries while the SMTP server is down, deactivation,
//! TOTP sign-in, and HTML payloads escaped in mails and pages.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};
use touchpoint_domain::{Language, OrgId, TokenGrant, totp};
use touchpoint_jobs::{JobReport, Worker};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::accounts::Principal;
use touchpoint_store::testing::{TestDatabase, expire_links, make_jobs_due};
use touchpoint_store::{AuditContext, AuditFilter, Cursor, Store};

mod support;

use support::smtp::{SmtpSink, link};
use support::{EMAIL, PASSWORD, get, login, send, sign_in};

const PUBLIC_URL: &str = "http://tp.test";

struct Fixture {
    _db: TestDatabase,
    store: Store,
    org_id: OrgId,
    app: Router,
    /// A full-access API token of the owner.
    token: String,
}

async fn fixture() -> Fixture {
    let (db, store, org_id) = support::organisation(Language::En, true).await;
    let settings = ServerSettings {
        public_url: PUBLIC_URL.into(),
        ..ServerSettings::default()
    };
    let app = build_app(AppState::new(store.clone(), settings));
    let owner = store
        .user_by_email(EMAIL)
        .await
        .expect("query")
        .expect("owner");
    let token = api_token(&store, owner.org_id, owner.id).await;
    Fixture {
        _db: db,
        store,
        org_id,
        app,
        token,
    }
}

async fn api_token(store: &Store, org_id: OrgId, user_id: touchpoint_domain::UserId) -> String {
    let (secret, stored) = touchpoint_server::auth::new_api_token("test");
    store
        .create_api_token(
            Principal { org_id, user_id },
            &stored,
            &TokenGrant::full(),
            None,
            &AuditContext::system(),
        )
        .await
        .expect("token");
    secret
}

fn worker(store: &Store, sink: Option<&SmtpSink>) -> Worker {
    Worker::new(store.clone(), touchpoint_server::builtin_text_engine())
        .with_mailer(sink.map(SmtpSink::mailer))
}

fn api(method: &str, uri: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(format!("/api/v1{uri}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request")
}

fn form(uri: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Request<Body> {
    let mut builder =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder
        .body(Body::from(
            serde_urlencoded::to_string(fields).expect("form"),
        ))
        .expect("request")
}

fn csrf_of(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"name="_csrf" value=""#)
        .expect("a CSRF field");
    rest.split('"').next().expect("value").to_owned()
}

fn location(headers: &HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tp_session=") && !c.starts_with("tp_session=;"))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

async fn audit_actions(store: &Store, org_id: OrgId) -> Vec<String> {
    store
        .audit_entries(org_id, &AuditFilter::default(), &Cursor::start(), 500)
        .await
        .expect("audit")
        .items
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// Accepts the invitation behind `url` with a name and password; returns the session cookie.
async fn accept(app: &Router, url: &str, name: &str, password: &str) -> String {
    let path = url.trim_start_matches(PUBLIC_URL);
    let (status, headers, body) = send(
        app,
        form(
            path,
            None,
            &[
                ("display_name", name),
                ("password", password),
                ("password2", password),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    session_cookie(&headers).expect("signed in after accepting")
}

#[tokio::test]
async fn invitations_arrive_in_both_languages_and_their_links_work_once() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let f = fixture().await;
    let worker = worker(&f.store, Some(&sink));

    // German, from the web form.
    let cookie = sign_in(&f.app).await;
    let (status, _, html) = send(&f.app, get("/app/users", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);
    let (status, headers, body) = send(
        &f.app,
        form(
            "/app/users/invite",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("email", "Ann@Example.com"),
                ("role", "analyst"),
                ("language", "de"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&headers), "/app/users");
    // English, from the API.
    let (status, _, body) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "bob@example.com", "role": "viewer", "language": "en"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(created["state"], "pending");
    assert_eq!(created["mail"]["state"], "queued");
    assert!(created.get("token").is_none() && !body.contains("token_hash"));

    assert_eq!(worker.drain().await.expect("drain"), 2);
    let mails = sink.wait_for(2);
    assert_eq!(mails.len(), 2);
    let de = mails
        .iter()
        .find(|m| m.to.contains("ann@example.com"))
        .expect("ann's mail");
    let en = mails
        .iter()
        .find(|m| m.to.contains("bob@example.com"))
        .expect("bob's mail");
    assert_eq!(de.subject, "Einladung zu Touchpoint – Test");
    assert!(de.text.contains("Einladung annehmen") && de.html.contains("Einladung annehmen"));
    assert!(de.text.contains("Rolle: analyst"));
    assert_eq!(en.subject, "Invitation to Touchpoint – Test");
    assert!(en.text.contains("Accept the invitation") && en.html.contains("Accept the invitation"));
    assert!(en.from.contains("touchpoint@example.com"));
    for mail in [de, en] {
        assert!(
            !mail.text.is_empty() && mail.html.contains("<html"),
            "both parts"
        );
        assert_eq!(
            link(&mail.text, "http://tp.test/app/invite/"),
            link(&mail.html, "http://tp.test/app/invite/"),
            "the same link in both parts"
        );
    }

    // The outbox shows the delivery, never a body.
    let (status, _, body) = send(&f.app, api("GET", "/mail", &f.token, None)).await;
    assert_eq!(status, StatusCode::OK);
    let outbox: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(outbox["items"].as_array().map(Vec::len), Some(2));
    assert!(
        outbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["state"] == "sent")
    );
    assert!(!body.contains("/app/invite/") && !body.contains("text_body"));
    let (_, _, body) = send(&f.app, api("GET", "/invitations", &f.token, None)).await;
    assert!(body.contains(r#""state":"sent""#), "{body}");

    // The link works once.
    let url = link(&de.text, "http://tp.test/app/invite/");
    let path = url.trim_start_matches(PUBLIC_URL).to_owned();
    let (status, _, html) = send(&f.app, get(&path, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ann@example.com") && html.contains("Willkommen"));
    let (status, _, html) = send(
        &f.app,
        form(
            &path,
            None,
            &[
                ("display_name", "Ann"),
                ("password", "short"),
                ("password2", "short"),
            ],
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password changes nothing"
    );
    assert!(html.contains("Mindestens 10 Zeichen"));
    let ann_cookie = accept(&f.app, &url, "Ann", "a long enough password").await;
    let (status, _, html) = send(&f.app, get("/app", Some(&ann_cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ann"));
    let ann = f
        .store
        .user_by_email("ann@example.com")
        .await
        .expect("q")
        .expect("ann");
    assert_eq!(ann.role, touchpoint_domain::Role::Analyst);
    assert_eq!(ann.language, Language::De);
    for request in [
        get(&path, None),
        form(
            &path,
            None,
            &[
                ("display_name", "Eve"),
                ("password", "another long password"),
                ("password2", "another long password"),
            ],
        ),
    ] {
        let (status, _, html) = send(&f.app, request).await;
        assert_eq!(status, StatusCode::GONE, "a used link");
        assert!(html.contains("nicht mehr gültig") || html.contains("no longer valid"));
    }
    let unknown = format!("/app/invite/{}", "ab".repeat(32));
    assert_eq!(
        send(&f.app, get(&unknown, None)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&f.app, get("/app/invite/not-a-token", None)).await.0,
        StatusCode::NOT_FOUND
    );

    // A second pending invitation for the same address, or one for a user, conflicts.
    let (status, _, _) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "bob@example.com", "role": "viewer"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, _) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "ann@example.com", "role": "viewer"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _, body) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "<script>@x", "role": "emperor", "language": "fr"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["email", "role", "language"] {
        assert!(body.contains(&format!(r#""field":"{field}""#)), "{body}");
    }

    // Revoked → 410 at once; expired → 410.
    let bob_url = link(&en.text, "http://tp.test/app/invite/");
    let bob_path = bob_url.trim_start_matches(PUBLIC_URL).to_owned();
    let bob_id = created["id"].as_str().expect("id");
    let (status, _, _) = send(
        &f.app,
        api("DELETE", &format!("/invitations/{bob_id}"), &f.token, None),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(send(&f.app, get(&bob_path, None)).await.0, StatusCode::GONE);
    let (status, _, body) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "cid@example.com", "role": "agent"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let cid_id = serde_json::from_str::<Value>(&body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    worker.drain().await.expect("drain");
    let cid = sink
        .wait_for(3)
        .into_iter()
        .find(|m| m.to.contains("cid@"))
        .expect("cid's mail");
    expire_links(&f.store).await;
    let cid_path = link(&cid.text, "http://tp.test/app/invite/")
        .trim_start_matches(PUBLIC_URL)
        .to_owned();
    assert_eq!(send(&f.app, get(&cid_path, None)).await.0, StatusCode::GONE);
    assert!(
        f.store
            .user_by_email("cid@example.com")
            .await
            .expect("q")
            .is_none()
    );
    // Resending an expired invitation from the web sends a new link; the old one stays dead.
    let (_, _, html) = send(&f.app, get("/app/users", Some(&cookie))).await;
    let csrf = csrf_of(&html);
    let (status, _, _) = send(
        &f.app,
        form(
            &format!("/app/invitations/{cid_id}/resend"),
            Some(&cookie),
            &[("_csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    worker.drain().await.expect("drain");
    let resent = sink.wait_for(4).remove(3);
    let resent_path = link(&resent.text, "http://tp.test/app/invite/")
        .trim_start_matches(PUBLIC_URL)
        .to_owned();
    assert_ne!(resent_path, cid_path);
    assert_eq!(
        send(&f.app, get(&resent_path, None)).await.0,
        StatusCode::OK
    );
    assert_ne!(send(&f.app, get(&cid_path, None)).await.0, StatusCode::OK);

    let actions = audit_actions(&f.store, f.org_id).await;
    for action in [
        "invitation.create",
        "invitation.accept",
        "invitation.revoke",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    // Sent invitation mails keep no link in the database.
    let page = f
        .store
        .outbox(f.org_id, &Cursor::start(), 10)
        .await
        .expect("outbox");
    assert!(
        page.items
            .iter()
            .all(|m| m.text_body.is_empty() && m.html_body.is_empty())
    );
}

#[tokio::test]
async fn html_payloads_arrive_escaped_in_mails_and_pages() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let f = fixture().await;
    let worker = worker(&f.store, Some(&sink));
    let payload = "<script>alert(1)</script>";
    let (status, _, _) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "admin2@example.com", "role": "admin", "language": "en"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    worker.drain().await.expect("drain");
    let mail = sink.wait_for(1).remove(0);
    let cookie = accept(
        &f.app,
        &link(&mail.text, "http://tp.test/app/invite/"),
        payload,
        "a long enough password",
    )
    .await;
    // The new admin, named like a script, invites someone.
    let (_, _, html) = send(&f.app, get("/app/users", Some(&cookie))).await;
    assert!(!html.contains(payload), "the users page escapes names");
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    let csrf = csrf_of(&html);
    let (status, _, _) = send(
        &f.app,
        form(
            "/app/users/invite",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("email", "dan@example.com"),
                ("role", "viewer"),
                ("language", "en"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    worker.drain().await.expect("drain");
    let mail = sink
        .wait_for(2)
        .into_iter()
        .find(|m| m.to.contains("dan@"))
        .expect("dan's mail");
    assert!(
        !mail.html.contains(payload),
        "HTML part escaped: {}",
        mail.html
    );
    assert!(mail.html.contains("&#60;script&#62;") || mail.html.contains("&lt;script&gt;"));
    assert!(mail.text.contains(payload), "the text part is plain text");
    // A header injection attempt in an invitee field is refused outright.
    let (status, _, _) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "x@example.com\r\nBcc: y@example.com", "role": "viewer"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An admin cannot deactivate an owner.
    let owner = f
        .store
        .user_by_email(EMAIL)
        .await
        .expect("q")
        .expect("owner");
    let (status, _, _) = send(
        &f.app,
        form(
            &format!("/app/users/{}/deactivate", owner.id),
            Some(&cookie),
            &[("_csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        f.store
            .user_by_email(EMAIL)
            .await
            .expect("q")
            .expect("owner")
            .is_active()
    );
    // On the overview the name is escaped too.
    let (_, _, html) = send(&f.app, get("/app", Some(&cookie))).await;
    assert!(!html.contains(payload));
}

#[tokio::test]
async fn a_password_reset_end_to_end_reveals_nothing_and_works_once() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let f = fixture().await;
    let worker = worker(&f.store, Some(&sink));
    let (status, _, known) = send(&f.app, form("/app/forgot", None, &[("email", EMAIL)])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, unknown) = send(
        &f.app,
        form("/app/forgot", None, &[("email", "nobody@example.com")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        known, unknown,
        "the same answer for known and unknown addresses"
    );
    assert_eq!(
        worker.drain().await.expect("drain"),
        1,
        "one mail, to the real account"
    );
    let mail = sink.wait_for(1).remove(0);
    assert!(mail.to.contains(EMAIL));
    assert_eq!(mail.subject, "Reset your password – Touchpoint");
    let url = link(&mail.text, "http://tp.test/app/reset/");
    assert_eq!(url, link(&mail.html, "http://tp.test/app/reset/"));
    let path = url.trim_start_matches(PUBLIC_URL).to_owned();
    let live = sign_in(&f.app).await;

    assert_eq!(send(&f.app, get(&path, None)).await.0, StatusCode::OK);
    let new_password = "a brand new password";
    let (status, _, _) = send(
        &f.app,
        form(
            &path,
            None,
            &[("password", new_password), ("password2", "something else!")],
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "mismatch changes nothing"
    );
    assert_eq!(
        send(&f.app, login(EMAIL, PASSWORD)).await.0,
        StatusCode::SEE_OTHER
    );
    let (status, headers, _) = send(
        &f.app,
        form(
            &path,
            None,
            &[("password", new_password), ("password2", new_password)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/app/login?reset=1");
    assert_eq!(
        send(&f.app, login(EMAIL, PASSWORD)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&f.app, login(EMAIL, new_password)).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&f.app, get("/app", Some(&live))).await.0,
        StatusCode::SEE_OTHER,
        "a reset ends the sessions that were open"
    );
    let (status, _, _) = send(
        &f.app,
        form(
            &path,
            None,
            &[
                ("password", "yet another password"),
                ("password2", "yet another password"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::GONE, "the link works once");
    assert_eq!(send(&f.app, get(&path, None)).await.0, StatusCode::GONE);
    worker.drain().await.expect("drain");
    let notice = sink.wait_for(2).remove(1);
    assert_eq!(notice.subject, "Your password was changed – Touchpoint");

    // An expired link is gone too.
    send(&f.app, form("/app/forgot", None, &[("email", EMAIL)])).await;
    worker.drain().await.expect("drain");
    let mail = sink.wait_for(3).remove(2);
    expire_links(&f.store).await;
    let path = link(&mail.text, "http://tp.test/app/reset/")
        .trim_start_matches(PUBLIC_URL)
        .to_owned();
    let (status, _, _) = send(
        &f.app,
        form(
            &path,
            None,
            &[
                ("password", "an expired attempt"),
                ("password2", "an expired attempt"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        send(&f.app, login(EMAIL, new_password)).await.0,
        StatusCode::SEE_OTHER
    );
    let actions = audit_actions(&f.store, f.org_id).await;
    assert!(actions.iter().any(|a| a == "password.reset"), "{actions:?}");
}

#[tokio::test]
async fn reset_requests_are_rate_limited_per_address() {
    let (db, store, _) = support::organisation(Language::En, false).await;
    let settings = ServerSettings {
        password_resets_per_hour_per_address: 2,
        ..ServerSettings::default()
    };
    let app = build_app(AppState::new(store.clone(), settings));
    for _ in 0..2 {
        assert_eq!(
            send(
                &app,
                form("/app/forgot", None, &[("email", "x@example.com")])
            )
            .await
            .0,
            StatusCode::OK
        );
    }
    let (status, headers, _) = send(&app, form("/app/forgot", None, &[("email", EMAIL)])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        store
            .count_jobs(touchpoint_store::jobs::JobState::Queued)
            .await
            .expect("count"),
        0
    );
    drop(db);
}

#[tokio::test]
async fn mail_waits_while_smtp_is_down_or_unconfigured_then_is_delivered() {
    let Some(mut sink) = SmtpSink::start() else {
        return;
    };
    let f = fixture().await;
    // Not configured: the mail waits, visibly, without using up attempts.
    let (status, _, _) = send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "eve@example.com", "role": "viewer"})),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let unconfigured = worker(&f.store, None);
    assert!(matches!(
        unconfigured.run_one().await.expect("run"),
        Some(JobReport::Postponed { .. })
    ));
    let (_, _, body) = send(&f.app, api("GET", "/mail", &f.token, None)).await;
    let outbox: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(outbox["items"][0]["state"], "queued");
    assert_eq!(outbox["items"][0]["attempts"], 0);
    assert!(
        outbox["items"][0]["last_error"]
            .as_str()
            .unwrap_or("")
            .starts_with("not configured")
    );
    let cookie = sign_in(&f.app).await;
    let (_, _, html) = send(&f.app, get("/app/users", Some(&cookie))).await;
    assert!(html.contains("not configured"), "the users page shows it");

    // Configured, but the server is down: retried with back-off, the error visible.
    sink.down();
    let configured = worker(&f.store, Some(&sink));
    make_jobs_due(&f.store).await;
    assert!(matches!(
        configured.run_one().await.expect("run"),
        Some(JobReport::Retrying { .. })
    ));
    assert_eq!(
        configured.run_one().await.expect("run"),
        None,
        "the retry waits"
    );
    let (_, _, body) = send(&f.app, api("GET", "/mail", &f.token, None)).await;
    let outbox: Value = serde_json::from_str(&body).expect("json");
    let item = &outbox["items"][0];
    assert_eq!(item["state"], "queued");
    assert_eq!(item["attempts"], 1);
    assert!(
        item["last_error"].as_str().unwrap_or("").contains("SMTP"),
        "{item}"
    );

    // Back up: delivered on the next attempt.
    sink.up();
    make_jobs_due(&f.store).await;
    assert!(matches!(
        configured.run_one().await.expect("run"),
        Some(JobReport::Done { .. })
    ));
    assert_eq!(sink.wait_for(1).len(), 1);
    let (_, _, body) = send(&f.app, api("GET", "/mail", &f.token, None)).await;
    let outbox: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(outbox["items"][0]["state"], "sent");
    assert_eq!(outbox["items"][0]["last_error"], Value::Null);

    // Down for good: after every attempt the mail is failed, with the error, and audited.
    sink.down();
    send(
        &f.app,
        api(
            "POST",
            "/invitations",
            &f.token,
            Some(json!({"email": "fay@example.com", "role": "viewer"})),
        ),
    )
    .await;
    let mut last = None;
    for _ in 0..touchpoint_store::mail::MAIL_MAX_ATTEMPTS {
        make_jobs_due(&f.store).await;
        last = configured.run_one().await.expect("run");
    }
    assert!(matches!(last, Some(JobReport::Failed { .. })), "{last:?}");
    let (_, _, body) = send(&f.app, api("GET", "/mail", &f.token, None)).await;
    let outbox: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(outbox["items"][0]["state"], "failed");
    assert!(
        outbox["items"][0]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("SMTP")
    );
    assert!(
        audit_actions(&f.store, f.org_id)
            .await
            .iter()
            .any(|a| a == "mail.failed")
    );
}

#[tokio::test]
async fn deactivation_ends_a_live_session_and_a_token_at_once() {
    let f = fixture().await;
    let worker = worker(&f.store, None);
    let _ = worker;
    // A second user, through an invitation accepted in the store.
    let (token, token_hash) = touchpoint_server::auth::new_link_token();
    let owner = f
        .store
        .user_by_email(EMAIL)
        .await
        .expect("q")
        .expect("owner");
    let mail = touchpoint_server::mail::invitation(
        Language::En,
        "gus@example.com",
        "Test",
        "Olga",
        "analyst",
        "http://x",
        1,
    )
    .expect("mail");
    f.store
        .create_invitation(
            f.org_id,
            &touchpoint_store::lifecycle::NewInvitation {
                email: "gus@example.com".into(),
                role: touchpoint_domain::Role::Analyst,
                language: Language::En,
                department_ids: Vec::new(),
                token_hash,
                expires_at: touchpoint_store::now_ms() + 60_000,
            },
            &mail,
            &AuditContext::system(),
        )
        .await
        .expect("invite");
    let _ = owner;
    let cookie = accept(
        &f.app,
        &format!("{PUBLIC_URL}/app/invite/{token}"),
        "Gus",
        "gus password long",
    )
    .await;
    let gus = f
        .store
        .user_by_email("gus@example.com")
        .await
        .expect("q")
        .expect("gus");
    let gus_token = api_token(&f.store, f.org_id, gus.id).await;
    assert_eq!(
        send(&f.app, api("GET", "/surveys", &gus_token, None))
            .await
            .0,
        StatusCode::OK,
        "cached now"
    );
    assert_eq!(
        send(&f.app, get("/app", Some(&cookie))).await.0,
        StatusCode::OK
    );

    let (status, _, body) = send(
        &f.app,
        api(
            "POST",
            &format!("/users/{}/deactivate", gus.id),
            &f.token,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("deactivated_at"));
    assert_eq!(
        send(&f.app, get("/app", Some(&cookie))).await.0,
        StatusCode::SEE_OTHER,
        "session ended"
    );
    assert_eq!(
        send(&f.app, api("GET", "/surveys", &gus_token, None))
            .await
            .0,
        StatusCode::UNAUTHORIZED,
        "token dead at once"
    );
    let (status, _, html) = send(&f.app, login("gus@example.com", "gus password long")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("Konto ist deaktiviert"),
        "a clear message (German by default)"
    );
    let (status, _, _) = send(&f.app, login("gus@example.com", "wrong password!")).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a wrong password learns nothing"
    );

    let me = format!("/users/{}/deactivate", gus.id).replace(
        &gus.id.to_string(),
        &f.store
            .user_by_email(EMAIL)
            .await
            .expect("q")
            .expect("o")
            .id
            .to_string(),
    );
    assert_eq!(
        send(&f.app, api("POST", &me, &f.token, None)).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        send(
            &f.app,
            api(
                "POST",
                &format!("/users/{}/deactivate", uuid::Uuid::now_v7()),
                &f.token,
                None
            )
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            &f.app,
            api("POST", "/users/nonsense/deactivate", &f.token, None)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    let (status, _, _) = send(
        &f.app,
        api(
            "POST",
            &format!("/users/{}/reactivate", gus.id),
            &f.token,
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        send(&f.app, login("gus@example.com", "gus password long"))
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&f.app, api("GET", "/surveys", &gus_token, None))
            .await
            .0,
        StatusCode::OK
    );

    // An analyst may not manage users in the web app.
    let gus_cookie = session_cookie(
        &send(&f.app, login("gus@example.com", "gus password long"))
            .await
            .1,
    )
    .expect("cookie");
    assert_eq!(
        send(&f.app, get("/app/users", Some(&gus_cookie))).await.0,
        StatusCode::FORBIDDEN
    );
    let (_, _, html) = send(&f.app, get("/app/account", Some(&gus_cookie))).await;
    let csrf = csrf_of(&html);
    let (status, _, _) = send(
        &f.app,
        form(
            &format!("/app/users/{}/deactivate", owner_id(&f).await),
            Some(&gus_cookie),
            &[("_csrf", &csrf)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without the CSRF token, nothing happens either.
    let owner_cookie = sign_in(&f.app).await;
    let (status, _, _) = send(
        &f.app,
        form(
            &format!("/app/users/{}/deactivate", gus.id),
            Some(&owner_cookie),
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        f.store
            .user_by_email("gus@example.com")
            .await
            .expect("q")
            .expect("gus")
            .is_active()
    );
    let actions = audit_actions(&f.store, f.org_id).await;
    for action in [
        "user.deactivate",
        "user.reactivate",
        "session.sign_in_refused",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

async fn owner_id(f: &Fixture) -> String {
    f.store
        .user_by_email(EMAIL)
        .await
        .expect("q")
        .expect("owner")
        .id
        .to_string()
}

fn secret_of(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"id="totp-secret">"#)
        .expect("the secret is shown");
    rest.split('<').next().expect("secret").to_owned()
}

fn challenge_cookie(headers: &HeaderMap) -> String {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tp_2fa="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .expect("a challenge cookie")
}

#[tokio::test]
async fn totp_sign_in_with_a_computed_code_and_no_replay() {
    let f = fixture().await;
    let cookie = sign_in(&f.app).await;
    let (status, _, html) = send(&f.app, get("/app/account", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&html);
    let secret_text = secret_of(&html);
    assert!(html.contains("otpauth://totp/Touchpoint:owner%40example.com?secret="));
    let secret = totp::base32_decode(&secret_text).expect("base32");
    let now = || touchpoint_store::now_ms() / 1000;
    let (status, _, _) = send(
        &f.app,
        form(
            "/app/account/totp/enable",
            Some(&cookie),
            &[
                ("_csrf", &csrf),
                ("secret", &secret_text),
                ("code", "000000"),
            ],
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong code does not enable"
    );
    let code = totp::code_at(&secret, now());
    let (status, headers, _) = send(
        &f.app,
        form(
            "/app/account/totp/enable",
            Some(&cookie),
            &[("_csrf", &csrf), ("secret", &secret_text), ("code", &code)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/app/account?done=totp_on");

    // The password alone gives no session, only the second step.
    let (status, headers, html) = send(&f.app, login(EMAIL, PASSWORD)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        session_cookie(&headers).is_none(),
        "no session before the code"
    );
    assert!(html.contains(r#"name="code""#));
    let challenge = challenge_cookie(&headers);
    let (status, headers, _) = send(
        &f.app,
        form("/app/login/totp", Some(&challenge), &[("code", "123456")]),
    )
    .await;
    assert!(status == StatusCode::UNAUTHORIZED && session_cookie(&headers).is_none());
    let (status, headers, _) = send(
        &f.app,
        form("/app/login/totp", Some(&challenge), &[("code", &code)]),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the code used to enable is spent"
    );
    assert!(session_cookie(&headers).is_none());
    let next = totp::code_at(&secret, now() + 30);
    let (status, headers, _) = send(
        &f.app,
        form("/app/login/totp", Some(&challenge), &[("code", &next)]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = session_cookie(&headers).expect("a session after the code");
    assert_eq!(
        send(&f.app, get("/app", Some(&session))).await.0,
        StatusCode::OK
    );
    let (status, _, _) = send(
        &f.app,
        form("/app/login/totp", Some(&challenge), &[("code", &next)]),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "a used challenge starts over"
    );
    // The same code in a new sign-in is refused (replay within its window).
    let (_, headers, _) = send(&f.app, login(EMAIL, PASSWORD)).await;
    let challenge = challenge_cookie(&headers);
    let (status, _, _) = send(
        &f.app,
        form("/app/login/totp", Some(&challenge), &[("code", &next)]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Five wrong codes end the challenge.
    for _ in 0..4 {
        send(
            &f.app,
            form("/app/login/totp", Some(&challenge), &[("code", "999999")]),
        )
        .await;
    }
    let (status, headers, _) = send(
        &f.app,
        form("/app/login/totp", Some(&challenge), &[("code", "999999")]),
    )
    .await;
    assert!(
        status == StatusCode::SEE_OTHER || status == StatusCode::TOO_MANY_REQUESTS,
        "{status}"
    );
    assert!(session_cookie(&headers).is_none());

    // Tampered cookies get nowhere.
    assert_eq!(
        send(&f.app, get("/app", Some("tp_session=forged"))).await.0,
        StatusCode::SEE_OTHER
    );
    let (status, _, _) = send(
        &f.app,
        form("/app/login/totp", Some("tp_2fa=forged"), &[("code", &next)]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Switching off needs the password.
    let (_, _, html) = send(&f.app, get("/app/account", Some(&session))).await;
    let csrf = csrf_of(&html);
    let (status, _, _) = send(
        &f.app,
        form(
            "/app/account/totp/disable",
            Some(&session),
            &[("_csrf", &csrf), ("current", "wrong")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(
        &f.app,
        form(
            "/app/account/totp/disable",
            Some(&session),
            &[("_csrf", &csrf), ("current", PASSWORD)],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let actions = audit_actions(&f.store, f.org_id).await;
    for action in [
        "totp.enable",
        "totp.disable",
        "session.totp_failed",
        "password.check_failed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn changing_the_password_and_signing_out_everywhere() {
    let f = fixture().await;
    let elsewhere = sign_in(&f.app).await;
    let here = sign_in(&f.app).await;
    let (_, _, html) = send(&f.app, get("/app/account", Some(&here))).await;
    let csrf = csrf_of(&html);
    let new_password = "my new long password";
    let (status, _, _) = send(
        &f.app,
        form(
            "/app/account/password",
            Some(&here),
            &[
                ("_csrf", &csrf),
                ("current", "not my password"),
                ("password", new_password),
                ("password2", new_password),
            ],
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the current password is required"
    );
    assert_eq!(
        send(&f.app, login(EMAIL, PASSWORD)).await.0,
        StatusCode::SEE_OTHER,
        "unchanged"
    );
    let (status, headers, _) = send(
        &f.app,
        form(
            "/app/account/password",
            Some(&here),
            &[
                ("_csrf", &csrf),
                ("current", PASSWORD),
                ("password", new_password),
                ("password2", new_password),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/app/account?done=password");
    assert_eq!(
        send(&f.app, get("/app", Some(&here))).await.0,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        send(&f.app, get("/app", Some(&elsewhere))).await.0,
        StatusCode::SEE_OTHER,
        "others end"
    );
    assert_eq!(
        send(&f.app, login(EMAIL, new_password)).await.0,
        StatusCode::SEE_OTHER
    );
    let (status, _, _) = send(
        &f.app,
        form("/app/account/sessions", Some(&here), &[("_csrf", &csrf)]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&f.app, get("/app", Some(&here))).await.0,
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    let actions = audit_actions(&f.store, f.org_id).await;
    for action in ["password.change", "session.revoke_all"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    // The notice mail is queued in the change's transaction.
    let page = f
        .store
        .outbox(f.org_id, &Cursor::start(), 10)
        .await
        .expect("outbox");
    assert!(page.items.iter().any(|m| m.template == "password_changed"));
}

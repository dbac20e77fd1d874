//! The signed-in web app `/app`, driven in-process: sign-in and sessions, the overview, the
//! survey page with its chart, the session-authorised CSV export.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Datelike;
use serde_json::json;
use touchpoint_domain::{Language, NewResponse, ResponseDraft, SurveyDefinition};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::AuditContext;
use touchpoint_store::testing::TestDatabase;
use touchpoint_store::{Store, Survey};

mod support;

use support::{EMAIL, PASSWORD, get, login, send, sign_in};

struct Fixture {
    _db: TestDatabase,
    store: Store,
    app: Router,
    survey: Survey,
}

async fn fixture(settings: ServerSettings) -> Fixture {
    let (db, store, org_id) = support::organisation(Language::En, true).await;
    let survey = support::hotline_survey(
        &store,
        org_id,
        "Relationship <NPS>",
        "feedfeedfeedfeedfeedfeedfeedfeed",
    )
    .await;
    // Forty responses this month and twenty in the month before, whatever today's date: the
    // dashboard's trend and the chart's line need two neighbouring months.
    let now = chrono::Utc::now();
    let month_start = now
        .date_naive()
        .with_day(1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("first of the month")
        .and_utc();
    let mut responses = Vec::new();
    for i in 0..60 {
        let submitted = if i < 40 {
            (now - chrono::Duration::seconds(i)).max(month_start)
        } else {
            month_start - chrono::Duration::days(10) - chrono::Duration::minutes(i)
        };
        let draft: ResponseDraft = serde_json::from_value(json!({
            "answers": {"nps": i % 11, "why": if i == 0 { "Great <i>service</i>" } else { "ok" }},
            "language": "en",
            "submitted_at": submitted.to_rfc3339(),
        }))
        .expect("draft");
        responses.push(
            NewResponse::validate(&survey.definition, draft, "api", now.timestamp_millis())
                .expect("valid"),
        );
    }
    for result in store.submit_responses(&survey, responses).await {
        result.expect("stored");
    }
    let app = build_app(AppState::new(store.clone(), settings));
    Fixture {
        _db: db,
        store,
        app,
        survey,
    }
}

fn location(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The CSRF token the page's forms carry.
fn csrf_token(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"name="_csrf" value=""#)
        .expect("the page has a CSRF field");
    rest.split('"').next().expect("value").to_owned()
}

/// The token a different session would have.
fn csrf_token_of_other_session() -> String {
    touchpoint_server::web::csrf::token("another session id")
}

/// Signs in and returns the `tp_session=…` pair to send back.

#[tokio::test]
async fn signing_in_and_out() {
    let f = fixture(ServerSettings::default()).await;
    let (status, headers, _) = send(&f.app, get("/app", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no cookie → sign-in page");
    assert_eq!(location(&headers), "/app/login");

    let (status, _, html) = send(&f.app, get("/app/login", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"name="password" type="password""#));

    let (status, _, html) = send(&f.app, login(EMAIL, "wrong password")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        html.contains("E-Mail oder Passwort ist nicht korrekt."),
        "generic message, German by default"
    );
    assert!(html.contains(EMAIL), "the email is kept");
    let (status, headers, _) = send(&f.app, login("nobody@example.com", PASSWORD)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.get(header::SET_COOKIE).is_none());

    let (status, headers, _) = send(&f.app, login("Owner@Example.com ", PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/app");
    let set_cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("cookie");
    assert!(set_cookie.starts_with("tp_session="));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain-HTTP deployments get no Secure flag"
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();

    let (status, _, html) = send(&f.app, get("/app", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="en">"#), "the user's language");
    assert!(html.contains(r#"class="tile""#) && html.contains("Relationship &#60;NPS&#62;"));
    assert!(html.contains(&format!("/app/surveys/{}", f.survey.id)));
    assert!(html.contains("95 % CI") && html.contains("n = 60"));
    assert!(html.contains(r#"class="trend "#), "a trend marker");
    assert!(
        html.contains("Great &#60;i&#62;service&#60;/i&#62;"),
        "comments are escaped"
    );
    assert!(html.contains("Hotline"), "comments name their touchpoint");

    let (status, headers, _) = send(&f.app, get("/app/login", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed in already");
    assert_eq!(location(&headers), "/app");

    let mut cross_site = login(EMAIL, PASSWORD);
    cross_site.headers_mut().insert(
        header::ORIGIN,
        "https://evil.example".parse().expect("header"),
    );
    let (status, headers, _) = send(&f.app, cross_site).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "cross-site form posts are refused"
    );
    assert!(headers.get(header::SET_COOKIE).is_none());

    assert!(
        headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
        "no HSTS over plain HTTP"
    );
    let (_, headers, html) = send(&f.app, get("/app?lang=de", Some(&cookie))).await;
    assert!(html.contains(r#"<html lang="de">"#) && html.contains("Neueste Kommentare"));
    assert!(location(&headers).is_empty());
    assert!(
        headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("tp_lang=de")))
    );

    let csrf = csrf_token(&html);
    let logout = |token: Option<&str>| {
        let body = token
            .map(|t| serde_urlencoded::to_string([("_csrf", t)]).expect("form"))
            .unwrap_or_default();
        Request::post("/app/logout")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request")
    };
    for (token, why) in [
        (None, "no CSRF token"),
        (Some(""), "an empty CSRF token"),
        (Some(&"0".repeat(64)[..]), "a wrong CSRF token"),
        (
            Some(&csrf_token_of_other_session()[..]),
            "another session's token",
        ),
    ] {
        let (status, headers, html) = send(&f.app, logout(token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{why}");
        assert!(html.contains("Anfrage abgelehnt"), "{why}: {html}");
        assert!(headers.get(header::SET_COOKIE).is_none(), "{why}");
        let (status, _, _) = send(&f.app, get("/app", Some(&cookie))).await;
        assert_eq!(status, StatusCode::OK, "{why}: the session is still valid");
    }
    let mut by_header = logout(None);
    by_header
        .headers_mut()
        .insert("x-csrf-token", "f".repeat(64).parse().expect("header"));
    let (status, _, _) = send(&f.app, by_header).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a wrong token in the header");

    let logout = logout(Some(&csrf));
    let (status, headers, _) = send(&f.app, logout).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("Max-Age=0"))
    );
    let (status, headers, _) = send(&f.app, get("/app", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the session is gone");
    assert_eq!(location(&headers), "/app/login");

    // The audit log has sign-in, sign-out and the failed attempt on the existing account;
    // never an e-mail address, and nothing for the unknown one.
    let owner = f
        .store
        .user_by_email(EMAIL)
        .await
        .expect("query")
        .expect("owner");
    let filter = touchpoint_store::AuditFilter {
        action: Some("session".into()),
        ..Default::default()
    };
    let entries = f
        .store
        .audit_entries(
            f.survey.org_id,
            &filter,
            &touchpoint_store::Cursor::start(),
            50,
        )
        .await
        .expect("audit")
        .items;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "session.sign_out",
            "session.sign_in",
            "session.sign_in_failed"
        ]
    );
    for entry in &entries {
        assert_eq!(entry.interface, "web");
        assert_eq!(entry.target_id, Some(owner.id.to_string()));
        assert!(!format!("{entry:?}").to_lowercase().contains("example.com"));
    }
    assert_eq!(entries[0].actor_user_id, Some(owner.id));
    assert_eq!(
        entries[2].actor_user_id, None,
        "a failed attempt has no actor"
    );
}

#[tokio::test]
async fn secure_deployments_get_secure_cookies() {
    let settings = ServerSettings {
        public_url: "https://cx.example.com".into(),
        ..ServerSettings::default()
    };
    let f = fixture(settings).await;
    let (_, headers, _) = send(&f.app, login(EMAIL, PASSWORD)).await;
    let set_cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("cookie");
    assert!(set_cookie.contains("; Secure"));
    for path in [
        "/app/login",
        "/s/00000000000000000000000000000000",
        "/healthz",
    ] {
        let (_, headers, _) = send(&f.app, get(path, None)).await;
        assert_eq!(
            headers
                .get(header::STRICT_TRANSPORT_SECURITY)
                .and_then(|v| v.to_str().ok()),
            Some("max-age=31536000; includeSubDomains"),
            "HSTS on {path}"
        );
    }
}

fn retry_after(headers: &axum::http::HeaderMap) -> u64 {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds")
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_even_with_the_right_password() {
    let f = fixture(ServerSettings::default()).await;
    for attempt in 1..=5 {
        let (status, _, _) = send(&f.app, login(EMAIL, "wrong password")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let (status, headers, html) = send(&f.app, login("OWNER@example.com", PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "no oracle: refused before the check"
    );
    assert!((1..=900).contains(&retry_after(&headers)));
    assert!(headers.get(header::SET_COOKIE).is_none(), "no session");
    assert!(html.contains("Zu viele Anmeldeversuche"), "{html}");
    assert!(
        !html.contains("nicht korrekt"),
        "not the wrong-password message"
    );

    let mut english = login(EMAIL, PASSWORD);
    english
        .headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "en".parse().expect("header"));
    let (status, _, html) = send(&f.app, english).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Too many sign-in attempts"), "{html}");

    let (status, _, _) = send(&f.app, login("nobody@example.com", "x")).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "other accounts are not locked"
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_address() {
    use axum::extract::connect_info::MockConnectInfo;
    use std::net::SocketAddr;
    let settings = ServerSettings {
        signin_attempts_per_15min_per_address: 3,
        ..ServerSettings::default()
    };
    let f = fixture(settings.clone()).await;
    let state = AppState::new(f.store.clone(), settings);
    let from = |address: &str| {
        let address: SocketAddr = address.parse().expect("address");
        build_app(state.clone()).layer(MockConnectInfo(address))
    };
    let (guesser, owner) = (from("198.51.100.7:5000"), from("203.0.113.9:5000"));

    let (status, _, _) = send(&guesser, login(EMAIL, PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "a successful sign-in does not count"
    );
    for (i, email) in ["a@example.com", "b@example.com", "c@example.com"]
        .iter()
        .enumerate()
    {
        let (status, _, _) = send(&guesser, login(email, "guess")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let (status, headers, _) = send(&guesser, login(EMAIL, PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is throttled, whatever the account"
    );
    assert!(retry_after(&headers) >= 1);
    let (status, _, _) = send(&owner, login(EMAIL, PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "other addresses are not");
}

#[tokio::test]
async fn survey_page_chart_export_and_tampering() {
    let f = fixture(ServerSettings::default()).await;
    let cookie = sign_in(&f.app).await;
    let page = format!("/app/surveys/{}", f.survey.id);

    let (status, _, html) = send(&f.app, get(&page, Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<svg") && html.contains(r#"<path class="band" d="M"#),
        "a chart with a CI band"
    );
    assert!(html.contains(r#"<path class="line" d="M"#));
    assert!(
        html.contains(r#"class="dot small""#),
        "last month has 20 responses: a small sample"
    );
    assert!(html.contains("Hotline"), "grouped by touchpoint");
    assert!(
        html.contains(r#"<td class="spark"><svg"#),
        "a sparkline per touchpoint"
    );
    assert!(
        html.contains(&format!("/s/{}", f.survey.public_token)),
        "the public link"
    );
    assert!(html.contains(&format!("{page}/responses.csv")));
    assert!(!html.contains("style="), "the CSP forbids inline styles");

    let hotline = f.survey.touchpoint_id.expect("the survey has a touchpoint");
    let (status, _, html) = send(
        &f.app,
        get(&format!("{page}?q=nps&tp={hotline}&lang=en"), Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"aria-current="page">Hotline</a>"#),
        "focused on one touchpoint"
    );
    assert!(html.contains("All touchpoints") && html.contains(r#"<path class="band""#));
    assert!(html.contains("n = 60"));

    let (status, headers, csv) =
        send(&f.app, get(&format!("{page}/responses.csv"), Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    assert!(csv.starts_with("response_id,"));
    assert_eq!(csv.lines().count(), 61);

    let (status, headers, _) = send(&f.app, get(&format!("{page}/responses.csv"), None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "no export without a session");
    assert_eq!(location(&headers), "/app/login");

    let (status, _, _) = send(
        &f.app,
        get(
            "/app/surveys/0190a5c4-0000-7000-8000-000000000000",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(&f.app, get("/app/surveys/not-an-id", Some(&cookie))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut tampered = cookie.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == '0' { '1' } else { '0' });
    let (status, headers, _) = send(&f.app, get(&page, Some(&tampered))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/app/login");
    let (status, _, _) = send(&f.app, get(&page, Some("tp_session="))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(f.store.ping().await.is_ok());
}

#[tokio::test]
async fn empty_surveys_render_without_numbers() {
    let f = fixture(ServerSettings::default()).await;
    let empty =
        SurveyDefinition::from_json(json!({"name":"Fresh CES","languages":["en"],"questions":[
        {"id":"ces","type":"ces","text":{"en":"Easy?"}}]}))
        .expect("valid");
    let empty = f
        .store
        .create_survey(
            f.survey.org_id,
            &empty,
            None,
            "abababababababababababababababab",
            &AuditContext::system(),
        )
        .await
        .expect("survey");
    let texts_only =
        SurveyDefinition::from_json(json!({"name":"Ideas","languages":["en"],"questions":[
        {"id":"idea","type":"text","text":{"en":"Any idea?"}}]}))
        .expect("valid");
    let texts_only = f
        .store
        .create_survey(
            f.survey.org_id,
            &texts_only,
            None,
            "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
            &AuditContext::system(),
        )
        .await
        .expect("survey");
    let cookie = sign_in(&f.app).await;

    let (status, _, html) = send(&f.app, get("/app", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Fresh CES") && html.contains("No responses yet"));
    assert!(html.contains("Ideas") && html.contains("No NPS, CSAT or CES question"));

    let (status, _, html) = send(
        &f.app,
        get(&format!("/app/surveys/{}", empty.id), Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<svg") && !html.contains(r#"class="band""#),
        "an empty chart: axes, no band"
    );
    assert!(html.contains("No comments yet."));
    let (status, _, html) = send(
        &f.app,
        get(&format!("/app/surveys/{}", texts_only.id), Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<svg"));
}

#[tokio::test]
async fn the_audit_log_page_searches_escapes_and_exports() {
    let f = fixture(ServerSettings::default()).await;
    let (status, headers, _) = send(&f.app, get("/app/audit", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed-in only");
    assert_eq!(location(&headers), "/app/login");
    f.store
        .create_touchpoint(
            f.survey.org_id,
            &touchpoint_domain::touchpoint::TouchpointFields {
                name: "<script>alert(1)</script>".into(),
                channel: "web".into(),
                ..Default::default()
            },
            &AuditContext::system(),
        )
        .await
        .expect("touchpoint");
    let cookie = sign_in(&f.app).await;

    let (status, _, html) = send(&f.app, get("/app/audit?lang=en", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<a href="/app/audit">Audit log</a>"#),
        "in the navigation"
    );
    for action in ["session.sign_in", "touchpoint.create", "survey.create"] {
        assert!(html.contains(action), "{action}: {html}");
    }
    assert!(!html.contains("<script>alert"), "summaries are escaped");
    assert!(html.contains("&#60;script&#62;alert(1)"), "{html}");

    let (status, _, html) = send(
        &f.app,
        get("/app/audit?lang=en&action=touchpoint", Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("touchpoint.create") && !html.contains("session.sign_in"));
    assert!(html.contains(r#"href="/app/audit.csv?action=touchpoint""#));

    let (status, _, html) = send(
        &f.app,
        get("/app/audit?lang=en&actor=someone", Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("actor: must be a UUID"), "{html}");

    let (status, headers, csv) = send(
        &f.app,
        get("/app/audit.csv?action=touchpoint", Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/csv"))
    );
    assert_eq!(
        csv.lines().count(),
        3,
        "the fixture's touchpoint and ours: {csv}"
    );
    assert!(!csv.contains("session."), "{csv}");
}

#[tokio::test]
async fn the_retention_page_sets_removes_and_runs_policies() {
    let f = fixture(ServerSettings::default()).await;
    let org_id = f.survey.org_id;
    let cookie = sign_in(&f.app).await;
    let (status, _, html) = send(&f.app, get("/app/retention?lang=de", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Freitext-Kommentare") && html.contains("Derzeit unbegrenzt aufbewahrt.")
    );
    let csrf = csrf_token(&html);
    let post = |pairs: &[(&str, &str)]| {
        Request::post("/app/retention")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                serde_urlencoded::to_string(pairs).expect("form"),
            ))
            .expect("request")
    };

    let save = [
        ("data_class", "comments"),
        ("action", "anonymise"),
        ("days", "365"),
        ("intent", "save"),
    ];
    let (status, _, _) = send(&f.app, post(&save)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    assert!(
        f.store
            .retention_policies(org_id)
            .await
            .expect("policies")
            .is_empty()
    );

    let mut with_token = vec![("_csrf", csrf.as_str())];
    with_token.extend_from_slice(&save);
    let (status, headers, _) = send(&f.app, post(&with_token)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/app/retention?done=saved");
    let policies = f.store.retention_policies(org_id).await.expect("policies");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].policy.days, 365);

    for (pairs, why) in [
        (
            vec![
                ("data_class", "responses"),
                ("action", "anonymise"),
                ("days", "30"),
                ("intent", "save"),
            ],
            "responses cannot be anonymised",
        ),
        (
            vec![
                ("data_class", "comments"),
                ("action", "delete"),
                ("days", "0"),
                ("intent", "save"),
            ],
            "zero days",
        ),
        (
            vec![
                ("data_class", "comments"),
                ("action", "delete"),
                ("days", "<script>"),
                ("intent", "save"),
            ],
            "not a number",
        ),
        (
            vec![
                ("data_class", "mails"),
                ("action", "delete"),
                ("days", "3"),
                ("intent", "save"),
            ],
            "unknown class",
        ),
    ] {
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend(pairs);
        let (status, _, html) = send(&f.app, post(&form)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(html.contains(r#"role="alert""#), "{why}");
        assert!(!html.contains("<script>"), "{why}");
        let policies = f.store.retention_policies(org_id).await.expect("policies");
        assert_eq!(
            (policies.len(), policies[0].policy.days),
            (1, 365),
            "{why}: nothing changed"
        );
    }

    let run = [("_csrf", csrf.as_str()), ("intent", "run")];
    let (status, headers, _) = send(&f.app, post(&run)).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/app/retention?done=queued")
    );
    assert!(
        f.store
            .has_pending_org_job(touchpoint_jobs::retention::RUN_RETENTION, org_id)
            .await
            .expect("query")
    );

    let remove = [
        ("_csrf", csrf.as_str()),
        ("data_class", "comments"),
        ("intent", "remove"),
    ];
    let (status, _, _) = send(&f.app, post(&remove)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        f.store
            .retention_policies(org_id)
            .await
            .expect("policies")
            .is_empty()
    );
    let (_, _, html) = send(
        &f.app,
        get("/app/retention?lang=en&done=removed", Some(&cookie)),
    )
    .await;
    assert!(html.contains("Policy removed"), "{html}");
    let audit = f
        .store
        .audit_entries(
            org_id,
            &touchpoint_store::AuditFilter {
                action: Some("retention".into()),
                ..Default::default()
            },
            &touchpoint_store::Cursor::start(),
            10,
        )
        .await
        .expect("audit");
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["retention.remove", "retention.request_run", "retention.set"]
    );
    assert!(audit.items.iter().all(|e| e.interface == "web"));
}

#[tokio::test]
async fn the_tokens_page_creates_shows_once_and_revokes() {
    let f = fixture(ServerSettings::default()).await;
    let org_id = f.survey.org_id;
    let cookie = sign_in(&f.app).await;
    let (status, _, html) = send(&f.app, get("/app/tokens?lang=en", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<a href="/app/tokens">API tokens</a>"#));
    let csrf = csrf_token(&html);
    let post = |uri: &str, pairs: &[(&str, &str)]| {
        Request::post(uri)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                serde_urlencoded::to_string(pairs).expect("form"),
            ))
            .expect("request")
    };
    let before = f.store.api_tokens(org_id).await.expect("tokens").len();
    for (pairs, why) in [
        (
            vec![
                ("name", ""),
                ("scope", "read_only"),
                ("resources", "metrics"),
            ],
            "no name",
        ),
        (vec![("name", "x"), ("scope", "read_only")], "no resources"),
        (
            vec![("name", "x"), ("scope", "admin"), ("resources", "*")],
            "unknown scope",
        ),
        (
            vec![
                ("name", "x"),
                ("scope", "read_only"),
                ("resources", "*"),
                ("valid_until", "2001-01-01"),
            ],
            "expired",
        ),
    ] {
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend(pairs);
        let (status, _, html) = send(&f.app, post("/app/tokens", &form)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(html.contains(r#"role="alert""#), "{why}");
        assert_eq!(
            f.store.api_tokens(org_id).await.expect("tokens").len(),
            before,
            "{why}"
        );
    }

    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "<script>alert(1)</script>"),
        ("scope", "read_only"),
        ("resources", "metrics"),
        ("resources", "surveys"),
        ("valid_until", "2099-12-31"),
    ];
    let (status, headers, html) = send(&f.app, post("/app/tokens", &form)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert!(!html.contains("<script>alert") && html.contains("&#60;script&#62;alert(1)"));
    let (_, rest) = html
        .split_once(r#"<code class="secret">"#)
        .expect("secret shown");
    let secret = rest.split('<').next().expect("secret").to_owned();
    assert!(secret.starts_with("tp_"), "{secret}");
    let created = f
        .store
        .api_tokens(org_id)
        .await
        .expect("tokens")
        .into_iter()
        .find(|t| t.name.starts_with("<script>"))
        .expect("stored");
    assert_eq!(created.grant.resources.to_string(), "surveys,metrics");
    assert_eq!(
        created.expires_at,
        Some(4_102_444_800_000),
        "through 2099-12-31 UTC"
    );
    let (_, _, again) = send(&f.app, get("/app/tokens", Some(&cookie))).await;
    assert!(!again.contains(&secret), "the secret is shown once");

    let api = |secret: &str| {
        Request::get("/api/v1/surveys")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .expect("request")
    };
    assert_eq!(send(&f.app, api(&secret)).await.0, StatusCode::OK);
    let revoke = format!("/app/tokens/{}/revoke", created.id);
    let (status, _, _) = send(&f.app, post(&revoke, &[])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let (status, headers, _) = send(&f.app, post(&revoke, &[("_csrf", csrf.as_str())])).await;
    assert_eq!(
        (status, location(&headers)),
        (StatusCode::SEE_OTHER, "/app/tokens?done=revoked")
    );
    assert_eq!(
        send(&f.app, api(&secret)).await.0,
        StatusCode::UNAUTHORIZED,
        "revoked at once"
    );
    let (status, _, _) = send(
        &f.app,
        post("/app/tokens/not-an-id/revoke", &[("_csrf", csrf.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_journey_pages_create_edit_and_map_a_journey() {
    let f = fixture(ServerSettings::default()).await;
    let org_id = f.survey.org_id;
    let hotline = f
        .survey
        .touchpoint_id
        .expect("the fixture's survey has a touchpoint");
    let cookie = sign_in(&f.app).await;
    let (status, _, html) = send(&f.app, get("/app/journeys?lang=en", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"<a href="/app/journeys">Journeys</a>"#)
            && html.contains("No journey yet.")
    );
    let csrf = csrf_token(&html);
    let post = |uri: &str, pairs: &[(&str, &str)]| {
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(pairs);
        Request::post(uri)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                serde_urlencoded::to_string(&form).expect("form"),
            ))
            .expect("request")
    };

    let (status, _, html) = send(
        &f.app,
        post("/app/journeys", &[("name", ""), ("stages", "A\na")]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("name: must not be empty"), "{html}");
    assert!(f.store.journeys(org_id).await.expect("journeys").is_empty());

    let (status, headers, _) = send(
        &f.app,
        post(
            "/app/journeys",
            &[
                ("name", "Telco <script>"),
                ("stages", "Purchase\r\nSupport\n\n"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let journey = f.store.journeys(org_id).await.expect("journeys").remove(0);
    assert_eq!(location(&headers), format!("/app/journeys/{}", journey.id));
    let (purchase, support) = (
        journey.stages[0].id.to_string(),
        journey.stages[1].id.to_string(),
    );
    let edit = format!("/app/journeys/{}/edit", journey.id);
    let page = format!("/app/journeys/{}?lang=en", journey.id);

    // The hotline has no stage yet: place it, then move its stage to the front.
    let (_, _, html) = send(&f.app, get(&page, Some(&cookie))).await;
    assert!(html.contains("Touchpoint without a stage") && !html.contains("<script>"));
    let tp = hotline.to_string();
    for pairs in [
        vec![
            ("intent", "place"),
            ("touchpoint", tp.as_str()),
            ("stage", support.as_str()),
        ],
        vec![("intent", "stage_left"), ("stage", support.as_str())],
        vec![("intent", "add_stage"), ("name", "Renewal")],
    ] {
        let (status, headers, html) = send(&f.app, post(&edit, &pairs)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{pairs:?}: {html}");
        assert_eq!(location(&headers), format!("/app/journeys/{}", journey.id));
    }
    let journey = f.store.journey(org_id, journey.id).await.expect("journey");
    let names: Vec<&str> = journey.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Support", "Purchase", "Renewal"]);
    assert_eq!(journey.stages[0].touchpoints[0].id, hotline);

    let (status, _, html) = send(&f.app, get(&page, Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Telco &#60;script&#62;"), "escaped");
    assert!(
        html.contains("n = 60"),
        "the hotline's card counts the fixture's answers: {html}"
    );
    assert!(
        html.contains("Friction ranking")
            && html.contains("Too few answers at two or more touchpoints")
    );

    for (pairs, why) in [
        (
            vec![("intent", "add_stage"), ("name", "Purchase")],
            "a stage name taken",
        ),
        (
            vec![("intent", "add_stage"), ("name", " ")],
            "an empty stage name",
        ),
        (
            vec![
                ("intent", "rename_stage"),
                ("stage", &uuid::Uuid::now_v7().to_string()),
                ("name", "X"),
            ],
            "a stage of no journey",
        ),
        (
            vec![
                ("intent", "place"),
                ("touchpoint", &uuid::Uuid::now_v7().to_string()),
                ("stage", purchase.as_str()),
            ],
            "an unknown touchpoint",
        ),
        (vec![("intent", "explode")], "an unknown action"),
    ] {
        let (status, _, html) = send(&f.app, post(&edit, &pairs)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        assert!(html.contains(r#"role="alert""#), "{why}");
        assert_eq!(
            f.store.journey(org_id, journey.id).await.expect("journey"),
            journey,
            "{why}: nothing changed"
        );
    }
    let (status, _, _) = send(
        &f.app,
        get(
            &format!("/app/journeys/{}", uuid::Uuid::now_v7()),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

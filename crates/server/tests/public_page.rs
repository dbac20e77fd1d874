//! The public survey page `/s/{token}`, driven in-process: rendering in both languages,
//! weight, submission, validation with answers kept, honeypot, 404/410, escaping.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use touchpoint_domain::{Language, SurveyDefinition};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::AuditContext;
use touchpoint_store::testing::TestDatabase;
use touchpoint_store::{Cursor, Store, Survey};
use tower::ServiceExt;

mod support;

struct Fixture {
    _db: TestDatabase,
    store: Store,
    app: Router,
    survey: Survey,
}

fn definition() -> SurveyDefinition {
    SurveyDefinition::from_json(json!({"name":"Kundenumfrage <Shop>","languages":["de","en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?","en":"How likely are you to recommend us?"}},
        {"id":"csat","type":"csat","text":{"de":"Wie zufrieden sind Sie?","en":"How satisfied are you?"}},
        {"id":"ces","type":"ces","text":{"de":"Wie einfach war es?","en":"How easy was it?"}},
        {"id":"stars","type":"rating","min":1,"max":4,"text":{"de":"Sterne","en":"Stars"}},
        {"id":"channel","type":"single_choice","text":{"de":"Wie kamen Sie zu uns?","en":"How did you find us?"},"options":[
            {"id":"web","text":{"de":"Web","en":"Web"}},{"id":"friend","text":{"de":"Freunde <b>","en":"Friends <b>"}}]},
        {"id":"topics","type":"multi_choice","text":{"de":"Themen","en":"Topics"},"options":[
            {"id":"price","text":{"de":"Preis","en":"Price"}},{"id":"service","text":{"de":"Service","en":"Service"}},{"id":"app","text":{"de":"App","en":"App"}}]},
        {"id":"why","type":"text","text":{"de":"Warum? <script>alert(1)</script>","en":"Why? <script>alert(1)</script>"}}]}))
    .expect("valid survey")
}

async fn fixture() -> Fixture {
    let (db, store, org_id) = support::organisation(Language::De, false).await;
    let survey = store
        .create_survey(
            org_id,
            &definition(),
            None,
            "0123456789abcdef0123456789abcdef",
            &AuditContext::system(),
        )
        .await
        .expect("survey");
    let app = build_app(AppState::new(store.clone(), ServerSettings::default()));
    Fixture {
        _db: db,
        store,
        app,
        survey,
    }
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

fn get(uri: &str, accept_language: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(uri);
    if let Some(value) = accept_language {
        builder = builder.header(header::ACCEPT_LANGUAGE, value);
    }
    builder.body(Body::empty()).expect("request")
}

fn post(uri: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    let body = serde_urlencoded::to_string(pairs).expect("form");
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request")
}

impl Fixture {
    fn url(&self) -> String {
        format!("/s/{}", self.survey.public_token)
    }

    async fn stored(&self) -> Vec<touchpoint_store::StoredResponse> {
        self.store
            .list_responses(
                self.survey.org_id,
                &touchpoint_domain::DepartmentScope::All,
                &touchpoint_store::ResponseQuery {
                    survey_id: Some(self.survey.id),
                    ..Default::default()
                },
                &Cursor::start(),
                100,
            )
            .await
            .expect("list")
            .items
    }
}

#[tokio::test]
async fn renders_in_german_and_english() {
    let f = fixture().await;
    let (status, de) = send(&f.app, get(&f.url(), None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        de.contains(r#"<html lang="de">"#),
        "default language is the survey's first"
    );
    assert!(de.contains("Wie wahrscheinlich ist es"));
    assert!(de.contains("sehr unwahrscheinlich") && de.contains("äußerst wahrscheinlich"));
    assert!(de.contains("Absenden") && de.contains("Pflichtfrage"));

    let (_, en) = send(&f.app, get(&f.url(), Some("en-GB,en;q=0.9,de;q=0.5"))).await;
    assert!(en.contains(r#"<html lang="en">"#));
    assert!(en.contains("How likely are you to recommend us?") && en.contains("Submit"));

    let (_, forced) = send(&f.app, get(&format!("{}?lang=de", f.url()), Some("en"))).await;
    assert!(
        forced.contains(r#"<html lang="de">"#),
        "?lang= wins over Accept-Language"
    );
    let (_, offered_only) = send(&f.app, get(&format!("{}?lang=fr", f.url()), Some("en"))).await;
    assert!(
        offered_only.contains(r#"<html lang="en">"#),
        "an unknown ?lang= falls back to the header"
    );
}

#[tokio::test]
async fn the_form_is_accessible_and_complete() {
    let f = fixture().await;
    let (_, html) = send(&f.app, get(&f.url(), Some("en"))).await;
    assert_eq!(
        html.matches("<fieldset").count(),
        6,
        "one fieldset per non-text question"
    );
    assert_eq!(html.matches("<legend").count(), 6);
    assert_eq!(html.matches(r#"name="a_nps""#).count(), 11, "NPS 0–10");
    assert_eq!(html.matches(r#"name="a_csat""#).count(), 5, "CSAT 1–5");
    assert_eq!(html.matches(r#"name="a_ces""#).count(), 7, "CES 1–7");
    assert_eq!(
        html.matches(r#"name="a_stars""#).count(),
        4,
        "rating min..max"
    );
    assert_eq!(
        html.matches(r#"type="checkbox" name="a_topics""#).count(),
        3
    );
    assert!(html.contains(r#"<label class="qt" for="q-why">"#));
    assert!(html.contains(r#"maxlength="10000""#));
    assert!(
        html.contains(r#"name="website" tabindex="-1" autocomplete="off""#),
        "honeypot"
    );
    assert!(html.contains(r#"<link rel="stylesheet" href="/static/app.css">"#));
    assert!(!html.contains("style="), "the CSP forbids inline styles");
    assert!(
        !html.contains("<script"),
        "no script at all, and question texts are escaped"
    );
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(html.contains("Friends &#60;b&#62;"));
    assert!(html.contains("Kundenumfrage &#60;Shop&#62;"));
}

#[tokio::test]
async fn the_page_and_its_css_weigh_under_30_kb() {
    let f = fixture().await;
    let (_, html) = send(&f.app, get(&f.url(), None)).await;
    let (status, css) = send(&f.app, get("/static/app.css", None)).await;
    assert_eq!(status, StatusCode::OK);
    let total = html.len() + css.len();
    assert!(
        total < 30 * 1024,
        "page {} + css {} = {total} bytes",
        html.len(),
        css.len()
    );
}

#[tokio::test]
async fn a_valid_submission_is_stored_and_thanked() {
    let f = fixture().await;
    let fields = [
        ("lang", "en"),
        ("rid", "00000000000000000000000000000001"),
        ("a_nps", "9"),
        ("a_csat", "4"),
        ("a_ces", ""),
        ("a_channel", "friend"),
        ("a_topics", "price"),
        ("a_topics", "app"),
        ("a_why", "Schnelle Hilfe 👍 مرحبا\r\nzweite Zeile"),
        ("website", ""),
    ];
    let (status, html) = send(&f.app, post(&f.url(), &fields)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Thank you!") && html.contains(r#"<html lang="en">"#));
    let stored = f.stored().await;
    assert_eq!(stored.len(), 1);
    let r = &stored[0];
    assert_eq!(r.channel, "web");
    assert_eq!(r.language, "en");
    assert_eq!(
        r.answers,
        json!({"nps": 9, "csat": 4, "channel": "friend", "topics": ["price", "app"], "why": "Schnelle Hilfe 👍 مرحبا\nzweite Zeile"})
    );

    // A double submit of the same form stores nothing new.
    let (status, _) = send(&f.app, post(&f.url(), &fields)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(f.stored().await.len(), 1);
}

#[tokio::test]
async fn invalid_input_is_shown_with_the_answers_kept_and_nothing_stored() {
    let f = fixture().await;
    let fields = [
        ("lang", "de"),
        ("a_csat", "4"),
        ("a_ces", "acht"),
        ("a_stars", "9"),
        ("a_channel", "friend"),
        ("a_topics", "service"),
        ("a_topics", "app"),
        ("a_why", "Mein <b>Kommentar</b> & mehr"),
    ];
    let (status, html) = send(&f.app, post(&f.url(), &fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"<html lang="de">"#));
    assert!(html.contains("Bitte prüfen Sie die markierten Antworten."));
    assert!(
        html.contains("Bitte beantworten Sie diese Frage."),
        "nps is required"
    );
    assert!(
        html.contains("Bitte wählen Sie einen Wert von 1 bis 7."),
        "ces must be an integer"
    );
    assert!(
        html.contains("9 liegt außerhalb der Skala 1–4."),
        "rating out of range"
    );
    assert!(html.contains(r#"aria-describedby="q-nps-e""#) && html.contains(r#"id="q-nps-e""#));
    assert!(
        html.contains(r##"<li><a href="#q-nps">"##),
        "the summary links to the question"
    );
    assert!(
        html.contains(r#"name="a_csat" value="4" checked"#),
        "checked radio kept"
    );
    assert!(html.contains(r#"name="a_channel" value="friend" checked"#));
    assert!(html.contains(r#"name="a_topics" value="service" checked"#));
    assert!(html.contains(r#"name="a_topics" value="app" checked"#));
    assert!(!html.contains(r#"name="a_topics" value="price" checked"#));
    assert!(
        html.contains("Mein &#60;b&#62;Kommentar&#60;/b&#62; &#38; mehr</textarea>"),
        "textarea kept, escaped"
    );
    assert!(f.stored().await.is_empty());

    let (status, html) = send(&f.app, post(&f.url(), &[("lang", "en"), ("a_nps", "11")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("11 is outside the scale 0–10."));
    assert!(f.stored().await.is_empty());
}

#[tokio::test]
async fn a_filled_honeypot_is_thanked_and_dropped() {
    let f = fixture().await;
    let (status, html) = send(
        &f.app,
        post(
            &f.url(),
            &[("a_nps", "10"), ("website", "http://spam.example")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Vielen Dank!"));
    assert!(f.stored().await.is_empty());
}

#[tokio::test]
async fn unknown_tokens_are_404_and_closed_surveys_410() {
    let f = fixture().await;
    let (status, html) = send(
        &f.app,
        get("/s/ffffffffffffffffffffffffffffffff", Some("en")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
    let (status, _) = send(&f.app, get("/s/..%2F..%2Fetc", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &f.app,
        post("/s/ffffffffffffffffffffffffffffffff", &[("a_nps", "1")]),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    f.store
        .close_survey(f.survey.org_id, f.survey.id, &AuditContext::system())
        .await
        .expect("close");
    let (status, html) = send(&f.app, get(&f.url(), None)).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("Diese Umfrage ist beendet"));
    let (status, html) = send(&f.app, post(&f.url(), &[("lang", "en"), ("a_nps", "10")])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This survey is closed"));
    assert!(f.stored().await.is_empty());
}

#[tokio::test]
async fn submissions_are_rate_limited_per_address_and_nothing_more_is_stored() {
    use axum::extract::connect_info::MockConnectInfo;
    use std::net::SocketAddr;
    let f = fixture().await;
    let state = AppState::new(f.store.clone(), ServerSettings::default());
    let from = |address: &str| {
        let address: SocketAddr = address.parse().expect("address");
        build_app(state.clone()).layer(MockConnectInfo(address))
    };
    let (first, second) = (from("192.0.2.1:40000"), from("192.0.2.2:40000"));
    let answer = |i: usize| {
        let rid = format!("{i:032x}");
        post(&f.url(), &[("rid", rid.as_str()), ("a_nps", "7")])
    };
    for i in 0..30 {
        let (status, html) = send(&first, answer(i)).await;
        assert_eq!(status, StatusCode::OK, "submission {i}: {html}");
    }
    assert_eq!(f.stored().await.len(), 30);

    let response = first.clone().oneshot(answer(30)).await.expect("response");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("Zu viele Anfragen"), "localized: {html}");
    assert_eq!(f.stored().await.len(), 30, "nothing stored");

    let (status, html) = send(
        &first,
        post(
            &f.url(),
            &[
                ("rid", &format!("{:032x}", 31)),
                ("a_nps", "7"),
                ("lang", "en"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Too many requests"),
        "in the respondent's language"
    );

    let (status, _) = send(&first, get(&f.url(), None)).await;
    assert_eq!(status, StatusCode::OK, "reading the survey is not limited");
    let (status, _) = send(&second, answer(32)).await;
    assert_eq!(status, StatusCode::OK, "another address has its own budget");
    assert_eq!(f.stored().await.len(), 31);
}

/// Over a real TCP listener `serve` hands the peer address to the limiter: two loopback
/// addresses get separate budgets.
#[tokio::test]
async fn over_tcp_each_client_address_has_its_own_budget() {
    let f = fixture().await;
    let settings = ServerSettings {
        public_submissions_per_minute_per_address: 1,
        ..ServerSettings::default()
    };
    let app = build_app(AppState::new(f.store.clone(), settings));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(touchpoint_server::serve(listener, app, async move {
        let _ = stopped.await;
    }));
    let client = |local: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(local))
            .build()
            .expect("client")
    };
    let post = |client: &reqwest::Client, rid: &str| {
        client
            .post(format!("http://127.0.0.1:{port}{}", f.url()))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("rid={rid}&a_nps=8"))
            .send()
    };
    let (first, second) = (client([127, 0, 0, 1]), client([127, 0, 0, 2]));
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(post(&first, &"1".repeat(32)).await.expect("post")),
        200
    );
    let limited = post(&first, &"2".repeat(32)).await.expect("post");
    assert_eq!(status(limited), 429);
    assert_eq!(
        status(post(&second, &"3".repeat(32)).await.expect("post")),
        200,
        "127.0.0.2 is another client"
    );
    assert_eq!(f.stored().await.len(), 2);
    let _ = stop.send(());
    server.await.expect("join").expect("served");
}

#[tokio::test]
async fn anonymous_surveys_say_so_and_store_nothing_identifying() {
    let f = fixture().await;
    let mut definition = definition();
    definition.anonymous = true;
    f.store
        .update_survey(
            f.survey.org_id,
            f.survey.id,
            &definition,
            None,
            &AuditContext::system(),
        )
        .await
        .expect("make anonymous");
    let (status, html) = send(&f.app, get(&f.url(), Some("de"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Diese Umfrage ist anonym"), "{html}");
    let fields = [
        ("lang", "de"),
        ("rid", "00000000000000000000000000000002"),
        ("a_nps", "2"),
        ("a_why", "Meldet euch: kunde@example.org"),
        ("website", ""),
    ];
    for _ in 0..2 {
        let (status, html) = send(&f.app, post(&f.url(), &fields)).await;
        assert_eq!(status, StatusCode::OK, "{html}");
    }
    let stored = f.stored().await;
    assert_eq!(stored.len(), 1, "a double submit still stores one response");
    assert_eq!(stored[0].answers["why"], "Meldet euch: [email]");
    assert_eq!(stored[0].submitted_at % 86_400_000, 0, "kept to the day");
}

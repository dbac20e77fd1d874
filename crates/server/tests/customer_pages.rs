//! The customer pages over real HTTP, on SQLite and PostgreSQL: the directory (search by
//! name and external id, attribute filter, cursor paging, a bad filter) and one customer's
//! timeline (attributes, consent, latest scores, events and responses newest first across
//! channels, HTML escaped, paged; another organisation's customer is a 404).

#[macro_use]
mod running;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Map, Value, json};
use touchpoint_domain::event::NewEvent;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{
    AttributeDefinition, AttributeType, CustomerDraft, Language, NewResponse, OrgId, ResponseDraft,
    SurveyDefinition,
};
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{AuditContext, Store, Survey};

on_both_backends!(
    the_timeline_shows_everything_newest_first_and_escaped,
    the_directory_searches_filters_and_pages,
);

use running::{OWNER_EMAIL as EMAIL, OWNER_PASSWORD as PASSWORD};
const DAY: i64 = 86_400_000;

struct TestApp {
    base: String,
    client: reqwest::Client,
    cookie: String,
    store: Store,
    org_id: OrgId,
    _db: TestDatabase,
}

impl TestApp {
    async fn start(backend: TestBackend) -> Option<TestApp> {
        let running = running::start(backend, true).await?;
        let base = running.base;
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("client");
        let reply = client
            .post(format!("{base}/app/login"))
            .form(&[("email", EMAIL), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign in");
        assert_eq!(reply.status(), StatusCode::SEE_OTHER);
        let cookie = reply
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        Some(TestApp {
            base,
            client,
            cookie,
            store: running.store,
            org_id: running.org_id,
            _db: running.db,
        })
    }

    async fn page(&self, path: &str) -> (StatusCode, String) {
        let reply = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("page");
        let status = reply.status();
        (status, reply.text().await.expect("body"))
    }

    async fn declare(&self, key: &str, label: &str, attribute_type: AttributeType) {
        self.store
            .define_attribute(
                self.org_id,
                &AttributeDefinition {
                    key: key.into(),
                    label: label.into(),
                    attribute_type,
                },
                &AuditContext::system(),
            )
            .await
            .expect("attribute");
    }

    async fn customers(&self, customers: Vec<Value>) {
        let lines = customers
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let draft: CustomerDraft = serde_json::from_value(v).expect("draft");
                (i as u64 + 1, Ok(draft))
            })
            .collect();
        let report = self
            .store
            .import_customers(self.org_id, lines)
            .await
            .expect("import");
        assert_eq!(report.rejected, 0, "{:?}", report.errors);
    }

    async fn touchpoint(&self, key: &str, name: &str, channel: &str) {
        self.store
            .create_touchpoint(
                self.org_id,
                &TouchpointFields {
                    name: name.into(),
                    channel: channel.into(),
                    key: Some(key.into()),
                    ..Default::default()
                },
                &AuditContext::system(),
            )
            .await
            .expect("touchpoint");
    }

    async fn survey(&self) -> Survey {
        let definition = SurveyDefinition::from_json(json!({"name": "Hotline-NPS", "languages": ["de", "en"], "questions": [
            {"id":"nps","type":"nps","required":true,"text":{"de":"Weiterempfehlen?","en":"Recommend us?"}},
            {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}))
        .expect("valid");
        self.store
            .create_survey(
                self.org_id,
                &definition,
                None,
                "hotline-token",
                &AuditContext::system(),
            )
            .await
            .expect("survey")
    }

    async fn respond(&self, survey: &Survey, customer: &str, at: i64, nps: i64, why: &str) {
        let now = touchpoint_store::now_ms();
        let mut answers = Map::new();
        answers.insert("nps".into(), json!(nps));
        answers.insert("why".into(), json!(why));
        let draft = ResponseDraft {
            answers,
            language: Some("de".into()),
            channel: Some("email".into()),
            touchpoint_id: None,
            external_id: None,
            submitted_at: chrono::DateTime::from_timestamp_millis(at).map(|t| t.to_rfc3339()),
            customer_external_id: Some(customer.into()),
        };
        let response =
            NewResponse::validate(&survey.definition, draft, "web", now).expect("valid response");
        self.store
            .submit_response(survey, response)
            .await
            .expect("stored");
    }

    async fn events(&self, events: Vec<NewEvent>) {
        let outcomes = self
            .store
            .ingest_events(self.org_id, events)
            .await
            .expect("ingest");
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, touchpoint_store::events::EventOutcome::Created(_))),
            "{outcomes:?}"
        );
    }

    async fn customer_id(&self, external_id: &str) -> String {
        self.store
            .customer_by_external_id(self.org_id, external_id)
            .await
            .expect("customer")
            .id
            .to_string()
    }
}

/// An event at `(touchpoint key, channel)`.
fn event(
    id: &str,
    customer: &str,
    (touchpoint, channel): (&str, &str),
    kind: &str,
    outcome: Option<&str>,
    at: i64,
    properties: Value,
) -> NewEvent {
    NewEvent {
        external_id: id.into(),
        customer_external_id: customer.into(),
        touchpoint: touchpoint.into(),
        channel: channel.into(),
        kind: kind.into(),
        occurred_at_ms: at,
        outcome: outcome.map(str::to_owned),
        properties: properties.as_object().cloned().unwrap_or_default(),
    }
}

/// Where `needle` first appears in `body` (panics with the body when it does not).
fn position(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("'{needle}' not on the page:\n{body}"))
}

/// The `href` of the "more" link: the one link starting with `prefix` that has a cursor.
fn more_link(body: &str, prefix: &str) -> Option<String> {
    let marker = format!("href=\"{prefix}");
    body.match_indices(&marker).find_map(|(start, _)| {
        let rest = &body[start + "href=\"".len()..];
        let link = &rest[..rest.find('"')?];
        link.contains("cursor=")
            .then(|| link.replace("&amp;", "&").replace("&#x3d;", "="))
    })
}

async fn the_timeline_shows_everything_newest_first_and_escaped(app: TestApp) {
    let now = touchpoint_store::now_ms();
    app.declare("plan", "Tarif", AttributeType::String).await;
    app.declare("churned", "Gekündigt", AttributeType::Boolean)
        .await;
    app.declare(
        "tenure_months",
        "Kunde seit (Monate)",
        AttributeType::Number,
    )
    .await;
    app.touchpoint("hotline", "Service-Hotline", "phone").await;
    app.touchpoint("shop", "Shop-Besuch", "store").await;
    app.customers(vec![
        json!({"external_id": "C-1", "name": "Alice <b>Anders</b>", "email": "alice@kunden.example",
            "language": "de", "consent_email": true, "consent_sms": false,
            "attributes": {"plan": "Premium <i>plus</i>", "churned": true, "tenure_months": 12}}),
        json!({"external_id": "C-2", "name": "Bob Berg"}),
    ])
    .await;
    let survey = app.survey().await;
    // Oldest to newest: response (NPS 9), call, response (NPS 3), shop visit.
    app.respond(
        &survey,
        "C-1",
        now - 4 * DAY,
        9,
        "Erster Kommentar, alles gut",
    )
    .await;
    app.respond(
        &survey,
        "C-1",
        now - 2 * DAY,
        3,
        "<script>alert(1)</script> Zweiter Kommentar",
    )
    .await;
    app.respond(&survey, "C-2", now - DAY, 10, "Kommentar von Bob")
        .await;
    app.events(vec![
        event(
            "e-call",
            "C-1",
            ("hotline", "phone"),
            "call.completed",
            Some("unresolved"),
            now - 3 * DAY,
            json!({"minutes": 12}),
        ),
        event(
            "e-visit",
            "C-1",
            ("shop", "store"),
            "visit.completed",
            Some("resolved"),
            now - DAY,
            json!({"note": "<img src=x onerror=alert(2)>"}),
        ),
        event(
            "e-bob",
            "C-2",
            ("shop", "store"),
            "bob.event",
            None,
            now - DAY,
            json!({}),
        ),
    ])
    .await;
    let alice = app.customer_id("C-1").await;

    let (status, body) = app.page(&format!("/app/customers/{alice}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Header: name (escaped), external id, attributes with their labels, consent, latest NPS.
    assert!(
        body.contains("Alice &#60;b&#62;Anders&#60;/b&#62;"),
        "{body}"
    );
    assert!(body.contains("<code>C-1</code>"));
    assert!(body.contains("Tarif"));
    assert!(body.contains("Premium &#60;i&#62;plus&#60;/i&#62;"));
    assert!(body.contains("Gekündigt"));
    assert!(body.contains("<th scope=\"row\">Kunde seit (Monate)</th><td>12</td>"));
    assert!(body.contains("E-Mail: ja") && body.contains("SMS: nein"));
    assert!(
        body.contains("NPS 3 <span class=\"hint\">"),
        "the latest, not the best"
    );
    assert!(body.contains("CSAT: keine"));
    // Every entry, newest first, across channels.
    let visit = position(&body, "visit.completed");
    let second = position(&body, "Zweiter Kommentar");
    let call = position(&body, "call.completed");
    let first = position(&body, "Erster Kommentar");
    assert!(visit < second && second < call && call < first, "{body}");
    assert!(body.contains("Shop-Besuch") && body.contains("Service-Hotline"));
    assert!(body.contains("Telefon") && body.contains("E-Mail"));
    assert!(body.contains("unresolved") && body.contains("minutes: 12"));
    assert!(body.contains("<span class=\"chip neg\">NPS 3</span>"));
    assert!(body.contains("<span class=\"chip pos\">NPS 9</span>"));
    // Nothing of the other customer, nothing unescaped.
    assert!(!body.contains("Kommentar von Bob") && !body.contains("bob.event"));
    assert!(!body.contains("<script>alert(1)"));
    assert!(body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!body.contains("<img src=x"));
    assert!(!body.contains("<b>Anders") && !body.contains("<i>plus"));
    // In English.
    let (_, english) = app.page(&format!("/app/customers/{alice}?lang=en")).await;
    assert!(english.contains("Timeline") && english.contains("Phone"));
    assert!(english.contains("E-mail: yes"));

    // Paged: 60 more events make 64 entries, 50 on the first page.
    let many: Vec<NewEvent> = (0..60)
        .map(|i| {
            event(
                &format!("bulk-{i:02}"),
                "C-1",
                ("hotline", "phone"),
                "usage.tick",
                None,
                now - 10 * DAY - i * 60_000,
                json!({}),
            )
        })
        .collect();
    app.events(many).await;
    let (_, page_one) = app.page(&format!("/app/customers/{alice}")).await;
    assert_eq!(page_one.matches("<li class=\"entry").count(), 50);
    assert!(page_one.find("visit.completed") < page_one.find("usage.tick"));
    let next = more_link(&page_one, &format!("/app/customers/{alice}?")).expect("more link");
    let (status, page_two) = app.page(&next).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page_two.matches("<li class=\"entry").count(), 14);
    assert!(page_one.contains("Erster Kommentar"));
    assert!(!page_two.contains("visit.completed"), "{page_two}");
    assert!(!page_two.contains("Kommentar,") && !page_two.contains("Zweiter"));
    assert!(page_two.contains("usage.tick"));
    assert!(more_link(&page_two, &format!("/app/customers/{alice}?")).is_none());

    // Unknown, malformed and other organisations' customers: 404.
    let (status, _) = app
        .page("/app/customers/018f2b6e-0000-7000-8000-000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.page("/app/customers/not-an-id").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, stored) = touchpoint_server::auth::new_api_token("other");
    let other = app
        .store
        .create_organisation(&touchpoint_store::accounts::Initialisation {
            org_name: "Other AG".into(),
            email: "owner@other.example".into(),
            display_name: "Other".into(),
            password_hash: "unused".into(),
            language: Language::De,
            token: stored,
        })
        .await
        .expect("other organisation");
    let report = app
        .store
        .import_customers(
            other.org_id,
            vec![(
                1,
                Ok(
                    serde_json::from_value(json!({"external_id": "C-1", "name": "Fremd"}))
                        .expect("draft"),
                ),
            )],
        )
        .await
        .expect("import");
    assert_eq!(report.inserted, 1);
    let foreign = app
        .store
        .customer_by_external_id(other.org_id, "C-1")
        .await
        .expect("foreign customer")
        .id;
    let (status, body) = app.page(&format!("/app/customers/{foreign}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("Fremd"));
}

async fn the_directory_searches_filters_and_pages(app: TestApp) {
    app.declare("plan", "Tarif", AttributeType::String).await;
    app.declare("churned", "Gekündigt", AttributeType::Boolean)
        .await;
    let mut customers = vec![
        json!({"external_id": "C-1", "name": "Alice Anders", "attributes": {"plan": "Premium", "churned": true}}),
        json!({"external_id": "C-2", "name": "Bob <Berg>", "email": "bob@kunden.example",
            "attributes": {"plan": "Basic", "churned": false}}),
    ];
    customers.extend(
        (0..55)
            .map(|i| json!({"external_id": format!("bulk-{i:02}"), "name": format!("Kunde {i}")})),
    );
    app.customers(customers).await;

    let (status, body) = app.page("/app/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("href=\"/app/customers\""),
        "in the navigation"
    );
    assert_eq!(body.matches("<tr><th scope=\"row\">").count(), 50);
    let next = more_link(&body, "/app/customers?").expect("more link");
    let (_, rest) = app.page(&next).await;
    assert_eq!(rest.matches("<tr><th scope=\"row\">").count(), 7);
    assert!(more_link(&rest, "/app/customers?").is_none());

    // Search: by name (any case), by external id prefix, by e-mail.
    let (_, body) = app.page("/app/customers?q=alice").await;
    assert!(body.contains("Alice Anders") && !body.contains("Bob"));
    let (_, body) = app.page("/app/customers?q=C-2").await;
    assert!(body.contains("Bob &#60;Berg&#62;") && !body.contains("Alice"));
    assert!(!body.contains("Bob <Berg>"));
    let (_, body) = app.page("/app/customers?q=bob%40kunden").await;
    assert!(body.contains("bob@kunden.example"));
    let (_, body) = app.page("/app/customers?q=bulk-5").await;
    assert_eq!(body.matches("<tr><th scope=\"row\">").count(), 5);

    // Attribute filter through the list API's checks.
    let (_, body) = app.page("/app/customers?attr=churned&value=true").await;
    assert!(body.contains("Alice Anders") && !body.contains("Bob"));
    assert!(
        body.contains("Gekündigt: ja"),
        "booleans in the page's language"
    );
    let (_, body) = app.page("/app/customers?attr=plan&value=Basic&q=b").await;
    assert!(body.contains("Bob") && !body.contains("Alice"));
    let (status, body) = app
        .page("/app/customers?attr=churned&value=vielleicht")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Der Filter ist ungültig"), "{body}");
    assert!(!body.contains("Alice Anders"));
    let (status, body) = app.page("/app/customers?attr=colour&value=red").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("colour"));
}

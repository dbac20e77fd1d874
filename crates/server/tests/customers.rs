//! The customer API over real HTTP, on SQLite and PostgreSQL: bulk upserts with per-line
//! errors, the 10,000-line limit, filters, token resources, and responses linked to customers.

#[macro_use]
mod running;

use reqwest::StatusCode;
use serde_json::{Value, json};
use touchpoint_domain::OrgId;
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{AuditContext, AuditFilter, Cursor, Store};

on_both_backends!(
    bulk_upsert_reports_each_line_and_keeps_the_valid_ones,
    bulk_over_the_line_limit_stores_nothing,
    lists_filter_by_attributes_consent_and_search,
    responses_link_to_customers,
    tokens_need_the_customers_resource,
);

struct TestApp {
    base: String,
    token: String,
    client: reqwest::Client,
    store: Store,
    org_id: OrgId,
    _db: TestDatabase,
}

impl TestApp {
    async fn start(backend: TestBackend) -> Option<TestApp> {
        let running = running::start(backend, false).await?;
        Some(TestApp {
            base: running.base,
            token: running.token,
            client: reqwest::Client::new(),
            store: running.store,
            org_id: running.org_id,
            _db: running.db,
        })
    }

    async fn send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some((content_type, bytes)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        running::reply(request).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(&self.token, reqwest::Method::GET, path, None)
            .await
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let bytes = body.to_string().into_bytes();
        self.send(&self.token, method, path, Some(("application/json", bytes)))
            .await
    }

    async fn bulk(&self, body: impl Into<Vec<u8>>) -> (StatusCode, Value) {
        self.send(
            &self.token,
            reqwest::Method::POST,
            "/customers/bulk",
            Some(("application/x-ndjson", body.into())),
        )
        .await
    }

    async fn declare(&self) {
        for (key, t) in [
            ("segment", "string"),
            ("customer_value", "number"),
            ("since", "date"),
            ("vip", "boolean"),
        ] {
            let (status, body) = self
                .json(
                    reqwest::Method::POST,
                    "/customer-attributes",
                    json!({"key": key, "type": t}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
    }

    async fn count(&self) -> i64 {
        self.store
            .count_customers(self.org_id)
            .await
            .expect("count")
    }
}

fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

async fn bulk_upsert_reports_each_line_and_keeps_the_valid_ones(app: TestApp) {
    app.declare().await;
    let mut body = ndjson(&[
        json!({"external_id":"c1","name":"Anna","attributes":{"segment":"Business","customer_value":1200}}),
        json!({"external_id":"c2","attributes":{"customer_value":"lots"}}),
        json!({"external_id":"c1","name":"Anna B."}),
        json!({"external_id":"c3","attributes":{"plan":"Gold"}}),
    ]);
    body.push_str("{\"external_id\": \"c4\",\n\n");
    body.push_str(&ndjson(&[
        json!({"external_id":"c5","since":"2024-01-01"}),
        json!({"external_id":"c6","email":"not-an-address","phone":"12"}),
        json!({"external_id":"c7","since":"x","attributes":{"since":"2024-02-30","vip":"maybe"}}),
        json!({"external_id":"c8","attributes":{"since":"2024-02-29","vip":"ja"},"consent_sms":"yes"}),
    ]));
    let (status, report) = app.bulk(body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["inserted"], 2, "{report}");
    assert_eq!(report["rejected"], 7, "{report}");
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["line"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 7, 8, 9]);
    let by_line = |n: u64| {
        report["errors"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["line"] == n))
            .cloned()
            .expect("line reported")
    };
    assert_eq!(
        by_line(2)["errors"][0]["field"],
        "attributes.customer_value"
    );
    assert_eq!(by_line(2)["external_id"], "c2");
    assert!(
        by_line(3)["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 1")),
        "{report}"
    );
    assert_eq!(by_line(4)["errors"][0]["field"], "attributes.plan");
    assert!(
        by_line(5)["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("malformed JSON"))
    );
    assert_eq!(by_line(7)["errors"][0]["field"], "since", "unknown field");
    assert_eq!(by_line(8)["errors"].as_array().map(Vec::len), Some(2));
    assert_eq!(by_line(9)["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.count().await, 2);
    let (_, c8) = app.get("/customers?q=&attr.vip=true").await;
    assert_eq!(c8["items"][0]["external_id"], "c8");
    assert_eq!(c8["items"][0]["consent_sms"], true);
    assert_eq!(
        c8["items"][0]["attributes"],
        json!({"since":"2024-02-29","vip":true})
    );

    // A replay is a no-op reported as unchanged.
    let (status, replay) = app.bulk(body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            &replay["inserted"],
            &replay["updated"],
            &replay["unchanged"]
        ),
        (&json!(0), &json!(0), &json!(2))
    );
    // One audit entry per request, none per customer.
    let audit = app
        .store
        .audit_entries(
            app.org_id,
            &AuditFilter {
                action: Some("customer".into()),
                ..AuditFilter::default()
            },
            &Cursor::start(),
            50,
        )
        .await
        .expect("audit");
    assert_eq!(audit.items.len(), 2);
    assert_eq!(audit.items[0].summary["after"]["unchanged"], 2);

    // A BOM-free empty body and a wrong media type.
    let (status, empty) = app.bulk("").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["rejected"], 0);
    let (status, problem) = app
        .json(reqwest::Method::POST, "/customers/bulk", json!({}))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
}

async fn bulk_over_the_line_limit_stores_nothing(app: TestApp) {
    let lines: Vec<Value> = (0..10_001)
        .map(|i| json!({"external_id": format!("x{i}")}))
        .collect();
    let (status, problem) = app.bulk(ndjson(&lines)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("10000") && m.contains("nothing was stored")),
        "{problem}"
    );
    assert_eq!(app.count().await, 0);
    // Exactly the limit is fine.
    let (status, report) = app.bulk(ndjson(&lines[..10_000])).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["inserted"], 10_000);
}

async fn lists_filter_by_attributes_consent_and_search(app: TestApp) {
    app.declare().await;
    let lines: Vec<Value> = (0..12)
        .map(|i| {
            json!({"external_id": format!("k{i:02}"), "name": format!("{} {i}", if i < 3 {"Zoë"} else {"Max"}),
                "consent_email": i % 2 == 0, "language": "en",
                "attributes": {"segment": if i < 6 {"Business"} else {"Private"}, "customer_value": i * 100,
                    "since": format!("2025-03-{:02}", i + 1)}})
        })
        .collect();
    let (status, _) = app.bulk(ndjson(&lines)).await;
    assert_eq!(status, StatusCode::OK);
    let ids = |body: &Value| -> Vec<String> {
        let mut ids: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["external_id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    let (_, page) = app
        .get("/customers?attr.segment=Business&consent_email=true")
        .await;
    assert_eq!(ids(&page), vec!["k00", "k02", "k04"]);
    let (_, page) = app
        .get("/customers?attr.customer_value.min=250&attr.customer_value.max=500")
        .await;
    assert_eq!(ids(&page), vec!["k03", "k04", "k05"]);
    let (_, page) = app.get("/customers?attr.since.min=2025-03-11").await;
    assert_eq!(ids(&page), vec!["k10", "k11"]);
    let (_, page) = app.get("/customers?q=zo%C3%AB&language=en").await;
    assert_eq!(ids(&page), vec!["k00", "k01", "k02"]);
    let (_, first) = app.get("/customers?limit=5").await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(5));
    let cursor = first["next_cursor"].as_str().expect("more");
    let (_, second) = app
        .get(&format!("/customers?limit=5&cursor={cursor}"))
        .await;
    assert_eq!(second["items"].as_array().map(Vec::len), Some(5));
    let id = first["items"][0]["id"].as_str().expect("id");
    let (status, one) = app.get(&format!("/customers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], id);
    for bad in [
        "/customers?attr.customer_value=abc",
        "/customers?attr.segment.min=a",
        "/customers?attr.unknown=1",
        "/customers?consent_sms=perhaps",
        "/customers?colour=red",
    ] {
        let (status, problem) = app.get(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {problem}");
    }
    let (status, _) = app
        .get("/customers/0190a5c4-0000-7000-8000-000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Upsert one: the path names the customer; a different id in the body is refused.
    let (status, problem) = app
        .json(
            reqwest::Method::PUT,
            "/customers/by-external-id/k01",
            json!({"external_id": "k02"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, updated) = app
        .json(
            reqwest::Method::PUT,
            "/customers/by-external-id/k01",
            json!({"name": "Zoë Neu", "attributes": {"customer_value": 5}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["attributes"], json!({"customer_value": 5.0}));
    let (_, page) = app.get("/customers?attr.segment=Business").await;
    assert!(
        !ids(&page).contains(&"k01".to_owned()),
        "attribute index follows updates"
    );
}

async fn responses_link_to_customers(app: TestApp) {
    let definition = touchpoint_domain::SurveyDefinition::from_json(
        json!({"name":"NPS","languages":["de"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Empfehlen?"}}]}),
    )
    .expect("survey");
    let survey = app
        .store
        .create_survey(
            app.org_id,
            &definition,
            None,
            "tok-1",
            &AuditContext::system(),
        )
        .await
        .expect("survey");
    let path = format!("/surveys/{}/responses", survey.id);
    let (status, created) = app
        .json(
            reqwest::Method::POST,
            &path,
            json!({"answers":{"nps":9},"customer_external_id":"crm-9"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, response) = app
        .get(&format!(
            "/responses/{}",
            created["id"].as_str().expect("id")
        ))
        .await;
    let customer = app
        .store
        .customer_by_external_id(app.org_id, "crm-9")
        .await
        .expect("created on the fly");
    assert_eq!(response["customer_id"], customer.id.to_string());

    let (status, _) = app
        .json(
            reqwest::Method::PUT,
            "/customer-settings",
            json!({"unknown_customers": "reject"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = app
        .json(
            reqwest::Method::POST,
            &path,
            json!({"answers":{"nps":2},"customer_external_id":"crm-unknown"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "customer_external_id");
    assert_eq!(
        app.store
            .count_responses(app.org_id, survey.id)
            .await
            .expect("count"),
        1
    );
    assert_eq!(app.count().await, 1);
    let (status, problem) = app
        .json(
            reqwest::Method::PUT,
            "/customer-settings",
            json!({"unknown_customers": "sometimes"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}

async fn tokens_need_the_customers_resource(app: TestApp) {
    let (status, narrow) = app
        .json(
            reqwest::Method::POST,
            "/tokens",
            json!({"name": "surveys only", "scope": "read_write", "resources": ["surveys"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{narrow}");
    let narrow = narrow["token"].as_str().expect("secret");
    let (status, _) = app
        .send(narrow, reqwest::Method::GET, "/customers", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .send(
            narrow,
            reqwest::Method::POST,
            "/customers/bulk",
            Some((
                "application/x-ndjson",
                b"{\"external_id\":\"a\"}\n".to_vec(),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, reader) = app
        .json(
            reqwest::Method::POST,
            "/tokens",
            json!({"name": "reader", "scope": "read_only", "resources": ["customers"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let reader = reader["token"].as_str().expect("secret");
    let (status, _) = app
        .send(reader, reqwest::Method::GET, "/customers", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .send(
            reader,
            reqwest::Method::POST,
            "/customers/bulk",
            Some((
                "application/x-ndjson",
                b"{\"external_id\":\"a\"}\n".to_vec(),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count().await, 0);
}

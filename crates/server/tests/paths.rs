//! Journey paths over real HTTP, on SQLite and PostgreSQL: top paths, funnel, metric by path and
//! the repeat-contact comparison against hand-computed numbers; bad queries with field errors;
//! department scoping as the journey map does it; and the page in German and English.

#[macro_use]
mod running;

use reqwest::StatusCode;
use serde_json::{Value, json};
use touchpoint_domain::{DepartmentScope, JourneyId, OrgId};
use touchpoint_server::journey_map::visible_journey;
use touchpoint_server::journey_paths::{PathsRequest, journey_paths};
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{AuditContext, Store};

on_both_backends!(
    paths_match_hand_computed_values,
    bad_queries_get_field_errors,
    scoped_users_see_only_their_touchpoints,
    the_page_shows_funnel_paths_and_repeat_contacts,
);

use running::OWNER_PASSWORD as PASSWORD;

struct TestApp {
    base: String,
    token: String,
    client: reqwest::Client,
    store: Store,
    org_id: OrgId,
    _db: TestDatabase,
}

/// The telco journey of the tests, as created.
struct Telco {
    journey: String,
    /// Purchase, Provisioning, Usage.
    stages: Vec<String>,
    shop: String,
    install: String,
    hotline: String,
    app: String,
    letter: String,
}

impl TestApp {
    async fn start(backend: TestBackend) -> Option<TestApp> {
        let running = running::start(backend, true).await?;
        Some(TestApp {
            base: running.base,
            token: running.token,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            store: running.store,
            org_id: running.org_id,
            _db: running.db,
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        running::reply(request).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, reply) = self.send(reqwest::Method::POST, path, Some(body)).await;
        assert!(status.is_success(), "{path}: {status} {reply}");
        reply
    }

    async fn touchpoint(&self, name: &str, department: Option<&str>) -> String {
        let created = self
            .post(
                "/touchpoints",
                json!({"name": name, "channel": "phone", "department_id": department}),
            )
            .await;
        created["id"].as_str().expect("id").to_owned()
    }

    /// Shop (purchase); install and hotline (provisioning); app (usage); a letter in no
    /// journey. `departments`: the department of the hotline, and of everything else.
    async fn telco(&self, departments: (Option<&str>, Option<&str>)) -> Telco {
        let (hotline_department, rest) = departments;
        let shop = self.touchpoint("Shop", rest).await;
        let install = self.touchpoint("Installation", rest).await;
        let hotline = self.touchpoint("Hotline", hotline_department).await;
        let app = self.touchpoint("App", rest).await;
        let letter = self.touchpoint("Letter", rest).await;
        let journey = self
            .post(
                "/journeys",
                json!({"name": "Telco", "stages": ["Purchase", "Provisioning", "Usage"]}),
            )
            .await;
        let id = journey["id"].as_str().expect("id").to_owned();
        let stages: Vec<String> = (0..3)
            .map(|i| {
                journey["stages"][i]["id"]
                    .as_str()
                    .expect("stage")
                    .to_owned()
            })
            .collect();
        let (status, laid) = self
            .send(
                reqwest::Method::PUT,
                &format!("/journeys/{id}/layout"),
                Some(json!({"stages": [
                    {"id": stages[0], "touchpoint_ids": [shop]},
                    {"id": stages[1], "touchpoint_ids": [install, hotline]},
                    {"id": stages[2], "touchpoint_ids": [app]}]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{laid}");
        let telco = Telco {
            journey: id,
            stages,
            shop,
            install,
            hotline,
            app,
            letter,
        };
        self.fill(&telco).await;
        telco
    }

    /// The events and answers of the domain's worked example (see `touchpoint_domain::paths`).
    async fn fill(&self, t: &Telco) {
        let visits: [(&str, Vec<&str>); 6] = [
            ("c1", vec![&t.shop, &t.letter, &t.install, &t.app]),
            ("c2", vec![&t.shop, &t.install, &t.install, &t.app]),
            (
                "c3",
                vec![&t.shop, &t.hotline, &t.hotline, &t.install, &t.app],
            ),
            ("c4", vec![&t.shop, &t.hotline, &t.install]),
            ("c5", vec![&t.app]),
            ("c6", vec![&t.shop]),
        ];
        let mut events = Vec::new();
        for (customer, touchpoints) in &visits {
            for (i, touchpoint) in touchpoints.iter().enumerate() {
                events.push(json!({"external_id": format!("{customer}-{i}"),
                    "customer_external_id": customer, "touchpoint": touchpoint, "channel": "web",
                    "type": "visit", "occurred_at": format!("2026-05-{:02}T10:00:00Z", 10 + i)}));
            }
        }
        // Outside the period: not part of c6's path.
        events.push(
            json!({"external_id": "c6-april", "customer_external_id": "c6",
            "touchpoint": t.hotline, "channel": "phone", "type": "call",
            "occurred_at": "2026-04-20T10:00:00Z"}),
        );
        let sent = self.post("/events", json!({"events": events})).await;
        assert_eq!(sent["created"], json!(19), "{sent}");

        let survey = self
            .post(
                "/surveys",
                json!({"name": "After install", "languages": ["en"], "touchpoint_id": t.app,
                    "questions": [{"id": "nps", "type": "nps", "required": true, "text": {"en": "Recommend?"}},
                                  {"id": "ces", "type": "ces", "text": {"en": "Easy?"}}]}),
            )
            .await;
        let survey = survey["id"].as_str().expect("survey").to_owned();
        let answers = [
            (Some("c1"), 10, &t.app),
            (Some("c2"), 9, &t.app),
            (Some("c3"), 0, &t.app),
            (Some("c3"), 3, &t.app),
            (Some("c5"), 8, &t.app),
            (Some("c4"), 6, &t.install),
            (Some("c9"), 10, &t.app),   // no path
            (Some("c1"), 0, &t.letter), // not a touchpoint of the journey
            (None, 0, &t.app),          // no customer
        ];
        for (customer, score, touchpoint) in answers {
            let mut body = json!({"answers": {"nps": score}, "touchpoint_id": touchpoint,
                "submitted_at": "2026-05-20T10:00:00Z"});
            if let Some(c) = customer {
                body["customer_external_id"] = json!(c);
            }
            self.post(&format!("/surveys/{survey}/responses"), body)
                .await;
        }
    }

    async fn sign_in(&self) -> String {
        let response = self
            .client
            .post(format!("{}/app/login", self.base))
            .form(&[("email", "admin@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        response
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_owned()
    }

    async fn page(&self, path: &str, cookie: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .expect("page");
        let status = response.status();
        (status, response.text().await.expect("html"))
    }
}

fn names(path: &Value) -> Vec<String> {
    path["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn paths_match_hand_computed_values(app: TestApp) {
    let t = app.telco((None, None)).await;
    let (status, body) = app
        .get(&format!(
            "/journeys/{}/paths?from=2026-05-01&to=2026-05-31&top=2&repeat_touchpoint={}&before_stage={}",
            t.journey, t.hotline, t.stages[2]
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["customers"], json!(6));
    // 19 events less the letter's and April's.
    assert_eq!(body["events"], json!(17));
    assert_eq!(body["distinct_paths"], json!(5));
    assert_eq!(body["other_customers"], json!(3));
    let first = &body["paths"][0];
    assert_eq!(names(first), ["Shop", "Installation", "App"]);
    let visits: Vec<&Value> = first["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| &s["visits"])
        .collect();
    assert_eq!(
        visits,
        [&json!(2), &json!(3), &json!(2)],
        "c2 installed twice in a row"
    );
    assert_eq!(first["customers"], json!(2));
    // 2 of 6, Wilson [0.0968, 0.7000] (see the domain's test for the arithmetic).
    assert_eq!(
        first["share"],
        json!({"count": 2, "of": 6, "share": 0.3333, "ci95": [0.0968, 0.7]})
    );
    assert_eq!(
        (
            first["metric"]["value"].clone(),
            first["metric"]["n"].clone()
        ),
        (json!(100.0), json!(2))
    );
    // Against the rest (0, 3, 8, 6: NPS −75): +175 points.
    assert_eq!(first["versus_rest"]["difference"], json!(175.0));
    assert_eq!(first["versus_rest"]["significant"], json!(true));
    assert_eq!(names(&body["paths"][1]), ["Shop"]);
    assert_eq!(body["paths"][1]["metric"]["n"], json!(0));
    // Every answer of customers with a path: 10, 9, 0, 3, 8, 6 → 2 promoters, 3 detractors.
    assert_eq!(body["overall"]["value"], json!(-16.7));
    assert_eq!(body["overall"]["n"], json!(6));

    let funnel = body["funnel"].as_array().expect("funnel");
    let reached: Vec<&Value> = funnel.iter().map(|f| &f["reached"]).collect();
    assert_eq!(
        reached,
        [&json!(6), &json!(5), &json!(4)],
        "c5 entered at usage"
    );
    let visited: Vec<&Value> = funnel.iter().map(|f| &f["visited"]).collect();
    assert_eq!(visited, [&json!(5), &json!(4), &json!(4)]);
    assert_eq!(funnel[0]["name"], "Purchase");
    assert_eq!(funnel[0]["continued"], json!(5));
    assert_eq!(
        funnel[0]["drop_off"],
        json!({"count": 1, "of": 6, "share": 0.1667, "ci95": [0.0301, 0.5635]})
    );
    assert_eq!(funnel[1]["drop_off"]["share"], json!(0.2));
    assert_eq!(funnel[2]["drop_off"], Value::Null);
    assert_eq!(funnel[2]["continued"], Value::Null);

    let repeat = &body["repeat"];
    assert_eq!(repeat["touchpoint_id"], json!(t.hotline));
    let groups: Vec<(Value, Value)> = repeat["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["contacts"].clone(), g["customers"].clone()))
        .collect();
    assert_eq!(
        groups,
        [
            (json!("0"), json!(3)),
            (json!("1"), json!(0)),
            (json!("2"), json!(1)),
            (json!("3+"), json!(0))
        ]
    );
    // None: 10, 9, 8 → NPS 66.7. Two calls: 0, 3 → −100. Difference −166.7, SE
    // 100·√((2/9)/3) = 27.22, interval −166.7 ± 53.3, significant.
    assert_eq!(repeat["groups"][0]["metric"]["value"], json!(66.7));
    assert_eq!(repeat["groups"][0]["versus_none"], Value::Null);
    assert_eq!(repeat["groups"][2]["metric"]["value"], json!(-100.0));
    assert_eq!(
        repeat["groups"][2]["versus_none"],
        json!({"difference": -166.7, "ci95": [-200.0, -113.3], "p_value": 0.0, "significant": true, "test": "two_sample_z"})
    );
    assert_eq!(repeat["not_reached"]["customers"], json!(2));
    assert_eq!(repeat["not_reached"]["metric"]["value"], json!(-100.0));

    // CES: nobody answered it — paths without scores, not an error; no repeat pair, no groups.
    let (status, ces) = app
        .get(&format!(
            "/journeys/{}/paths?metric=ces&from=2026-05-01&to=2026-05-31",
            t.journey
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{ces}");
    assert_eq!(ces["overall"]["n"], json!(0));
    assert_eq!(ces["repeat"], Value::Null);
    assert_eq!(
        ces["paths"].as_array().map(Vec::len),
        Some(5),
        "top defaults to 10"
    );
    // April alone: only c6's hotline call.
    let (_, april) = app
        .get(&format!(
            "/journeys/{}/paths?from=2026-04-01&to=2026-04-30",
            t.journey
        ))
        .await;
    assert_eq!(april["customers"], json!(1));
    assert_eq!(names(&april["paths"][0]), ["Hotline"]);
    let reached: Vec<&Value> = april["funnel"]
        .as_array()
        .expect("funnel")
        .iter()
        .map(|f| &f["reached"])
        .collect();
    assert_eq!(
        reached,
        [&json!(1), &json!(1), &json!(0)],
        "provisioning reached, purchase counted"
    );
}

async fn bad_queries_get_field_errors(app: TestApp) {
    let t = app.telco((None, None)).await;
    let base = format!("/journeys/{}/paths", t.journey);
    let fields = |body: &Value| -> Vec<String> {
        body["errors"]
            .as_array()
            .map(|e| {
                e.iter()
                    .map(|e| e["field"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for (query, expected) in [
        (
            "?metric=mood&top=0&from=2026-13-01",
            vec!["metric", "from", "top"],
        ),
        ("?from=2026-05-31&to=2026-05-01", vec!["from"]),
        ("?top=101", vec!["top"]),
        ("?top=ten", vec!["top"]),
    ] {
        let (status, body) = app.get(&format!("{base}{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(fields(&body), expected, "{query}: {body}");
    }
    let unknown = uuid::Uuid::now_v7();
    for (query, expected) in [
        (
            format!("?repeat_touchpoint={}", t.hotline),
            vec!["before_stage"],
        ),
        (
            format!("?before_stage={}", t.stages[2]),
            vec!["repeat_touchpoint"],
        ),
        // The letter is a touchpoint of the organisation, not of this journey.
        (
            format!(
                "?repeat_touchpoint={}&before_stage={}",
                t.letter, t.stages[2]
            ),
            vec!["repeat_touchpoint"],
        ),
        (
            format!("?repeat_touchpoint={}&before_stage={unknown}", t.hotline),
            vec!["before_stage"],
        ),
        (
            "?repeat_touchpoint=x&before_stage=y".to_owned(),
            vec!["repeat_touchpoint", "before_stage"],
        ),
        // The hotline lies in provisioning itself.
        (
            format!(
                "?repeat_touchpoint={}&before_stage={}",
                t.hotline, t.stages[1]
            ),
            vec!["repeat_touchpoint"],
        ),
    ] {
        let (status, body) = app.get(&format!("{base}{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(fields(&body), expected, "{query}: {body}");
    }
    let (status, _) = app.get(&format!("/journeys/{unknown}/paths")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/journeys/not-an-id/paths").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not an id: no such journey");
    // The shop and the install both precede usage; a valid pair answers.
    let (status, body) = app
        .get(&format!(
            "{base}?repeat_touchpoint={}&before_stage={}",
            t.shop, t.stages[2]
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn scoped_users_see_only_their_touchpoints(app: TestApp) {
    let ctx = AuditContext::system();
    let service = app
        .store
        .create_department(app.org_id, "care", "Care", &ctx)
        .await
        .expect("department");
    let sales = app
        .store
        .create_department(app.org_id, "retail", "Retail", &ctx)
        .await
        .expect("department");
    let (service_id, sales_id) = (service.id.to_string(), sales.id.to_string());
    let t = app.telco((Some(&sales_id), Some(&service_id))).await;
    let journey_id: JourneyId = t.journey.parse().expect("id");
    let journey = app
        .store
        .journey(app.org_id, journey_id)
        .await
        .expect("journey");
    let scope = DepartmentScope::Only(vec![service.id]);
    let visible = visible_journey(&app.store, app.org_id, journey, &scope)
        .await
        .expect("visible");
    let request = PathsRequest {
        kind: touchpoint_domain::metrics::MetricKind::Nps,
        from_day: touchpoint_domain::period::day_of_date(
            chrono::NaiveDate::from_ymd_opt(2026, 5, 1).expect("date"),
        ),
        to_day: touchpoint_domain::period::day_of_date(
            chrono::NaiveDate::from_ymd_opt(2026, 5, 31).expect("date"),
        ),
        top: 10,
        repeat: None,
    };
    let paths = journey_paths(&app.store, app.org_id, &scope, visible.clone(), request)
        .await
        .expect("paths");
    let json = touchpoint_server::journey_paths::paths_json(&paths);
    // Without the hotline c3 walked shop → install → app like c1 and c2; c4 shop → install.
    assert_eq!(names(&json["paths"][0]), ["Shop", "Installation", "App"]);
    assert_eq!(json["paths"][0]["customers"], json!(3));
    assert!(
        !json.to_string().contains("Hotline"),
        "the sales touchpoint never shows: {json}"
    );
    assert_eq!(
        json["events"],
        json!(14),
        "17 less c3's and c4's three hotline calls"
    );
    // The pair is checked against the journey as the scoped user sees it.
    let refused = touchpoint_server::journey_paths::resolve_repeat(
        &visible,
        Some(&t.hotline),
        Some(&t.stages[2]),
    )
    .expect_err("hotline invisible");
    assert_eq!(refused[0].field, "repeat_touchpoint");
    // Unscoped, the hotline is there.
    let (_, all) = app
        .get(&format!(
            "/journeys/{}/paths?from=2026-05-01&to=2026-05-31",
            t.journey
        ))
        .await;
    assert_eq!(all["paths"][0]["customers"], json!(2));
}

async fn the_page_shows_funnel_paths_and_repeat_contacts(app: TestApp) {
    let t = app.telco((None, None)).await;
    let cookie = app.sign_in().await;
    let (status, html) = app
        .page(&format!("/app/journeys/{}?lang=en", t.journey), &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            r#"<a href="/app/journeys/{}/paths?metric=nps">Paths and drop-off</a>"#,
            t.journey
        )),
        "the map links the paths"
    );
    let page = format!(
        "/app/journeys/{}/paths?lang=en&from=2026-05-01&to=2026-05-31&repeat_touchpoint={}&before_stage={}",
        t.journey, t.hotline, t.stages[2]
    );
    let (status, html) = app.page(&page, &cookie).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Stage funnel"));
    assert!(
        html.contains(r#"<rect class="fill" width="200.0" height="14"/>"#),
        "full bar for the first stage"
    );
    assert!(
        html.contains(r#"<rect class="fill" width="133.3" height="14"/>"#),
        "4 of 6 reached usage"
    );
    assert!(
        html.contains("16.7 % [3.0; 56.4] (1 / 6)"),
        "drop-off after purchase"
    );
    assert!(
        html.contains(
            "Shop → Installation <span class=\"tag\" title=\"contacts\">×1.5</span> → App"
        ),
        "{html}"
    );
    assert!(html.contains("33.3 % [9.7; 70.0]"));
    assert!(html.contains("<th scope=\"row\">3+</th>"));
    assert!(html.contains("−166.7 [−200.0; −113.3]"));
    assert!(html.contains("Stage not reached"));
    assert!(!html.contains("<script"), "no script");

    let (status, html) = app
        .page(
            &format!(
                "/app/journeys/{}/paths?lang=de&from=2026-05-01&to=2026-05-31&metric=csat",
                t.journey
            ),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Phasen-Trichter"));
    assert!(html.contains("16,7 % [3,0; 56,4] (1 / 6)"));
    assert!(html.contains("<strong>CSAT</strong>"));

    // A bad pair: the page says why and still shows the rest.
    let (status, html) = app
        .page(
            &format!(
                "/app/journeys/{}/paths?lang=en&repeat_touchpoint={}&before_stage={}",
                t.journey, t.hotline, t.stages[1]
            ),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("repeat_touchpoint: lies in before_stage itself"),
        "{html}"
    );
    assert!(html.contains("Stage funnel"));
    let (status, _) = app
        .page(
            &format!("/app/journeys/{}/paths", uuid::Uuid::now_v7()),
            &cookie,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

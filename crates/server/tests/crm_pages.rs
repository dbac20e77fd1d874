//! The CRM pages in-process: the at-risk table (order, links to the customer page, German and
//! English) and the segment form (create, refuse with every problem, edit pre-filled, delete).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use support::{get, hotline_survey, organisation, send, sign_in};
use touchpoint_domain::{AttributeDefinition, AttributeType, Language, NewResponse, ResponseDraft};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::AuditContext;

fn csrf_token(html: &str) -> String {
    let (_, rest) = html
        .split_once(r#"name="_csrf" value=""#)
        .expect("the page has a CSRF field");
    rest.split('"').next().expect("value").to_owned()
}

fn form(uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string(pairs).expect("form"),
        ))
        .expect("request")
}

#[tokio::test]
async fn at_risk_and_segment_pages() {
    let (_db, store, org_id) = organisation(Language::En, true).await;
    for (key, t) in [
        ("plan", AttributeType::String),
        ("customer_value", AttributeType::Number),
    ] {
        store
            .define_attribute(
                org_id,
                &AttributeDefinition {
                    key: key.into(),
                    label: key.replace('_', " "),
                    attribute_type: t,
                },
                &AuditContext::system(),
            )
            .await
            .expect("define");
    }
    let lines = [
        json!({"external_id": "k1", "name": "Kim <Kunde>", "attributes": {"plan": "Business", "customer_value": 900}}),
        json!({"external_id": "k2", "name": "Lea", "attributes": {"plan": "Private", "customer_value": 4000}}),
        json!({"external_id": "k3", "name": "Max", "attributes": {"plan": "Business", "customer_value": 7000}}),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, v)| (i as u64 + 1, Ok(serde_json::from_value(v).expect("draft"))))
    .collect();
    store.import_customers(org_id, lines).await.expect("import");
    let survey = hotline_survey(&store, org_id, "Hotline NPS", "tok-crm").await;
    for (who, nps) in [("k1", 2), ("k2", 5), ("k3", 10)] {
        let draft: ResponseDraft = serde_json::from_value(
            json!({"answers": {"nps": nps}, "customer_external_id": who, "submitted_at": "2026-11-03T08:00:00Z"}),
        )
        .expect("draft");
        let response =
            NewResponse::validate(&survey.definition, draft, "api", touchpoint_store::now_ms())
                .expect("valid");
        store
            .submit_response(&survey, response)
            .await
            .expect("submit");
    }
    let app = build_app(AppState::new(store.clone(), ServerSettings::default()));
    let cookie = sign_in(&app).await;

    // At risk: Lea (4000) before Kim (900); Max is a promoter. Names are escaped.
    let (status, _, html) = send(&app, get("/app/at-risk?lang=en", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let lea = html.find("Lea").expect("Lea listed");
    let kim = html
        .find("Kim &#60;Kunde&#62;")
        .expect("Kim listed, escaped");
    assert!(lea < kim, "most valuable first");
    assert!(!html.contains(">Max<"), "a promoter is not at risk");
    let k2 = store
        .customer_by_external_id(org_id, "k2")
        .await
        .expect("k2");
    assert!(html.contains(&format!("href=\"/app/customers/{}\"", k2.id)));
    assert!(html.contains("NPS detractor") && html.contains("on 2026-11-03 · Hotline"));
    let (_, _, asc) = send(
        &app,
        get(
            "/app/at-risk?value=customer_value&order=value_asc",
            Some(&cookie),
        ),
    )
    .await;
    assert!(asc.find("Kim &#60;").expect("Kim") < asc.find("Lea").expect("Lea"));
    let (_, _, german) = send(&app, get("/app/at-risk?lang=de", Some(&cookie))).await;
    assert!(german.contains("Gefährdete Kunden") && german.contains("NPS-Kritiker"));

    // Segments: a refused form keeps what was typed and names every problem.
    let (status, _, html) = send(&app, get("/app/segments?lang=en", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No segments yet."));
    let csrf = csrf_token(&html);
    let (status, _, refused) = send(
        &app,
        form(
            "/app/segments",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("name", "Business detractors"),
                ("attr_key_0", "customer_value"),
                ("attr_op_0", "equals"),
                ("attr_value_0", "lots"),
                ("attr_key_1", ""),
                ("attr_op_1", "equals"),
                ("csat_min", "9"),
                ("intent", "save"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("conditions[0].equals") && refused.contains("conditions[1].min"));
    assert!(refused.contains("value=\"Business detractors\""));
    assert!(store.segments(org_id).await.expect("segments").is_empty());
    let (status, headers, _) = send(
        &app,
        form(
            "/app/segments",
            &cookie,
            &[
                ("_csrf", &csrf),
                ("name", "Business detractors"),
                ("attr_key_0", "plan"),
                ("attr_op_0", "one_of"),
                ("attr_value_0", "Business, Gold"),
                ("attr_key_1", "customer_value"),
                ("attr_op_1", "between"),
                ("attr_value_1", "500"),
                ("attr_to_1", ""),
                ("nps", "detractor"),
                ("contacts_days", "30"),
                ("contacts_max", "5"),
                ("intent", "save"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some("/app/segments?done=saved")
    );
    let segments = store.segments(org_id).await.expect("segments");
    assert_eq!(segments.len(), 1);
    assert_eq!(
        touchpoint_domain::segment::conditions_json(&segments[0].conditions),
        json!([
            {"type": "attribute", "key": "plan", "one_of": ["Business", "Gold"]},
            {"type": "attribute", "key": "customer_value", "min": 500.0, "max": null},
            {"type": "nps_category", "one_of": ["detractor"]},
            {"type": "contacts", "days": 30, "min": null, "max": 5},
        ])
    );
    let id = segments[0].id;
    let (_, _, list) = send(&app, get("/app/segments?done=saved", Some(&cookie))).await;
    assert!(list.contains("Segment saved.") && list.contains("plan is one of Business, Gold"));
    assert!(
        list.contains(r#"<td class="num">1</td>"#),
        "one member: Kim"
    );
    // Only Kim is a Business detractor worth at least 500.
    let (_, _, members) = send(
        &app,
        get(
            &format!("/app/at-risk?value=customer_value&segment={id}"),
            Some(&cookie),
        ),
    )
    .await;
    assert!(members.contains("Kim &#60;Kunde&#62;") && !members.contains("Lea"));
    // The edit form is filled in; saving changes, deleting removes.
    let (status, _, edit) = send(&app, get(&format!("/app/segments/{id}"), Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        edit.contains("value=\"Business, Gold\"") && edit.contains("value=\"detractor\" checked")
    );
    let (status, _, _) = send(
        &app,
        form(
            &format!("/app/segments/{id}"),
            &cookie,
            &[("_csrf", &csrf), ("name", "Everyone"), ("intent", "save")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let changed = store.segment(org_id, id).await.expect("segment");
    assert_eq!(
        (changed.name.as_str(), changed.conditions.len()),
        ("Everyone", 0)
    );
    let (status, _, _) = send(
        &app,
        form(
            &format!("/app/segments/{id}"),
            &cookie,
            &[("_csrf", &csrf), ("intent", "delete")],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(store.segments(org_id).await.expect("segments").is_empty());
    let (status, _, _) = send(&app, get(&format!("/app/segments/{id}"), Some(&cookie))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

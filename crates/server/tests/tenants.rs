//! Tenant isolation: two organisations, each with departments, touchpoints, surveys,
//! responses, users, tokens and audit entries. For every API route and every app page, each
//! organisation's owner (who may do everything in their own organisation) reaches for the
//! other's data: lists, exports and pages must not contain the other's ids or name, and
//! naming the other's objects must answer 404 (422 where the id is a field of a body) and
//! change nothing. A route not covered here fails the test.

mod authz;

use authz::{Fixture, Org, call, fixture, organisation, post_form};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use touchpoint_store::testing::TestBackend;

/// What a route must do when the caller reaches for the other organisation.
#[derive(Clone, Copy, Debug)]
enum Probe {
    /// 200 (or 201/204), and the body holds nothing of the other organisation.
    Clean(u16),
    /// The other organisation's object in the path: 404.
    NotFound,
    /// The other organisation's object as a body field or filter: this status.
    Refused(u16),
}

use Probe::{Clean, NotFound, Refused};

const API: &[(&str, &str, Probe)] = &[
    ("get", "/openapi.json", Clean(200)),
    ("get", "/surveys", Clean(200)),
    ("post", "/surveys", Refused(422)),
    ("get", "/surveys/{id}", NotFound),
    ("put", "/surveys/{id}", NotFound),
    ("post", "/surveys/{id}/close", NotFound),
    ("post", "/surveys/{id}/responses", NotFound),
    ("get", "/surveys/{id}/responses.csv", NotFound),
    ("get", "/responses", Clean(200)),
    ("get", "/responses/{id}", NotFound),
    ("get", "/touchpoints", Clean(200)),
    ("post", "/touchpoints", Refused(422)),
    ("get", "/touchpoints/{id}", NotFound),
    ("put", "/touchpoints/{id}", NotFound),
    ("get", "/metrics", NotFound),
    ("get", "/text/themes", NotFound),
    ("get", "/text/recurring", NotFound),
    ("get", "/text/emerging", NotFound),
    ("get", "/text/status", Clean(200)),
    ("get", "/tokens", Clean(200)),
    ("post", "/tokens", Clean(201)),
    ("delete", "/tokens/{id}", NotFound),
    ("get", "/audit", Clean(200)),
    ("get", "/audit.csv", Clean(200)),
    ("get", "/departments", Clean(200)),
    ("post", "/departments", Clean(201)),
    ("put", "/departments/{id}", NotFound),
    ("delete", "/departments/{id}", NotFound),
    ("get", "/users", Clean(200)),
    ("put", "/users/{id}/role", NotFound),
    ("get", "/invitations", Clean(200)),
    ("post", "/invitations", Clean(201)),
    ("delete", "/invitations/{id}", NotFound),
    ("post", "/users/{id}/deactivate", NotFound),
    ("post", "/users/{id}/reactivate", NotFound),
    ("get", "/mail", Clean(200)),
    ("get", "/retention", Clean(200)),
    ("get", "/retention/runs", Clean(200)),
    ("post", "/retention/runs", Clean(202)),
    ("put", "/retention/{data_class}", Clean(200)),
    // Retention policies belong to the caller's organisation: this removes one's own.
    ("delete", "/retention/{data_class}", Clean(204)),
    ("get", "/journeys", Clean(200)),
    ("post", "/journeys", Clean(201)),
    ("get", "/journeys/{id}", NotFound),
    ("put", "/journeys/{id}", NotFound),
    ("delete", "/journeys/{id}", NotFound),
    ("post", "/journeys/{id}/stages", NotFound),
    ("put", "/journeys/{id}/stages/{stage_id}", NotFound),
    ("delete", "/journeys/{id}/stages/{stage_id}", NotFound),
    ("put", "/journeys/{id}/layout", NotFound),
    ("get", "/journeys/{id}/map", NotFound),
    ("get", "/journeys/{id}/paths", NotFound),
    ("get", "/customer-attributes", Clean(200)),
    ("post", "/customer-attributes", Clean(201)),
    ("get", "/customer-settings", Clean(200)),
    ("put", "/customer-settings", Clean(200)),
    ("get", "/customers", Clean(200)),
    ("post", "/customers/bulk", Clean(415)),
    ("get", "/customers/{id}", NotFound),
    ("delete", "/customers/{id}", NotFound),
    ("get", "/customers/{id}/export", NotFound),
    ("get", "/customers/{id}/timeline", NotFound),
    // Upserting the other's external id creates a customer of one's own.
    ("put", "/customers/by-external-id/{external_id}", Clean(201)),
    // An event at the other's touchpoint is rejected on its own, nothing shown.
    ("post", "/events", Clean(200)),
    // Limited to the other's segment.
    ("get", "/customers/at-risk", NotFound),
    ("get", "/segments", Clean(200)),
    ("post", "/segments", Clean(201)),
    ("get", "/segments/{id}", NotFound),
    ("put", "/segments/{id}", NotFound),
    ("delete", "/segments/{id}", NotFound),
    ("get", "/segments/{id}/customers", NotFound),
];

const PAGES: &[(&str, &str, Probe)] = &[
    ("get", "/app", Clean(200)),
    ("get", "/app/comments", Clean(200)),
    ("get", "/app/audit", Clean(200)),
    ("get", "/app/audit.csv", Clean(200)),
    ("get", "/app/surveys/{id}", NotFound),
    ("get", "/app/surveys/{id}/responses.csv", NotFound),
    ("get", "/app/departments", Clean(200)),
    ("post", "/app/departments", Clean(303)),
    ("post", "/app/departments/{id}", NotFound),
    ("get", "/app/roles", Clean(200)),
    ("post", "/app/roles/{id}", NotFound),
    ("get", "/app/users", Clean(200)),
    ("post", "/app/users/invite", Clean(303)),
    ("post", "/app/users/{id}/deactivate", NotFound),
    ("post", "/app/users/{id}/reactivate", NotFound),
    ("post", "/app/invitations/{id}/revoke", NotFound),
    ("post", "/app/invitations/{id}/resend", NotFound),
    ("get", "/app/account", Clean(200)),
    ("post", "/app/account/password", Clean(403)),
    ("post", "/app/account/totp/enable", Clean(422)),
    ("post", "/app/account/totp/disable", Clean(403)),
    ("get", "/app/journeys", Clean(200)),
    ("post", "/app/journeys", Clean(303)),
    ("get", "/app/journeys/{id}", NotFound),
    ("get", "/app/journeys/{id}/paths", NotFound),
    ("post", "/app/journeys/{id}/edit", NotFound),
    ("get", "/app/customers", Clean(200)),
    ("get", "/app/customers/{id}", NotFound),
    ("get", "/app/tokens", Clean(200)),
    ("post", "/app/tokens", Clean(201)),
    ("post", "/app/tokens/{id}/revoke", NotFound),
    ("get", "/app/retention", Clean(200)),
    ("post", "/app/retention", Clean(303)),
    ("get", "/app/at-risk", Clean(200)),
    ("get", "/app/segments", Clean(200)),
    ("post", "/app/segments", Clean(303)),
    ("get", "/app/segments/{id}", NotFound),
    ("post", "/app/segments/{id}", NotFound),
    // Last: it ends the prober's own sessions.
    ("post", "/app/account/sessions", Clean(303)),
];

/// What the tenant test adds to an organisation besides the shared fixture: a journey with a
/// stage, a customer with an event, an invitation and a retention policy.
struct Extras {
    journey: String,
    stage: String,
    customer: String,
    customer_external_id: String,
    invitation: String,
    segment: String,
    markers: BTreeSet<String>,
}

async fn extras(fx: &Fixture, org: &Org, tag: &str) -> Extras {
    let token = Some(org.owner_token());
    let post = |uri: String, body: Value| async move {
        let reply = call(&fx.app, "post", &uri, token, None, Some(body)).await;
        assert!(
            reply.status.is_success(),
            "{uri}: {} {}",
            reply.status,
            reply.text
        );
        reply.json()
    };
    let journey = post(
        "/api/v1/journeys".into(),
        json!({"name": format!("Journey of {tag}"), "stages": ["Stage"]}),
    )
    .await;
    let journey_id = journey["id"].as_str().expect("journey").to_owned();
    let stage = journey["stages"][0]["id"]
        .as_str()
        .expect("stage")
        .to_owned();
    let layout = call(
        &fx.app,
        "put",
        &format!("/api/v1/journeys/{journey_id}/layout"),
        token,
        None,
        Some(json!({"stages": [{"id": stage, "touchpoint_ids": [org.own_touchpoint]}]})),
    )
    .await;
    assert!(layout.status.is_success(), "{}", layout.text);
    let external_id = format!("customer-{tag}");
    let customer = call(
        &fx.app,
        "put",
        &format!("/api/v1/customers/by-external-id/{external_id}"),
        token,
        None,
        Some(json!({"name": format!("Customer of {tag}"), "email": format!("customer@{tag}.example")})),
    )
    .await;
    assert!(customer.status.is_success(), "{}", customer.text);
    let customer_id = customer.json()["id"].as_str().expect("customer").to_owned();
    post(
        "/api/v1/events".into(),
        json!({"events": [{"external_id": format!("evt-{tag}"), "customer_external_id": external_id,
            "touchpoint": org.own_touchpoint, "channel": "web", "type": "visit",
            "occurred_at": "2026-01-01T00:00:00Z"}]}),
    )
    .await;
    let invitation = post(
        "/api/v1/invitations".into(),
        json!({"email": format!("invitee@{tag}.example"), "role": "viewer"}),
    )
    .await;
    let invitation_id = invitation["id"].as_str().expect("invitation").to_owned();
    let policy = call(
        &fx.app,
        "put",
        "/api/v1/retention/responses",
        token,
        None,
        Some(json!({"action": "delete", "days": 3650})),
    )
    .await;
    assert!(policy.status.is_success(), "{}", policy.text);
    let declared = call(
        &fx.app,
        "post",
        "/api/v1/customer-attributes",
        token,
        None,
        Some(json!({"key": "customer_value", "type": "number"})),
    )
    .await;
    assert!(declared.status.is_success(), "{}", declared.text);
    let segment = post(
        "/api/v1/segments".into(),
        json!({"name": format!("Segment of {tag}"), "conditions": [
            {"type": "attribute", "key": "customer_value", "min": 0}]}),
    )
    .await;
    let segment_id = segment["id"].as_str().expect("segment").to_owned();
    let markers = [
        segment_id.clone(),
        format!("Segment of {tag}"),
        journey_id.clone(),
        stage.clone(),
        format!("Journey of {tag}"),
        customer_id.clone(),
        format!("Customer of {tag}"),
        format!("customer@{tag}.example"),
        format!("evt-{tag}"),
        invitation_id.clone(),
        format!("invitee@{tag}.example"),
    ]
    .into();
    Extras {
        journey: journey_id,
        stage,
        customer: customer_id,
        customer_external_id: external_id,
        invitation: invitation_id,
        segment: segment_id,
        markers,
    }
}

/// Everything that would betray the organisation: its name and every id it holds.
fn markers(org: &Org) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = [
        org.name.clone(),
        org.org_id.to_string(),
        org.own_touchpoint.to_string(),
        org.other_touchpoint.to_string(),
        org.own_survey.to_string(),
        org.other_survey.to_string(),
        org.closable_survey.to_string(),
        org.own_response.to_string(),
        org.other_response.to_string(),
        org.subject.to_string(),
    ]
    .into();
    set.extend(org.departments.values().map(|d| d.to_string()));
    set.extend(org.spare_departments.values().map(|d| d.to_string()));
    set.extend(org.victim_tokens.values().map(|t| t.to_string()));
    set.extend(org.actors.values().map(|a| a.user_id.to_string()));
    set
}

/// The request `me`'s owner sends for a route template, aimed at `them`.
fn api_request(
    me: &Org,
    them: &Org,
    extra: &Extras,
    method: &str,
    path: &str,
) -> (String, Option<Value>) {
    let uri = path
        .replace(
            "/users/{id}/deactivate",
            &format!("/users/{}/deactivate", them.subject),
        )
        .replace(
            "/users/{id}/reactivate",
            &format!("/users/{}/reactivate", them.subject),
        )
        .replace(
            "/invitations/{id}",
            &format!("/invitations/{}", extra.invitation),
        )
        .replace("/journeys/{id}", &format!("/journeys/{}", extra.journey))
        .replace("/segments/{id}", &format!("/segments/{}", extra.segment))
        .replace("{stage_id}", &extra.stage)
        .replace("/customers/{id}", &format!("/customers/{}", extra.customer))
        .replace("{external_id}", &extra.customer_external_id)
        .replace(
            "/retention/{data_class}",
            if method == "delete" {
                "/retention/responses"
            } else {
                "/retention/comments"
            },
        )
        .replace("/surveys/{id}", &format!("/surveys/{}", them.other_survey))
        .replace(
            "/responses/{id}",
            &format!("/responses/{}", them.own_response),
        )
        .replace(
            "/touchpoints/{id}",
            &format!("/touchpoints/{}", them.own_touchpoint),
        )
        .replace(
            "/tokens/{id}",
            &format!("/tokens/{}", them.victim_tokens["owner"]),
        )
        .replace(
            "/departments/{id}",
            &format!("/departments/{}", them.spare_departments["owner"]),
        )
        .replace("/users/{id}", &format!("/users/{}", them.subject));
    let uri = match path {
        "/metrics" | "/text/themes" | "/text/recurring" | "/text/emerging" => {
            format!("{uri}?survey_id={}", them.own_survey)
        }
        "/customers/at-risk" => format!("{uri}?value=customer_value&segment={}", extra.segment),
        _ => uri,
    };
    let survey = |touchpoint| {
        json!({"name": "Probe", "languages": ["en"], "touchpoint_id": touchpoint, "questions": [
        {"id":"nps","type":"nps","required":true,"text":{"en":"Recommend us?"}}]})
    };
    let body = match (method, path) {
        // Attaching to the other's touchpoint.
        ("post", "/surveys") => Some(survey(them.own_touchpoint)),
        ("put", "/surveys/{id}") => Some(survey(me.own_touchpoint)),
        ("post", "/surveys/{id}/responses") => Some(json!({"answers": {"nps": 9}})),
        // Placing a touchpoint in the other's department.
        ("post", "/touchpoints") => Some(json!({
            "name": "Probe", "channel": "web", "department_id": them.departments["service"],
        })),
        ("put", "/touchpoints/{id}") => Some(json!({"name": "Probe", "channel": "web"})),
        ("post", "/tokens") => {
            Some(json!({"name": "probe", "scope": "read_only", "resources": ["*"]}))
        }
        ("post", "/departments") => Some(json!({"key": "probe", "name": "Probe"})),
        ("put", "/departments/{id}") => Some(json!({"name": "Probe"})),
        ("put", "/users/{id}/role") => Some(json!({"role": "admin"})),
        ("post", "/invitations") => Some(json!({"email": "probe@example.com", "role": "viewer"})),
        ("put", "/retention/{data_class}") => Some(json!({"action": "anonymise", "days": 400})),
        ("post", "/journeys") => Some(json!({"name": "Probe journey"})),
        ("put", "/journeys/{id}") => Some(json!({"name": "Probe"})),
        ("post", "/journeys/{id}/stages") | ("put", "/journeys/{id}/stages/{stage_id}") => {
            Some(json!({"name": "Probe"}))
        }
        ("put", "/journeys/{id}/layout") => Some(json!({"stages": []})),
        ("post", "/customer-attributes") => {
            Some(json!({"key": "probe", "label": "Probe", "type": "string"}))
        }
        ("put", "/customer-settings") => Some(json!({"unknown_customers": "create"})),
        ("post", "/customers/bulk") => Some(json!({"external_id": "x"})),
        ("put", "/customers/by-external-id/{external_id}") => Some(json!({"name": "Probe"})),
        ("post", "/segments") | ("put", "/segments/{id}") => Some(json!({"name": "Probe segment"})),
        ("post", "/events") => Some(json!({"events": [{
            "external_id": "probe-event", "customer_external_id": "probe-customer",
            "touchpoint": them.own_touchpoint, "channel": "web", "type": "visit",
            "occurred_at": "2026-01-01T00:00:00Z"}]})),
        _ => None,
    };
    (format!("/api/v1{uri}"), body)
}

fn leaks(body: &str, foreign: &BTreeSet<String>) -> Vec<String> {
    foreign
        .iter()
        .filter(|m| body.contains(m.as_str()))
        .cloned()
        .collect()
}

fn judge(probe: Probe, status: u16, body: &str, foreign: &BTreeSet<String>) -> Option<String> {
    match probe {
        Clean(expected) if status != expected => Some(format!("expected {expected}, got {status}")),
        Clean(_) => {
            let found = leaks(body, foreign);
            (!found.is_empty()).then(|| format!("shows the other organisation's {found:?}"))
        }
        NotFound if status != 404 => Some(format!("expected 404, got {status}: {body}")),
        Refused(expected) if status != expected => {
            Some(format!("expected {expected}, got {status}: {body}"))
        }
        _ => None,
    }
}

/// What a refused probe must have left untouched.
async fn snapshot(fx: &Fixture, org: &Org) -> String {
    let mut out = String::new();
    for uri in [
        "/api/v1/surveys",
        "/api/v1/touchpoints",
        "/api/v1/responses",
        "/api/v1/departments",
        "/api/v1/users",
    ] {
        let reply = call(&fx.app, "get", uri, Some(org.owner_token()), None, None).await;
        out.push_str(&reply.text);
    }
    let tokens = call(
        &fx.app,
        "get",
        "/api/v1/tokens",
        Some(org.owner_token()),
        None,
        None,
    )
    .await;
    // Last use times change with every call; revocations must not.
    let revoked: Vec<Value> = tokens.json()["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| json!([t["id"], t["revoked_at"]]))
        .collect();
    out.push_str(&json!(revoked).to_string());
    out
}

async fn isolation(backend: TestBackend) {
    let Some(fx) = fixture(backend).await else {
        return;
    };
    let acme = organisation(&fx, "Acme", "acme").await;
    let globex = organisation(&fx, "Globex", "globex").await;
    let acme_extra = extras(&fx, &acme, "acme").await;
    let globex_extra = extras(&fx, &globex, "globex").await;
    let mut problems = Vec::new();

    let routed: BTreeSet<(&str, &str)> = touchpoint_server::api::routes()
        .list()
        .iter()
        .copied()
        .collect();
    for (method, path) in &routed {
        if !API.iter().any(|(m, p, _)| m == method && p == path) {
            problems.push(format!("{method} {path}: not covered by the tenant test"));
        }
    }
    let pages: BTreeSet<(&str, &str)> = touchpoint_server::web::PAGE_PERMISSIONS
        .iter()
        .map(|(m, p, _)| (*m, *p))
        .collect();
    for (method, path) in &pages {
        if !PAGES.iter().any(|(m, p, _)| m == method && p == path) {
            problems.push(format!(
                "{method} {path}: page not covered by the tenant test"
            ));
        }
    }

    for (me, them, extra, own) in [
        (&acme, &globex, &globex_extra, &acme_extra),
        (&globex, &acme, &acme_extra, &globex_extra),
    ] {
        let mut foreign = markers(them);
        foreign.extend(extra.markers.iter().cloned());
        let before = snapshot(&fx, them).await;
        for (method, path, probe) in API {
            let (uri, body) = api_request(me, them, extra, method, path);
            let reply = call(&fx.app, method, &uri, Some(me.owner_token()), None, body).await;
            if let Some(problem) = judge(*probe, reply.status.as_u16(), &reply.text, &foreign) {
                problems.push(format!(
                    "{} {uri} as {}: {problem}",
                    method.to_uppercase(),
                    me.name
                ));
            }
        }
        for (method, path, probe) in PAGES {
            let cookie = &me.actor("owner").cookie;
            let (uri, fields) = match (*method, *path) {
                ("post", "/app/departments") => (
                    (*path).to_owned(),
                    vec![
                        ("key", "web-probe".to_owned()),
                        ("name", "Probe".to_owned()),
                    ],
                ),
                ("post", "/app/departments/{id}") => (
                    format!("/app/departments/{}", them.departments["sales"]),
                    vec![("name", "Probe".to_owned())],
                ),
                ("post", "/app/roles/{id}") => (
                    format!("/app/roles/{}", them.subject),
                    vec![("role", "admin".to_owned())],
                ),
                ("post", "/app/users/invite") => (
                    (*path).to_owned(),
                    vec![
                        ("email", "web-probe@example.com".to_owned()),
                        ("role", "viewer".to_owned()),
                        ("language", "en".to_owned()),
                    ],
                ),
                ("post", "/app/users/{id}/deactivate") | ("post", "/app/users/{id}/reactivate") => {
                    (path.replace("{id}", &them.subject.to_string()), Vec::new())
                }
                ("post", "/app/invitations/{id}/revoke")
                | ("post", "/app/invitations/{id}/resend") => {
                    (path.replace("{id}", &extra.invitation), Vec::new())
                }
                ("post", "/app/account/password") => (
                    (*path).to_owned(),
                    vec![
                        ("current", "wrong".to_owned()),
                        ("password", "long enough password".to_owned()),
                    ],
                ),
                ("post", "/app/account/totp/enable") | ("post", "/app/account/totp/disable") => (
                    (*path).to_owned(),
                    vec![
                        ("code", "000000".to_owned()),
                        ("password", "wrong".to_owned()),
                    ],
                ),
                ("get", "/app/journeys/{id}") => {
                    (format!("/app/journeys/{}", extra.journey), Vec::new())
                }
                ("get", "/app/journeys/{id}/paths") => {
                    (format!("/app/journeys/{}/paths", extra.journey), Vec::new())
                }
                ("get", "/app/customers/{id}") => {
                    (format!("/app/customers/{}", extra.customer), Vec::new())
                }
                ("post", "/app/journeys/{id}/edit") => (
                    format!("/app/journeys/{}/edit", extra.journey),
                    vec![
                        ("intent", "add_stage".to_owned()),
                        ("name", "Probe".to_owned()),
                    ],
                ),
                ("post", "/app/journeys") => {
                    ((*path).to_owned(), vec![("name", "Web probe".to_owned())])
                }
                ("post", "/app/tokens") => (
                    (*path).to_owned(),
                    vec![
                        ("name", "probe".to_owned()),
                        ("scope", "read_only".to_owned()),
                        ("resources", "*".to_owned()),
                    ],
                ),
                ("post", "/app/tokens/{id}/revoke") => (
                    format!("/app/tokens/{}/revoke", them.victim_tokens["owner"]),
                    Vec::new(),
                ),
                ("post", "/app/retention") => {
                    ((*path).to_owned(), vec![("intent", "run".to_owned())])
                }
                ("post", "/app/segments") => {
                    ((*path).to_owned(), vec![("name", "Web probe".to_owned())])
                }
                ("get", "/app/segments/{id}") => {
                    (format!("/app/segments/{}", extra.segment), Vec::new())
                }
                ("post", "/app/segments/{id}") => (
                    format!("/app/segments/{}", extra.segment),
                    vec![("intent", "delete".to_owned())],
                ),
                _ => (
                    path.replace("{id}", &them.own_survey.to_string()),
                    Vec::new(),
                ),
            };
            let reply = if *method == "post" {
                post_form(&fx.app, &uri, cookie, &fields).await
            } else {
                call(&fx.app, method, &uri, None, Some(cookie), None).await
            };
            if let Some(problem) = judge(*probe, reply.status.as_u16(), &reply.text, &foreign) {
                problems.push(format!(
                    "{} {uri} as {}: {problem}",
                    method.to_uppercase(),
                    me.name
                ));
            }
        }
        // A role change naming the other organisation's department is refused.
        let reply = call(
            &fx.app,
            "put",
            &format!("/api/v1/users/{}/role", me.subject),
            Some(me.owner_token()),
            None,
            Some(json!({"role": "agent", "departments": [them.departments["service"]]})),
        )
        .await;
        if reply.status.as_u16() != 422 {
            problems.push(format!(
                "{}: foreign department in a role change: {}",
                me.name, reply.status
            ));
        }
        // Filters naming the other's objects.
        for uri in [
            format!("/api/v1/responses?survey_id={}", them.own_survey),
            format!("/api/v1/responses?touchpoint_id={}", them.own_touchpoint),
            format!("/api/v1/responses?segment={}", extra.segment),
            format!("/api/v1/customers?segment={}", extra.segment),
            format!(
                "/api/v1/journeys/{}/map?segment={}",
                own.journey, extra.segment
            ),
            format!(
                "/api/v1/metrics?survey_id={}&segment={}",
                me.own_survey, extra.segment
            ),
        ] {
            let reply = call(&fx.app, "get", &uri, Some(me.owner_token()), None, None).await;
            if !matches!(reply.status.as_u16(), 404 | 422) {
                problems.push(format!("GET {uri} as {}: {}", me.name, reply.status));
            }
        }
        if snapshot(&fx, them).await != before {
            problems.push(format!("{}'s probes changed {}'s data", me.name, them.name));
        }
    }
    assert!(
        problems.is_empty(),
        "tenant isolation is broken:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn tenants_are_isolated_sqlite() {
    isolation(TestBackend::Sqlite).await;
}

#[tokio::test]
async fn tenants_are_isolated_postgres() {
    isolation(TestBackend::Postgres).await;
}

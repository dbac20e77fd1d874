//! Fixtures for the permission-matrix and tenant-isolation tests: an organisation with two
//! departments' worth of data (touchpoint, survey, response each in `service` and `sales`),
//! one user per role (scoped to `service` and unscoped where the role allows), a full-grant
//! API token and a web session for each, and an in-process app to call.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{
    ApiTokenId, DepartmentId, Language, OrgId, ResponseId, Role, SurveyDefinition, SurveyId,
    TokenGrant, TouchpointId, UserId,
};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::accounts::{Initialisation, Principal};
use touchpoint_store::testing::{TestBackend, TestDatabase, add_user};
use touchpoint_store::{AuditContext, Store};
use tower::ServiceExt;

/// The principals of the matrix, in column order: `role` or `role@service` (limited to the
/// service department). Owners and admins cannot be limited.
pub const PRINCIPALS: [&str; 8] = [
    "owner",
    "admin",
    "analyst",
    "analyst@service",
    "agent",
    "agent@service",
    "viewer",
    "viewer@service",
];

/// One user of the fixture: their API token and web session cookie.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub token: String,
    pub cookie: String,
}

/// An organisation with data in two departments.
pub struct Org {
    pub org_id: OrgId,
    pub name: String,
    pub actors: BTreeMap<&'static str, Actor>,
    pub departments: BTreeMap<String, DepartmentId>,
    /// Touchpoint, survey and response of the `service` department.
    pub own_touchpoint: TouchpointId,
    pub own_survey: SurveyId,
    pub own_response: ResponseId,
    /// Touchpoint, survey and response of the `sales` department.
    pub other_touchpoint: TouchpointId,
    pub other_survey: SurveyId,
    pub other_response: ResponseId,
    /// A survey (on `sales`) the matrix may close.
    pub closable_survey: SurveyId,
    /// Per principal: an unused department it may try to delete.
    pub spare_departments: BTreeMap<&'static str, DepartmentId>,
    /// Per principal: an owner's token it may try to revoke.
    pub victim_tokens: BTreeMap<&'static str, ApiTokenId>,
    /// A viewer whose role the matrix may try to set.
    pub subject: UserId,
}

impl Org {
    pub fn actor(&self, principal: &str) -> &Actor {
        &self.actors[principal]
    }

    pub fn owner_token(&self) -> &str {
        &self.actors["owner"].token
    }
}

pub struct Fixture {
    pub app: Router,
    pub store: Store,
    pub _db: TestDatabase,
}

pub async fn fixture(backend: TestBackend) -> Option<Fixture> {
    let db = TestDatabase::fresh(backend).await?;
    let store = db.open().await;
    let app = build_app(AppState::new(store.clone(), ServerSettings::default()));
    Some(Fixture {
        app,
        store,
        _db: db,
    })
}

fn role_of(principal: &str) -> Role {
    let name = principal.split('@').next().unwrap_or(principal);
    Role::parse(name).unwrap_or_else(|| panic!("unknown role in {principal}"))
}

async fn token_for(
    store: &Store,
    org_id: OrgId,
    user_id: UserId,
    name: &str,
) -> (ApiTokenId, String) {
    let (secret, stored) = touchpoint_server::auth::new_api_token(name);
    let id = store
        .create_api_token(
            Principal { org_id, user_id },
            &stored,
            &TokenGrant::full(),
            None,
            &AuditContext::system(),
        )
        .await
        .expect("token");
    (id, secret)
}

async fn session_for(store: &Store, org_id: OrgId, user_id: UserId) -> String {
    let (id, hash) = touchpoint_server::auth::new_session_id();
    store
        .create_session(
            &hash,
            Principal { org_id, user_id },
            touchpoint_store::now_ms() + 3_600_000,
        )
        .await
        .expect("session");
    format!("{}={id}", touchpoint_server::web::session::COOKIE)
}

/// Creates organisation `name` (the first one through `initialise`, later ones through
/// `create_organisation`) with everything [`Org`] describes. `tag` keeps e-mails unique.
pub async fn organisation(fx: &Fixture, name: &str, tag: &str) -> Org {
    let store = &fx.store;
    let (owner_secret, stored) = touchpoint_server::auth::new_api_token("owner");
    let init = Initialisation {
        org_name: name.to_owned(),
        email: format!("owner@{tag}.example"),
        display_name: format!("Owner of {name}"),
        password_hash: "not used".to_owned(),
        language: Language::En,
        token: stored,
    };
    let done = if store.is_initialised().await.expect("initialised?") {
        store.create_organisation(&init).await
    } else {
        store.initialise(&init).await
    }
    .expect("organisation");
    let org_id = done.org_id;
    let departments: BTreeMap<String, DepartmentId> = store
        .departments(org_id)
        .await
        .expect("departments")
        .into_iter()
        .map(|d| (d.key, d.id))
        .collect();
    let service = departments["service"];
    let sales = departments["sales"];

    let mut actors = BTreeMap::new();
    actors.insert(
        "owner",
        Actor {
            user_id: done.user_id,
            token: owner_secret,
            cookie: session_for(store, org_id, done.user_id).await,
        },
    );
    for principal in PRINCIPALS.iter().skip(1) {
        let scope: Vec<DepartmentId> = if principal.ends_with("@service") {
            vec![service]
        } else {
            Vec::new()
        };
        let email = format!("{}@{tag}.example", principal.replace('@', "."));
        let user_id = add_user(
            store,
            org_id,
            &email,
            role_of(principal),
            "not used",
            &scope,
        )
        .await;
        let (_, token) = token_for(store, org_id, user_id, principal).await;
        actors.insert(
            *principal,
            Actor {
                user_id,
                token,
                cookie: session_for(store, org_id, user_id).await,
            },
        );
    }
    let subject = add_user(
        store,
        org_id,
        &format!("subject@{tag}.example"),
        Role::Viewer,
        "not used",
        &[],
    )
    .await;

    let context = AuditContext::system();
    let touchpoint = |label: &str, department| {
        let fields = TouchpointFields {
            name: format!("{label} desk of {name}"),
            channel: "phone".into(),
            ..Default::default()
        };
        async move {
            store
                .create_touchpoint_in(org_id, &fields, Some(department), &AuditContext::system())
                .await
                .expect("touchpoint")
                .id
        }
    };
    let own_touchpoint = touchpoint("Service", service).await;
    let other_touchpoint = touchpoint("Sales", sales).await;
    let definition = SurveyDefinition::from_json(
        json!({"name": format!("NPS {name}"), "languages": ["en"], "questions": [
        {"id":"nps","type":"nps","required":true,"text":{"en":"Recommend us?"}},
        {"id":"why","type":"text","text":{"en":"Why?"}}]}),
    )
    .expect("valid");
    let survey = |touchpoint| {
        let definition = definition.clone();
        let context = context.clone();
        async move {
            store
                .create_survey(
                    org_id,
                    &definition,
                    Some(touchpoint),
                    &touchpoint_server::auth::new_public_token(),
                    &context,
                )
                .await
                .expect("survey")
                .id
        }
    };
    let own_survey = survey(own_touchpoint).await;
    let other_survey = survey(other_touchpoint).await;
    let closable_survey = survey(other_touchpoint).await;

    let mut org = Org {
        org_id,
        name: name.to_owned(),
        actors,
        departments,
        own_touchpoint,
        own_survey,
        own_response: ResponseId::from_uuid(uuid_nil()),
        other_touchpoint,
        other_survey,
        other_response: ResponseId::from_uuid(uuid_nil()),
        closable_survey,
        spare_departments: BTreeMap::new(),
        victim_tokens: BTreeMap::new(),
        subject,
    };
    org.own_response = respond(fx, &org, own_survey, &format!("slow hotline at {name}")).await;
    org.other_response = respond(fx, &org, other_survey, &format!("pushy sales at {name}")).await;
    for principal in PRINCIPALS {
        let key = format!("spare-{}", principal.replace('@', "-"));
        let spare = store
            .create_department(org_id, &key, &format!("Spare {principal}"), &context)
            .await
            .expect("spare department");
        org.spare_departments.insert(principal, spare.id);
        let (victim, _) =
            token_for(store, org_id, done.user_id, &format!("victim {principal}")).await;
        org.victim_tokens.insert(principal, victim);
    }
    org
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}

/// Submits one detractor response through the API as the owner.
async fn respond(fx: &Fixture, org: &Org, survey: SurveyId, why: &str) -> ResponseId {
    let reply = call(
        &fx.app,
        "post",
        &format!("/api/v1/surveys/{survey}/responses"),
        Some(org.owner_token()),
        None,
        Some(json!({"answers": {"nps": 3, "why": why}})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("response id")
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// One in-process request with an optional bearer token, session cookie and JSON body.
pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        content_type,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A form post from the signed-in app: the session cookie plus its CSRF token.
pub async fn post_form(app: &Router, uri: &str, cookie: &str, fields: &[(&str, String)]) -> Reply {
    let session = cookie.split_once('=').map(|(_, v)| v).unwrap_or_default();
    let mut pairs: Vec<(&str, String)> = vec![(
        touchpoint_server::web::csrf::FIELD,
        touchpoint_server::web::csrf::token(session),
    )];
    pairs.extend(fields.iter().cloned());
    let body = serde_urlencoded::to_string(&pairs).expect("form");
    let request = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        content_type,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

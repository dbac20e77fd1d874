//! Fixtures shared by the in-process web tests: an organisation whose owner can sign in, and a
//! Hotline NPS survey with a free-text question.

#![allow(dead_code)]

use serde_json::json;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{Language, OrgId, SurveyDefinition};
use touchpoint_store::AuditContext;
use touchpoint_store::accounts::{Initialisation, NewApiToken};
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{Store, Survey};

pub const EMAIL: &str = "owner@example.com";
pub const PASSWORD: &str = "correct horse battery";

/// A fresh SQLite store with one organisation. Its owner signs in with [`EMAIL`] and
/// [`PASSWORD`] when `with_password` (hashing is slow in debug builds, so only when needed).
pub async fn organisation(language: Language, with_password: bool) -> (TestDatabase, Store, OrgId) {
    let db = TestDatabase::fresh(TestBackend::Sqlite)
        .await
        .expect("sqlite is always available");
    let store = db.open().await;
    let password_hash = if with_password {
        touchpoint_server::auth::hash_password(PASSWORD).expect("hash")
    } else {
        "not used here".to_owned()
    };
    let init = store
        .initialise(&Initialisation {
            org_name: "Test".into(),
            email: EMAIL.into(),
            display_name: "Olga Owner".into(),
            password_hash,
            language,
            token: NewApiToken {
                name: "t".into(),
                prefix: "tp_x".into(),
                hash: "h".into(),
            },
        })
        .await
        .expect("initialise");
    (db, store, init.org_id)
}

/// A "Hotline" touchpoint and an NPS survey named `name` on it, with a `why` text question.
pub async fn hotline_survey(store: &Store, org_id: OrgId, name: &str, token: &str) -> Survey {
    let hotline = store
        .create_touchpoint(
            org_id,
            &TouchpointFields {
                name: "Hotline".into(),
                channel: "phone".into(),
            },
            &AuditContext::system(),
        )
        .await
        .expect("touchpoint");
    let definition = SurveyDefinition::from_json(json!({"name": name, "languages": ["de", "en"], "questions": [
        {"id":"nps","type":"nps","required":true,"text":{"de":"Weiterempfehlen?","en":"Recommend us?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}))
    .expect("valid");
    store
        .create_survey(
            org_id,
            &definition,
            Some(hotline.id),
            token,
            &AuditContext::system(),
        )
        .await
        .expect("survey")
}

//! Storage tests run on both backends: each `async fn name(store, db)` becomes one test on
//! SQLite and one on PostgreSQL (which returns early where no PostgreSQL is configured).

#![allow(dead_code)]

use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{OrgId, TouchpointId};
use touchpoint_store::accounts::{Initialisation, NewApiToken};
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{AuditContext, Store};

/// Declares one test per backend for each `async fn(Store, TestDatabase)` named.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::both::run(touchpoint_store::testing::TestBackend::Sqlite, super::$name).await }
            )*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::both::run(touchpoint_store::testing::TestBackend::Postgres, super::$name).await }
            )*
        }
    };
}

/// Declares one test per backend for each `async fn(TestDatabase)` named: a fresh database
/// that no store has opened yet (migration tests bring it to an older version first).
#[allow(unused_macros)] // only some test files have migration tests
macro_rules! on_both_backends_unopened {
    ($($name:ident),* $(,)?) => {
        mod sqlite_unopened {
            $(#[tokio::test]
            async fn $name() { super::both::run_unopened(touchpoint_store::testing::TestBackend::Sqlite, super::$name).await }
            )*
        }
        mod postgres_unopened {
            $(#[tokio::test]
            async fn $name() { super::both::run_unopened(touchpoint_store::testing::TestBackend::Postgres, super::$name).await }
            )*
        }
    };
}

/// Runs `test` on a fresh, unopened database of `backend`, if that backend is available here.
pub async fn run_unopened<F, Fut>(backend: TestBackend, test: F)
where
    F: FnOnce(TestDatabase) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(db) = TestDatabase::fresh(backend).await {
        test(db).await;
    }
}

/// Runs `test` on a fresh database of `backend`, if that backend is available here.
pub async fn run<F, Fut>(backend: TestBackend, test: F)
where
    F: FnOnce(Store, TestDatabase) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(db) = TestDatabase::fresh(backend).await else {
        return;
    };
    let store = db.open().await;
    test(store.clone(), db).await;
    store.close().await;
}

/// An organisation with its owner (`email`) and an API token stored as `token_hash`.
pub fn initialisation(org_name: &str, email: &str, token_hash: &str) -> Initialisation {
    Initialisation {
        org_name: org_name.into(),
        email: email.into(),
        display_name: "Admin".into(),
        password_hash: "$argon2id$fake".into(),
        language: touchpoint_domain::Language::De,
        token: NewApiToken {
            name: "init".into(),
            prefix: "tp_abc".into(),
            hash: token_hash.into(),
        },
    }
}

/// A web touchpoint named `name`.
pub async fn touchpoint(store: &Store, org_id: OrgId, name: &str) -> TouchpointId {
    store
        .create_touchpoint(
            org_id,
            &TouchpointFields {
                name: name.into(),
                channel: "web".into(),
                ..Default::default()
            },
            &AuditContext::system(),
        )
        .await
        .expect("touchpoint")
        .id
}

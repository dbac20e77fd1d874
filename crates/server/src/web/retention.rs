//! `/app/retention`: how long comments and responses are kept, and what happens to them
//! afterwards; the latest runs with what each did; a run on demand. Owners and admins only.

use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::rfc3339;
use crate::i18n::{self, Texts};
use crate::limits::PeerAddress;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use touchpoint_domain::Language;
use touchpoint_domain::retention::{
    DataClass, MAX_DAYS, MIN_DAYS, RetentionAction, RetentionPolicy,
};
use touchpoint_store::StoreError;

const RECENT_RUNS: usize = 20;

struct ClassView {
    key: &'static str,
    name: &'static str,
    explanation: &'static str,
    actions: Vec<(&'static str, &'static str, bool)>,
    days: String,
    active: bool,
}

struct RunView {
    started_at: String,
    lines: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "web/retention.html")]
struct RetentionPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    classes: Vec<ClassView>,
    runs: Vec<RunView>,
    notice: String,
    problems: Vec<String>,
    min_days: i64,
    max_days: i64,
}

fn class_texts(t: &'static Texts, class: DataClass) -> (&'static str, &'static str) {
    match class {
        DataClass::Comments => (t.retention_comments, t.retention_comments_explained),
        DataClass::Responses => (t.retention_responses, t.retention_responses_explained),
    }
}

fn action_text(t: &'static Texts, action: RetentionAction) -> &'static str {
    match action {
        RetentionAction::Delete => t.retention_delete,
        RetentionAction::Anonymise => t.retention_anonymise,
    }
}

fn notice_of(raw: Option<&str>, t: &'static Texts) -> String {
    let done = raw
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "done").map(|(_, v)| v));
    match done.as_deref() {
        Some("saved") => t.retention_saved.to_owned(),
        Some("removed") => t.retention_removed.to_owned(),
        Some("queued") => t.retention_queued.to_owned(),
        _ => String::new(),
    }
}

async fn render_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    status: StatusCode,
    notice: String,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let t = i18n::texts(language);
    let org_id = signed_in.user.org_id;
    let policies = state
        .store
        .retention_policies(org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let runs = state
        .store
        .retention_runs(org_id, RECENT_RUNS)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let classes = DataClass::ALL
        .into_iter()
        .map(|class| {
            let current = policies.iter().find(|p| p.policy.class == class);
            let (name, explanation) = class_texts(t, class);
            ClassView {
                key: class.as_str(),
                name,
                explanation,
                actions: class
                    .actions()
                    .iter()
                    .map(|a| {
                        let selected = current.is_some_and(|p| p.policy.action == *a);
                        (a.as_str(), action_text(t, *a), selected)
                    })
                    .collect(),
                days: current
                    .map(|p| p.policy.days.to_string())
                    .unwrap_or_default(),
                active: current.is_some(),
            }
        })
        .collect();
    let runs = runs
        .iter()
        .map(|run| RunView {
            started_at: rfc3339(run.started_at),
            lines: run
                .report
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|item| {
                            let class = item["data_class"].as_str().and_then(DataClass::parse);
                            let action = item["action"].as_str().and_then(RetentionAction::parse);
                            let name = class.map(|c| class_texts(t, c).0).unwrap_or("?");
                            let verb = action.map(|a| action_text(t, a)).unwrap_or("?");
                            format!(
                                "{name}: {verb} — {} ({} {})",
                                item["affected"],
                                t.retention_older_than,
                                item["cutoff"].as_i64().map(rfc3339).unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let page = RetentionPage {
        lang: language.as_str(),
        t,
        chrome: Chrome::new(language, signed_in, "/app/retention"),
        classes,
        runs,
        notice,
        problems,
        min_days: MIN_DAYS,
        max_days: MAX_DAYS,
    };
    Ok(render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let notice = notice_of(raw.as_deref(), i18n::texts(language));
    let response = render_page(
        &state,
        &signed_in,
        language,
        StatusCode::OK,
        notice,
        Vec::new(),
    )
    .await?;
    Ok(with_language_cookie(response, remember))
}

/// One form posts here: `intent` is `save`, `remove` or `run`.
pub async fn submit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let t = i18n::texts(language);
    let form = super::form::Form::parse(&body);
    let field = |name: &str| form.text(name);
    let org_id = signed_in.user.org_id;
    let context = signed_in.audit(peer.0);
    let invalid = |problems: Vec<String>| {
        render_page(
            &state,
            &signed_in,
            language,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            problems,
        )
    };
    if field("intent") == "run" {
        touchpoint_jobs::retention::request_run(&state.store, org_id, &context)
            .await
            .map_err(|e| WebError::internal(language, e))?;
        return Ok(Redirect::to("/app/retention?done=queued").into_response());
    }
    let Some(class) = DataClass::parse(&field("data_class")) else {
        return invalid(vec![t.retention_unknown_class.to_owned()]).await;
    };
    match field("intent").as_str() {
        "remove" => {
            match state
                .store
                .remove_retention_policy(org_id, class, &context)
                .await
            {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(WebError::internal(language, e)),
            }
            Ok(Redirect::to("/app/retention?done=removed").into_response())
        }
        "save" => {
            let days = field("days").parse::<i64>().unwrap_or(0);
            match RetentionPolicy::new(class, &field("action"), days) {
                Ok(policy) => {
                    state
                        .store
                        .set_retention_policy(org_id, &policy, &context)
                        .await
                        .map_err(|e| WebError::internal(language, e))?;
                    Ok(Redirect::to("/app/retention?done=saved").into_response())
                }
                Err(errors) => {
                    let problems = errors
                        .iter()
                        .map(|e| match e.field.as_str() {
                            "days" => {
                                format!("{} ({MIN_DAYS}–{MAX_DAYS})", t.retention_days_invalid)
                            }
                            _ => t.retention_action_invalid.to_owned(),
                        })
                        .collect();
                    invalid(problems).await
                }
            }
        }
        _ => invalid(vec![t.retention_unknown_class.to_owned()]).await,
    }
}

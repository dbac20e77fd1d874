//! `/app/audit`: the organisation's audit log, searchable, with a CSV export. Needs
//! `read_audit` (see `PAGE_PERMISSIONS`); read-only (the database refuses changes to entries anyway).

use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::audit::{AuditQuery, csv_response, filter};
use crate::api::error::ApiError;
use crate::api::rfc3339;
use crate::i18n::{self, Texts};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use touchpoint_store::{AuditRecord, Cursor};

const PAGE: usize = 100;

struct EntryView {
    at: String,
    action: String,
    interface: String,
    actor: String,
    target: String,
    address: String,
    summary: String,
}

#[derive(askama::Template)]
#[template(path = "web/audit.html")]
struct AuditPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    action: String,
    actor: String,
    target_id: String,
    from: String,
    to: String,
    filtered: bool,
    problems: Vec<String>,
    entries: Vec<EntryView>,
    more_href: String,
    export_href: String,
}

fn view(e: &AuditRecord) -> EntryView {
    let actor = match (e.actor_user_id, e.actor_token_id) {
        (Some(user), Some(token)) => format!("{user} / {token}"),
        (Some(user), None) => user.to_string(),
        (None, Some(token)) => token.to_string(),
        (None, None) => "—".to_owned(),
    };
    EntryView {
        at: rfc3339(e.at),
        action: e.action.clone(),
        interface: e.interface.clone(),
        actor,
        target: match (&e.target_type, &e.target_id) {
            (Some(kind), Some(id)) => format!("{kind} {id}"),
            _ => String::new(),
        },
        address: e.address.clone().unwrap_or_default(),
        summary: e.summary.to_string(),
    }
}

fn query_of(raw: Option<&str>) -> AuditQuery {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// The query string of the filters (for the next page and the export).
fn filter_query(q: &AuditQuery) -> String {
    let pairs: Vec<(&str, &str)> = [
        ("action", &q.action),
        ("actor", &q.actor),
        ("target_id", &q.target_id),
        ("from", &q.from),
        ("to", &q.to),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let q = query_of(raw.as_deref());
    let filters = filter_query(&q);
    let (status, problems, entries, more_href) = match filter(&q) {
        Ok(audit_filter) => {
            let cursor = q
                .cursor
                .as_deref()
                .and_then(Cursor::parse)
                .unwrap_or_else(Cursor::start);
            let page = state
                .store
                .audit_entries(signed_in.user.org_id, &audit_filter, &cursor, PAGE)
                .await
                .map_err(|e| WebError::internal(language, e))?;
            let more = page
                .next_cursor
                .map(|c| {
                    let cursor = serde_urlencoded::to_string([("cursor", c)]).unwrap_or_default();
                    if filters.is_empty() {
                        format!("/app/audit?{cursor}")
                    } else {
                        format!("/app/audit?{filters}&{cursor}")
                    }
                })
                .unwrap_or_default();
            (
                StatusCode::OK,
                Vec::new(),
                page.items.iter().map(view).collect(),
                more,
            )
        }
        Err(ApiError::Validation(errors)) => (
            StatusCode::BAD_REQUEST,
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            Vec::new(),
            String::new(),
        ),
        Err(other) => return Err(WebError::internal(language, format!("{other:?}"))),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let page = AuditPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        chrome: Chrome::new(language, &signed_in, "/app/audit"),
        action: text(&q.action),
        actor: text(&q.actor),
        target_id: text(&q.target_id),
        from: text(&q.from),
        to: text(&q.to),
        filtered: !filters.is_empty(),
        problems,
        entries,
        more_href,
        export_href: if filters.is_empty() {
            "/app/audit.csv".to_owned()
        } else {
            format!("/app/audit.csv?{filters}")
        },
    };
    Ok(with_language_cookie(render(status, &page), remember))
}

/// The API's streamed CSV export, authorised by the session instead of a bearer token.
pub async fn export_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query_of(raw.as_deref());
    filter(&q)
        .and_then(|f| csv_response(state, signed_in.user.org_id, f))
        .into_response()
}

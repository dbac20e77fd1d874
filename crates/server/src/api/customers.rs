//! The customer directory: attribute definitions, customers (get, list with filters, upsert
//! one, bulk upsert as streamed NDJSON) and the policy for responses naming unknown customers.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller, page_limit, parse_cursor, parse_id};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::customer::{AttributeDefinitionDraft, MAX_BATCH_LINES, MAX_DEFINITIONS};
use touchpoint_domain::{
    AttributeDefinition, AttributeType, AttributeValue, BatchReport, CustomerDraft, CustomerId,
    FieldError, Language, UnknownCustomers, ValidCustomer,
};
use touchpoint_store::{
    AttributeFilter, AuditEntry, Customer, CustomerQuery, StoreError, UpsertOutcome,
};

/// Longest line of a bulk request; a longer line is rejected on its own.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Largest bulk request body.
pub const MAX_BULK_BYTES: usize = 64 * 1024 * 1024;

pub fn customer_json(c: &Customer) -> Value {
    json!({
        "id": c.id, "external_id": c.external_id, "email": c.email, "phone": c.phone,
        "name": c.name, "language": c.language, "consent_email": c.consent_email,
        "consent_sms": c.consent_sms, "consent_in_app": c.consent_in_app,
        "attributes": c.attributes,
        "created_at": rfc3339(c.created_at), "updated_at": rfc3339(c.updated_at),
    })
}

fn definition_json(d: &AttributeDefinition) -> Value {
    json!({"key": d.key, "label": d.label, "type": d.attribute_type.as_str()})
}

pub async fn attributes(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let definitions = state
        .store
        .attribute_definitions(caller.principal.org_id)
        .await?;
    let items: Vec<Value> = definitions.iter().map(definition_json).collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn define_attribute(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<AttributeDefinitionDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let org_id = caller.principal.org_id;
    let definition = AttributeDefinition::validate(draft).map_err(ApiError::Validation)?;
    if state.store.attribute_definitions(org_id).await?.len() >= MAX_DEFINITIONS {
        return Err(ApiError::field(
            "key",
            format!("an organisation may declare at most {MAX_DEFINITIONS} attributes"),
        ));
    }
    let stored = state
        .store
        .define_attribute(org_id, &definition, &caller.audit())
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => ApiError::Conflict(format!(
                "the attribute '{}' is already declared",
                definition.key
            )),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(definition_json(&stored))))
}

pub async fn settings(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let policy = state
        .store
        .unknown_customers(caller.principal.org_id)
        .await?;
    Ok(Json(json!({"unknown_customers": policy.as_str()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    unknown_customers: String,
}

pub async fn update_settings(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<SettingsInput>,
) -> ApiResult<Json<Value>> {
    let policy = UnknownCustomers::parse(&input.unknown_customers)
        .ok_or_else(|| ApiError::field("unknown_customers", "must be create or reject"))?;
    state
        .store
        .set_unknown_customers(caller.principal.org_id, policy, &caller.audit())
        .await?;
    Ok(Json(json!({"unknown_customers": policy.as_str()})))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id: CustomerId = parse_id(&id, "customer")?;
    let customer = state
        .store
        .customer(caller.principal.org_id, id)
        .await
        .map_err(not_found)?;
    Ok(Json(customer_json(&customer)))
}

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::NotFound("customer"),
        other => other.into(),
    }
}

/// Replaces (or creates) the customer with this external id.
pub async fn upsert(
    State(state): State<AppState>,
    caller: Caller,
    Path(external_id): Path<String>,
    ApiJson(mut draft): ApiJson<CustomerDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let org_id = caller.principal.org_id;
    if draft
        .external_id
        .as_ref()
        .is_some_and(|body| *body != external_id)
    {
        return Err(ApiError::field(
            "external_id",
            "differs from the external id in the path",
        ));
    }
    draft.external_id = Some(external_id);
    let definitions = state.store.attribute_definitions(org_id).await?;
    let customer = ValidCustomer::validate(draft, &definitions).map_err(ApiError::Validation)?;
    let outcome = state
        .store
        .upsert_customers(org_id, &[&customer])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("an upsert without an outcome".to_owned()))?;
    let stored = state
        .store
        .customer(org_id, outcome.id())
        .await
        .map_err(not_found)?;
    let status = match outcome {
        UpsertOutcome::Inserted(_) => StatusCode::CREATED,
        UpsertOutcome::Updated(_) | UpsertOutcome::Unchanged(_) => StatusCode::OK,
    };
    Ok((status, Json(customer_json(&stored))))
}

/// Parses the query of `GET /customers` against the organisation's definitions.
pub(crate) fn customer_query(
    pairs: &[(String, String)],
    definitions: &[AttributeDefinition],
) -> Result<(CustomerQuery, Option<usize>, Option<String>), ApiError> {
    let bad = |m: String| ApiError::BadRequest(m);
    let flag = |name: &str, raw: &str| {
        touchpoint_domain::customer::parse_bool(raw)
            .ok_or_else(|| bad(format!("{name} must be true or false")))
    };
    let mut query = CustomerQuery::default();
    let (mut limit, mut cursor) = (None, None);
    for (name, raw) in pairs {
        match name.as_str() {
            "limit" => {
                limit = Some(
                    raw.parse()
                        .map_err(|_| bad("limit must be a number".to_owned()))?,
                )
            }
            "cursor" => cursor = Some(raw.clone()),
            "q" => query.search = Some(raw.clone()),
            "language" => {
                query.language = Some(
                    Language::parse(raw).ok_or_else(|| bad("language must be de or en".into()))?,
                )
            }
            "consent_email" => query.consent_email = Some(flag(name, raw)?),
            "consent_sms" => query.consent_sms = Some(flag(name, raw)?),
            "consent_in_app" => query.consent_in_app = Some(flag(name, raw)?),
            other => {
                let Some(spec) = other.strip_prefix("attr.") else {
                    return Err(bad(format!("unknown query parameter '{other}'")));
                };
                let (key, bound) = match spec.rsplit_once('.') {
                    Some((key, bound @ ("min" | "max"))) => (key, Some(bound)),
                    _ => (spec, None),
                };
                let definition = definitions
                    .iter()
                    .find(|d| d.key == key)
                    .ok_or_else(|| bad(format!("'{key}' is not a declared attribute")))?;
                let value = AttributeValue::parse_text(definition.attribute_type, raw)
                    .map_err(|m| bad(format!("{other}: {m}")))?;
                match bound {
                    None => query.attributes.push(AttributeFilter::Equals {
                        key: key.to_owned(),
                        value,
                    }),
                    Some(bound) => {
                        if !matches!(
                            definition.attribute_type,
                            AttributeType::Number | AttributeType::Date
                        ) {
                            return Err(bad(format!(
                                "{other}: ranges apply to number and date attributes only"
                            )));
                        }
                        let n = value.filter_number();
                        let (min, max) = if bound == "min" { (n, None) } else { (None, n) };
                        query.attributes.push(AttributeFilter::Range {
                            key: key.to_owned(),
                            min,
                            max,
                        });
                    }
                }
            }
        }
    }
    Ok((query, limit, cursor))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameters: {e}")))?;
    let definitions = state.store.attribute_definitions(org_id).await?;
    let (segment, pairs): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(n, _)| n == "segment");
    let (mut query, limit, cursor) = customer_query(&pairs, &definitions)?;
    if let Some((_, raw)) = segment.last().filter(|(_, raw)| !raw.is_empty()) {
        query.segment = Some(
            super::segments::for_filter(&state, &caller, raw)
                .await?
                .conditions,
        );
    }
    let page = state
        .store
        .list_customers(
            org_id,
            &query,
            &parse_cursor(cursor.as_deref())?,
            page_limit(limit)?,
        )
        .await?;
    Ok(super::page_json(&page, customer_json))
}

/// Splits a byte stream into numbered lines without holding more than one line (capped at
/// [`MAX_LINE_BYTES`]) in memory. Blank lines are skipped but counted.
#[derive(Default)]
pub struct LineSplitter {
    buffer: Vec<u8>,
    line: u64,
    too_long: bool,
}

/// One line of a bulk body: its number and the customer it holds, or why it holds none.
pub type ParsedLine = (u64, Result<CustomerDraft, FieldError>);

impl LineSplitter {
    pub fn push(&mut self, mut bytes: &[u8], out: &mut Vec<ParsedLine>) {
        while let Some(end) = bytes.iter().position(|b| *b == b'\n') {
            self.take(&bytes[..end]);
            self.emit(out);
            bytes = &bytes[end + 1..];
        }
        self.take(bytes);
    }

    pub fn finish(mut self, out: &mut Vec<ParsedLine>) {
        if !self.buffer.is_empty() || self.too_long {
            self.emit(out);
        }
    }

    fn take(&mut self, bytes: &[u8]) {
        if self.too_long {
            return;
        }
        if self.buffer.len() + bytes.len() > MAX_LINE_BYTES {
            self.too_long = true;
            self.buffer = Vec::new();
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }

    fn emit(&mut self, out: &mut Vec<ParsedLine>) {
        self.line += 1;
        let line = std::mem::take(&mut self.buffer);
        if std::mem::take(&mut self.too_long) {
            out.push((
                self.line,
                Err(FieldError::new(
                    "",
                    format!("the line is longer than {MAX_LINE_BYTES} bytes"),
                )),
            ));
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        out.push((self.line, parse_line(&line)));
    }
}

/// One NDJSON line as a customer draft; a syntax or shape error names its field.
pub fn parse_line(line: &[u8]) -> Result<CustomerDraft, FieldError> {
    let value: Value = serde_json::from_slice(line)
        .map_err(|e| FieldError::new("", format!("malformed JSON: {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        FieldError::new(field, e.into_inner().to_string())
    })
}

/// The audit summary of one bulk request or import (one entry, never one per customer).
pub fn bulk_audit_entry(
    org_id: touchpoint_domain::OrgId,
    action: &'static str,
    report: &BatchReport,
) -> AuditEntry {
    AuditEntry {
        org_id,
        action,
        target_type: Some("customers"),
        target_id: None,
        summary: json!({"before": null, "after": {
            "inserted": report.inserted, "updated": report.updated,
            "unchanged": report.unchanged, "rejected": report.rejected,
        }}),
    }
}

/// `POST /customers/bulk`: NDJSON, one customer per line, at most 10,000 lines. The body is
/// read as a stream; every line is validated, all valid lines are written in one transaction,
/// and each rejected line is reported with its number. Too many lines: 422, nothing written.
pub async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let is_ndjson = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-ndjson"));
    if !is_ndjson {
        return Err(ApiError::UnsupportedMediaType("application/x-ndjson"));
    }
    let mut stream = request.into_body().into_data_stream();
    let mut splitter = LineSplitter::default();
    let mut lines: Vec<ParsedLine> = Vec::new();
    let mut total = 0usize;
    let too_many = || {
        ApiError::field(
            "",
            format!(
                "a bulk request may carry at most {MAX_BATCH_LINES} customers; nothing was stored"
            ),
        )
    };
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
        total += chunk.len();
        if total > MAX_BULK_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BULK_BYTES));
        }
        splitter.push(&chunk, &mut lines);
        if lines.len() > MAX_BATCH_LINES {
            return Err(too_many());
        }
    }
    splitter.finish(&mut lines);
    if lines.len() > MAX_BATCH_LINES {
        return Err(too_many());
    }
    let report = state.store.import_customers(org_id, lines).await?;
    let entry = bulk_audit_entry(org_id, "customer.bulk_upsert", &report);
    if let Err(error) = state.store.append_audit(&caller.audit(), &entry).await {
        tracing::warn!(%error, "could not record the bulk upsert in the audit log");
    }
    Ok(Json(serde_json::to_value(&report).map_err(|e| {
        ApiError::Internal(format!("cannot render the report: {e}"))
    })?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_chunks_and_caps_their_length() {
        let mut splitter = LineSplitter::default();
        let mut out = Vec::new();
        splitter.push(b"{\"external_id\":\"a\"}\n\n{\"exter", &mut out);
        splitter.push(b"nal_id\":\"b\"}\r\nnot json\n", &mut out);
        let long = vec![b'x'; MAX_LINE_BYTES + 1];
        splitter.push(&long, &mut out);
        splitter.push(b"\n{\"external_id\":\"c\",\"x\":1}", &mut out);
        splitter.finish(&mut out);
        let numbers: Vec<u64> = out.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, vec![1, 3, 4, 5, 6]);
        assert!(out[0].1.is_ok() && out[1].1.is_ok());
        assert!(
            out[2]
                .1
                .as_ref()
                .is_err_and(|e| e.message.starts_with("malformed JSON"))
        );
        assert!(
            out[3]
                .1
                .as_ref()
                .is_err_and(|e| e.message.contains("longer than"))
        );
        assert!(
            out[4]
                .1
                .as_ref()
                .is_err_and(|e| e.message.contains("unknown field"))
        );
    }
}

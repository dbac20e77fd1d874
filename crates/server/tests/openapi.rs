//! The OpenAPI document (`GET /api/v1/openapi.json`) against the code:
//!
//! - every route of `api::routes()` is documented, and nothing is documented that is not a route;
//! - every operation has an `operationId`, a 2xx response and (unless public) a 4xx problem
//!   response; every error response is `application/problem+json`; every `$ref` resolves;
//!   path parameters match the path templates;
//! - the issue's example survey body and every example in the document satisfy their schemas;
//! - live requests against the real app (SQLite) return only documented statuses, with bodies
//!   that satisfy the documented schemas — including analysed responses after the job queue
//!   has been drained, the text filters and the `/text/…` reports.
//!
//! When a route is added, document it in `crates/server/src/api/openapi.json`; this test names
//! what is missing.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::Store;
use touchpoint_store::accounts::Initialisation;
use touchpoint_store::testing::{TestBackend, TestDatabase};
use tower::ServiceExt;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

// ---------------------------------------------------------------------------------------------
// Talking to the app in-process
// ---------------------------------------------------------------------------------------------

struct Reply {
    status: StatusCode,
    content_type: String,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "{} is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let mut request = Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some((content_type, bytes)) => {
            request = request.header(header::CONTENT_TYPE, content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(request.body(body).expect("request"))
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    Reply {
        status,
        content_type,
        headers,
        bytes,
    }
}

/// A fresh SQLite store with an organisation and an API token; the store is returned too so
/// the test can run the background jobs.
async fn app_with_token() -> (Router, String, Store, TestDatabase) {
    let db = TestDatabase::fresh(TestBackend::Sqlite)
        .await
        .expect("SQLite is always available");
    let store = db.open().await;
    let (token, stored) = touchpoint_server::auth::new_api_token("openapi test");
    store
        .initialise(&Initialisation {
            org_name: "Test GmbH".to_owned(),
            email: "admin@example.com".to_owned(),
            display_name: "Admin".to_owned(),
            password_hash: "not-used-here".to_owned(),
            language: touchpoint_domain::Language::En,
            token: stored,
        })
        .await
        .expect("initialise");
    (
        build_app(AppState::new(store.clone(), ServerSettings::default())),
        token,
        store,
        db,
    )
}

async fn fetch_document(app: &Router) -> Value {
    let reply = call(app, "get", "/api/v1/openapi.json", None, None).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the document is served without a token"
    );
    assert!(
        reply.content_type.starts_with("application/json"),
        "content type {}",
        reply.content_type
    );
    reply.json()
}

async fn document() -> Value {
    let db = TestDatabase::fresh(TestBackend::Sqlite)
        .await
        .expect("SQLite is always available");
    let app = build_app(AppState::new(db.open().await, ServerSettings::default()));
    fetch_document(&app).await
}

// ---------------------------------------------------------------------------------------------
// Reading the document
// ---------------------------------------------------------------------------------------------

/// `(method, path, operation)` of every documented operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths is an object") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_owned(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("external $ref {reference}"));
            resolve(
                doc,
                doc.pointer(pointer)
                    .unwrap_or_else(|| panic!("unresolved $ref {reference}")),
            )
        }
        None => value,
    }
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    doc["paths"]
        .get(path)
        .and_then(|item| item.get(method))
        .unwrap_or_else(|| panic!("{} {path} is not documented", method.to_uppercase()))
}

/// The documented schema of `method path` answering `status` with `content_type`.
fn response_schema<'a>(
    doc: &'a Value,
    method: &str,
    path: &str,
    status: StatusCode,
    content_type: &str,
) -> &'a Value {
    let op = operation(doc, method, path);
    let response = op["responses"].get(status.as_str()).unwrap_or_else(|| {
        panic!(
            "{} {path} answered {status}, which the document does not list",
            method.to_uppercase()
        )
    });
    let response = resolve(doc, response);
    let media = content_type.split(';').next().unwrap_or("").trim();
    response["content"]
        .get(media)
        .unwrap_or_else(|| {
            panic!(
                "{} {path} {status}: content type {media} is not documented",
                method.to_uppercase()
            )
        })
        .get("schema")
        .unwrap_or_else(|| panic!("{} {path} {status}: no schema", method.to_uppercase()))
}

// ---------------------------------------------------------------------------------------------
// A small JSON Schema validator: the keywords this document uses, and a failure for any other
// keyword, so the document cannot silently outgrow what the tests check.
// ---------------------------------------------------------------------------------------------

const ANNOTATIONS: [&str; 7] = [
    "description",
    "examples",
    "default",
    "title",
    "discriminator",
    "format",
    "$comment",
];

struct Validator<'a> {
    doc: &'a Value,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.validate(schema, value, "$", &mut errors);
        errors
    }

    fn validate(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let Some(keywords) = schema.as_object() else {
            match schema {
                Value::Bool(true) => {}
                Value::Bool(false) => errors.push(format!("{at}: nothing is allowed here")),
                other => errors.push(format!(
                    "{at}: a schema must be an object or a boolean, not {other}"
                )),
            }
            return;
        };
        for (keyword, arg) in keywords {
            match keyword.as_str() {
                "$ref" => {
                    let reference = arg.as_str().unwrap_or("");
                    match reference
                        .strip_prefix('#')
                        .and_then(|p| self.doc.pointer(p))
                    {
                        Some(target) => self.validate(target, value, at, errors),
                        None => errors.push(format!("{at}: unresolved $ref {reference}")),
                    }
                }
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    if !types.iter().any(|t| has_type(value, t)) {
                        errors.push(format!("{at}: expected {types:?}, got {value}"));
                    }
                }
                "const" if value != arg => {
                    errors.push(format!("{at}: expected {arg}, got {value}"))
                }
                "enum"
                    if !arg
                        .as_array()
                        .is_some_and(|options| options.contains(value)) =>
                {
                    errors.push(format!("{at}: {value} is not one of {arg}"));
                }
                "required" => {
                    if let (Some(object), Some(names)) = (value.as_object(), arg.as_array()) {
                        for name in names.iter().filter_map(Value::as_str) {
                            if !object.contains_key(name) {
                                errors.push(format!("{at}: missing required `{name}`"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let (Some(object), Some(properties)) = (value.as_object(), arg.as_object()) {
                        for (name, sub) in properties {
                            if let Some(v) = object.get(name) {
                                self.validate(sub, v, &format!("{at}.{name}"), errors);
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(object) = value.as_object() {
                        let declared = keywords.get("properties").and_then(Value::as_object);
                        for (name, v) in object {
                            if !declared.is_some_and(|d| d.contains_key(name)) {
                                self.validate(arg, v, &format!("{at}.{name}"), errors);
                            }
                        }
                    }
                }
                "propertyNames" => {
                    if let Some(object) = value.as_object() {
                        for name in object.keys() {
                            self.validate(arg, &json!(name), &format!("{at} (key {name})"), errors);
                        }
                    }
                }
                "minProperties" => {
                    if let Some(object) = value.as_object()
                        && (object.len() as u64) < arg.as_u64().unwrap_or(0)
                    {
                        errors.push(format!("{at}: fewer than {arg} properties"));
                    }
                }
                "items" => {
                    if let Some(items) = value.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.validate(arg, item, &format!("{at}[{i}]"), errors);
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let Some(items) = value.as_array() {
                        let bound = arg.as_u64().unwrap_or(0) as usize;
                        let bad = if keyword == "minItems" {
                            items.len() < bound
                        } else {
                            items.len() > bound
                        };
                        if bad {
                            errors.push(format!(
                                "{at}: {} items breaks {keyword} {bound}",
                                items.len()
                            ));
                        }
                    }
                }
                "uniqueItems" => {
                    if let Some(items) = value.as_array()
                        && arg == &Value::Bool(true)
                    {
                        let distinct: BTreeSet<String> =
                            items.iter().map(Value::to_string).collect();
                        if distinct.len() != items.len() {
                            errors.push(format!("{at}: items are not unique"));
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let Some(s) = value.as_str() {
                        let bound = arg.as_u64().unwrap_or(0) as usize;
                        let chars = s.chars().count();
                        let bad = if keyword == "minLength" {
                            chars < bound
                        } else {
                            chars > bound
                        };
                        if bad {
                            errors.push(format!("{at}: length {chars} breaks {keyword} {bound}"));
                        }
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(v), Some(bound)) = (value.as_f64(), arg.as_f64()) {
                        let bad = if keyword == "minimum" {
                            v < bound
                        } else {
                            v > bound
                        };
                        if bad {
                            errors.push(format!("{at}: {v} breaks {keyword} {bound}"));
                        }
                    }
                }
                "pattern" => {
                    if let Some(s) = value.as_str()
                        && !matches_pattern(arg.as_str().unwrap_or(""), s)
                    {
                        errors.push(format!("{at}: {s:?} does not match {arg}"));
                    }
                }
                "oneOf" | "anyOf" => {
                    let branches = arg.as_array().map(Vec::as_slice).unwrap_or(&[]);
                    let mut failures = Vec::new();
                    let mut matched = 0;
                    for (i, branch) in branches.iter().enumerate() {
                        let branch_errors = self.check_at(branch, value, at);
                        if branch_errors.is_empty() {
                            matched += 1;
                        } else {
                            failures.push(format!("branch {i}: {}", branch_errors.join("; ")));
                        }
                    }
                    let ok = if keyword == "oneOf" {
                        matched == 1
                    } else {
                        matched >= 1
                    };
                    if !ok {
                        errors.push(format!(
                            "{at}: {matched} of {} {keyword} branches match ({})",
                            branches.len(),
                            failures.join(" | ")
                        ));
                    }
                }
                "allOf" => {
                    for branch in arg.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                        self.validate(branch, value, at, errors);
                    }
                }
                other if ANNOTATIONS.contains(&other) => {
                    if other == "format" {
                        check_format(arg.as_str().unwrap_or(""), value, at, errors);
                    }
                }
                "const" | "enum" => {}
                other => errors.push(format!(
                    "{at}: the test's validator does not know the keyword `{other}`"
                )),
            }
        }
    }

    fn check_at(&self, schema: &Value, value: &Value, at: &str) -> Vec<String> {
        let mut errors = Vec::new();
        self.validate(schema, value, at, &mut errors);
        errors
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        // JSON Schema: 4.0 is an integer too (the server itself only accepts integer literals).
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn check_format(format: &str, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(s) = value.as_str() else { return };
    let ok = match format {
        "uuid" => uuid::Uuid::parse_str(s).is_ok(),
        "date-time" => chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "date" => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
        "uri" => s.contains("://"),
        _ => true,
    };
    if !ok {
        errors.push(format!("{at}: {s:?} is not a valid {format}"));
    }
}

/// Matches the one pattern shape the document uses: `^<literal>[<class>]{min,max}$` (or
/// `{n}`), where the optional literal prefix has no brackets and the class holds ranges like
/// `a-z` and single characters (a trailing `-` is literal).
fn matches_pattern(pattern: &str, s: &str) -> bool {
    let (literal, inner) = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .and_then(|p| p.split_once('['))
        .unwrap_or_else(|| {
            panic!("the test cannot check pattern {pattern}; extend matches_pattern")
        });
    let Some(s) = s.strip_prefix(literal) else {
        return false;
    };
    let (class, counts) = inner
        .split_once("]{")
        .unwrap_or_else(|| panic!("unsupported pattern {pattern}"));
    let (min, max) = counts
        .strip_suffix('}')
        .and_then(|c| c.split_once(',').or(Some((c, c))))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)))
        .unwrap_or_else(|| panic!("unsupported pattern {pattern}"));
    let class: Vec<char> = class.chars().collect();
    let allowed = |c: char| {
        let mut i = 0;
        while i < class.len() {
            if i + 2 < class.len() && class[i + 1] == '-' {
                if (class[i]..=class[i + 2]).contains(&c) {
                    return true;
                }
                i += 3;
            } else {
                if class[i] == c {
                    return true;
                }
                i += 1;
            }
        }
        false
    };
    let n = s.chars().count();
    n >= min && n <= max && s.chars().all(allowed)
}

fn assert_valid(doc: &Value, schema: &Value, value: &Value, what: &str) {
    let errors = Validator { doc }.check(schema, value);
    assert!(
        errors.is_empty(),
        "{what} does not match its documented schema:\n  {}\nvalue: {value:#}",
        errors.join("\n  ")
    );
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

// ---------------------------------------------------------------------------------------------
// (a) Routes and operations are the same set
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn serves_an_openapi_3_1_document_for_api_v1() {
    let doc = document().await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "openapi: {}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let scheme = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(
        doc["security"],
        json!([{"bearerAuth": []}]),
        "bearer auth is the default for every operation"
    );
    let description = doc["info"]["description"].as_str().unwrap_or("");
    for needle in [
        "/healthz",
        "/readyz",
        "external_id",
        "next_cursor",
        "one decimal",
        "Wilson",
        "t-interval",
        "analysed in the background",
        "/text/status",
        "taxonomy",
    ] {
        assert!(
            description.contains(needle),
            "info.description should mention {needle}"
        );
    }
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_a_route() {
    let doc = document().await;
    let routes: BTreeSet<(String, String)> = touchpoint_server::api::routes()
        .list()
        .iter()
        .map(|(m, p)| (m.to_lowercase(), (*p).to_owned()))
        .collect();
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let missing: Vec<String> = routes
        .difference(&documented)
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    let extra: Vec<String> = documented
        .difference(&routes)
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from crates/server/src/api/openapi.json (paths relative to /api/v1): {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "documented operations that are not routes of api::routes(): {extra:?}"
    );
    assert!(!routes.is_empty());
}

// ---------------------------------------------------------------------------------------------
// (b) Operations are complete, errors are problems, references resolve
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_operation_has_an_id_a_success_and_a_problem_response() {
    let doc = document().await;
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no operationId"));
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        assert!(
            op["summary"].is_string() && op["description"].is_string(),
            "{name} needs a summary and a description"
        );
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has no responses"));
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{name} documents no 2xx response"
        );

        let is_problem = |status: &str| {
            let response = resolve(&doc, &responses[status]);
            let schema = &response["content"]["application/problem+json"]["schema"];
            schema["$ref"] == "#/components/schemas/Problem"
        };
        for status in responses
            .keys()
            .filter(|s| s.starts_with('4') || s.starts_with('5'))
        {
            assert!(
                is_problem(status),
                "{name} {status} must be application/problem+json with the Problem schema"
            );
        }
        let public = op.get("security") == Some(&json!([]));
        if public {
            // Only the document itself is public; nothing it can fail on is the client's fault.
            assert_eq!(
                (method.as_str(), path.as_str()),
                ("get", "/openapi.json"),
                "{name} is documented as public"
            );
        } else {
            assert!(
                responses.keys().any(|s| s.starts_with('4')),
                "{name} documents no 4xx response"
            );
            assert!(
                responses.contains_key("401"),
                "{name} needs a token, so it can answer 401"
            );
            assert!(
                responses.contains_key("403"),
                "{name} needs a token whose scope may not cover it, so it can answer 403"
            );
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{name} takes a JSON body, so it can answer {status}"
                );
            }
        }
        for status in responses.keys() {
            assert!(
                status.len() == 3 && status.parse::<u16>().is_ok_and(|s| (100..600).contains(&s)),
                "{name}: response key {status} is not a status code"
            );
        }
    }
}

#[tokio::test]
async fn every_ref_resolves() {
    fn walk(doc: &Value, value: &Value, at: &str, refs: &mut usize) {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref") {
                    let reference = reference
                        .as_str()
                        .unwrap_or_else(|| panic!("{at}: $ref is not a string"));
                    let pointer = reference
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("{at}: external $ref {reference}"));
                    assert!(
                        doc.pointer(pointer).is_some(),
                        "{at}: $ref {reference} does not resolve"
                    );
                    *refs += 1;
                }
                if let Some(mapping) = map
                    .get("discriminator")
                    .and_then(|d| d.get("mapping"))
                    .and_then(Value::as_object)
                {
                    for target in mapping.values().filter_map(Value::as_str) {
                        let pointer = target.strip_prefix('#').unwrap_or(target);
                        assert!(
                            doc.pointer(pointer).is_some(),
                            "{at}: discriminator mapping {target} does not resolve"
                        );
                    }
                }
                for (key, v) in map {
                    walk(doc, v, &format!("{at}/{key}"), refs);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(doc, v, &format!("{at}/{i}"), refs);
                }
            }
            _ => {}
        }
    }
    let doc = document().await;
    let mut refs = 0;
    walk(&doc, &doc, "#", &mut refs);
    assert!(
        refs > 50,
        "expected the document to use shared components, found {refs} $refs"
    );
}

#[tokio::test]
async fn path_parameters_match_the_path_templates() {
    let doc = document().await;
    for (method, path, op) in operations(&doc) {
        let in_template: BTreeSet<String> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        let mut declared = BTreeSet::new();
        let path_level = doc["paths"][&path]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for parameter in path_level
            .iter()
            .chain(op["parameters"].as_array().into_iter().flatten())
        {
            let parameter = resolve(&doc, parameter);
            assert!(
                parameter["schema"].is_object(),
                "{method} {path}: parameter {} has no schema",
                parameter["name"]
            );
            if parameter["in"] == "path" {
                assert_eq!(
                    parameter["required"], true,
                    "{method} {path}: path parameters are required"
                );
                declared.insert(parameter["name"].as_str().unwrap_or("").to_owned());
            }
        }
        assert_eq!(in_template, declared, "{method} {path}: path parameters");
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Examples satisfy the schemas
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_issue_example_survey_satisfies_the_survey_input_schema() {
    let doc = document().await;
    let example = json!({"name":"Relationship NPS","languages":["de","en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?","en":"How likely are you to recommend us?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]});
    let input = &doc["components"]["schemas"]["SurveyInput"];
    for key in input["required"].as_array().expect("SurveyInput.required") {
        let key = key.as_str().expect("string");
        assert!(
            example.get(key).is_some(),
            "the issue's example lacks required `{key}`"
        );
    }
    assert_valid(
        &doc,
        &schema_ref("SurveyInput"),
        &example,
        "the issue's example survey",
    );

    let create = operation(&doc, "post", "/surveys");
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"],
        schema_ref("SurveyInput")
    );
    let documented = &create["requestBody"]["content"]["application/json"]["examples"]["relationship_nps"]
        ["value"];
    assert_eq!(
        documented, &example,
        "POST /surveys should show the issue's example body"
    );

    // The schema is not vacuous: the mistakes the server rejects with 422 are rejected here too.
    let validator = Validator { doc: &doc };
    let mut unknown_field = example.clone();
    unknown_field["questions"][0]["colour"] = json!("red");
    let mut unknown_type = example.clone();
    unknown_type["questions"][1]["type"] = json!("slider");
    let mut rating_without_scale = example.clone();
    rating_without_scale["questions"][1] =
        json!({"id":"stars","type":"rating","text":{"de":"Sterne","en":"Stars"}});
    let mut bad_id = example.clone();
    bad_id["questions"][0]["id"] = json!("NPS Score");
    for (what, bad) in [
        ("an unknown question field", unknown_field),
        ("an unknown question type", unknown_type),
        ("a rating without min/max", rating_without_scale),
        ("an invalid question id", bad_id),
        (
            "an unknown top-level field",
            json!({"name":"x","questions":[],"colour":"red"}),
        ),
        ("a missing name", json!({"questions": example["questions"]})),
    ] {
        assert!(
            !validator.check(&schema_ref("SurveyInput"), &bad).is_empty(),
            "SurveyInput accepts {what}"
        );
    }
    let answers = json!({"answers":{"nps":9.5}});
    assert!(
        !validator
            .check(&schema_ref("ResponseSubmission"), &answers)
            .is_empty(),
        "a non-integer score is not an answer"
    );
}

#[tokio::test]
async fn every_example_in_the_document_satisfies_its_schema() {
    let doc = document().await;
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        for (i, example) in schema["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            assert_valid(
                &doc,
                schema,
                example,
                &format!("components.schemas.{name}.examples[{i}]"),
            );
            checked += 1;
        }
    }
    let mut media_types: Vec<(String, Value)> = Vec::new();
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        if let Some(content) = op["requestBody"]["content"].as_object() {
            for (media, m) in content {
                media_types.push((format!("{name} request {media}"), m.clone()));
            }
        }
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            for (media, m) in resolve(&doc, response)["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                media_types.push((format!("{name} {status} {media}"), m.clone()));
            }
        }
    }
    for (what, media) in media_types {
        let schema = &media["schema"];
        if let Some(example) = media.get("example")
            && schema.get("type") != Some(&json!("string"))
        {
            assert_valid(&doc, schema, example, &format!("{what} example"));
            checked += 1;
        }
        for (key, example) in media["examples"].as_object().into_iter().flatten() {
            assert_valid(
                &doc,
                schema,
                &example["value"],
                &format!("{what} examples.{key}"),
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} examples were checked");
}

#[tokio::test]
async fn the_analysis_schema_is_what_the_text_engine_emits() {
    let doc = document().await;
    let engine = touchpoint_server::builtin_text_engine();
    for text in [
        "Die Beratung war freundlich, aber die Rechnung war schon wieder falsch.",
        "The invoice was wrong and nobody at the hotline helped.",
        "Schnelle Hilfe 👍 مرحبا",
        "ok",
        "",
    ] {
        let analysis = serde_json::to_value(engine.analyzer().analyze(text)).expect("serialise");
        assert_valid(
            &doc,
            &schema_ref("Analysis"),
            &analysis,
            &format!("the analysis of {text:?}"),
        );
    }
    let response = &doc["components"]["schemas"]["Response"];
    assert!(
        response["required"]
            .as_array()
            .is_some_and(|r| r.contains(&json!("analysis"))),
        "every response carries `analysis` (null until analysed)"
    );
    // The documented analysed response points its evidence at the words it names.
    let analysed = response["examples"]
        .as_array()
        .and_then(|e| e.iter().find(|r| r["analysis"].is_object()))
        .expect("an example of an analysed response");
    let text = analysed["answers"]["why"].as_str().expect("why");
    for theme in analysed["analysis"]["themes"].as_array().expect("themes") {
        for span in theme["evidence"].as_array().expect("evidence") {
            let (start, end) = (
                span["start"].as_u64().expect("start") as usize,
                span["end"].as_u64().expect("end") as usize,
            );
            assert!(
                text.get(start..end).is_some_and(|s| !s.is_empty()),
                "example evidence {span} of {} is a byte range of {text:?}",
                theme["id"]
            );
        }
    }
    // The schema is not vacuous.
    let validator = Validator { doc: &doc };
    let example = &doc["components"]["schemas"]["Analysis"]["examples"][0];
    let mut angry = example.clone();
    angry["sentiment"]["label"] = json!("angry");
    let mut no_themes = example.clone();
    no_themes.as_object_mut().expect("object").remove("themes");
    let mut bad_span = example.clone();
    bad_span["themes"][0]["evidence"][0]["start"] = json!(-1);
    for (what, bad) in [
        ("an unknown sentiment label", angry),
        ("a missing themes list", no_themes),
        ("a negative span", bad_span),
    ] {
        assert!(
            !validator.check(&schema_ref("Analysis"), &bad).is_empty(),
            "Analysis accepts {what}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Live: what the server answers is what the document says
// ---------------------------------------------------------------------------------------------

/// Sends a request and checks that the status is documented for the operation `method template`
/// and the body satisfies the documented schema.
struct Live<'a> {
    app: &'a Router,
    doc: &'a Value,
    token: &'a str,
    seen: BTreeMap<(String, String), BTreeSet<u16>>,
}

impl Live<'_> {
    async fn send(
        &mut self,
        method: &str,
        template: &str,
        uri: &str,
        body: Option<(&str, Vec<u8>)>,
        auth: bool,
    ) -> Reply {
        let reply = call(
            self.app,
            method,
            &format!("/api/v1{uri}"),
            auth.then_some(self.token),
            body,
        )
        .await;
        let what = format!("{} {uri} → {}", method.to_uppercase(), reply.status);
        if reply.status == StatusCode::NO_CONTENT {
            // No body, so no schema: the document must list 204 without content.
            let documented = operation(self.doc, method, template)["responses"].get("204");
            assert!(
                documented.is_some_and(|r| r.get("content").is_none()),
                "{what}: 204 without content is not documented"
            );
            assert!(reply.bytes.is_empty(), "{what}: a 204 has no body");
        } else if reply.content_type.starts_with("text/csv") {
            response_schema(
                self.doc,
                method,
                template,
                reply.status,
                &reply.content_type,
            );
            assert!(
                std::str::from_utf8(&reply.bytes).is_ok(),
                "{what}: CSV is UTF-8"
            );
        } else {
            let schema = response_schema(
                self.doc,
                method,
                template,
                reply.status,
                &reply.content_type,
            );
            assert_valid(self.doc, schema, &reply.json(), &what);
        }
        self.seen
            .entry((method.to_owned(), template.to_owned()))
            .or_default()
            .insert(reply.status.as_u16());
        reply
    }

    async fn json(&mut self, method: &str, template: &str, uri: &str, body: Value) -> Reply {
        self.send(
            method,
            template,
            uri,
            Some(("application/json", body.to_string().into_bytes())),
            true,
        )
        .await
    }

    async fn get(&mut self, template: &str, uri: &str) -> Reply {
        self.send("get", template, uri, None, true).await
    }
}

fn expect(reply: &Reply, status: StatusCode, what: &str) {
    assert_eq!(
        reply.status,
        status,
        "{what}: {}",
        String::from_utf8_lossy(&reply.bytes)
    );
}

#[tokio::test]
async fn live_answers_match_the_documented_statuses_and_schemas() {
    let (app, token, store, _db) = app_with_token().await;
    let doc = fetch_document(&app).await;
    let mut live = Live {
        app: &app,
        doc: &doc,
        token: &token,
        seen: BTreeMap::new(),
    };

    // Authentication.
    let reply = live.send("get", "/surveys", "/surveys", None, false).await;
    expect(&reply, StatusCode::UNAUTHORIZED, "no token");
    assert_eq!(
        reply
            .headers
            .get(header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    live.token = "tp_wrong";
    expect(
        &live.get("/metrics", "/metrics?survey_id=x").await,
        StatusCode::UNAUTHORIZED,
        "wrong token",
    );
    live.token = &token;

    // Touchpoints.
    let created = live
        .json(
            "post",
            "/touchpoints",
            "/touchpoints",
            json!({"name": "Hotline", "channel": "phone"}),
        )
        .await;
    expect(&created, StatusCode::CREATED, "create touchpoint");
    let touchpoint_id = created.json()["id"].as_str().expect("id").to_owned();
    let again = live
        .json(
            "post",
            "/touchpoints",
            "/touchpoints",
            json!({"name": "Hotline", "channel": "phone"}),
        )
        .await;
    expect(&again, StatusCode::CONFLICT, "duplicate touchpoint name");
    let invalid = live
        .json(
            "post",
            "/touchpoints",
            "/touchpoints",
            json!({"name": "", "channel": "Tel efon"}),
        )
        .await;
    expect(
        &invalid,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid touchpoint",
    );
    assert_eq!(invalid.json()["errors"].as_array().map(Vec::len), Some(2));
    let tp_uri = format!("/touchpoints/{touchpoint_id}");
    expect(
        &live.get("/touchpoints/{id}", &tp_uri).await,
        StatusCode::OK,
        "get touchpoint",
    );
    let updated = live
        .json(
            "put",
            "/touchpoints/{id}",
            &tp_uri,
            json!({"name": "Hotline ☎", "channel": "phone"}),
        )
        .await;
    expect(&updated, StatusCode::OK, "update touchpoint");
    let missing = format!("/touchpoints/{}", uuid::Uuid::now_v7());
    expect(
        &live.get("/touchpoints/{id}", &missing).await,
        StatusCode::NOT_FOUND,
        "unknown touchpoint",
    );
    expect(
        &live
            .json(
                "put",
                "/touchpoints/{id}",
                &missing,
                json!({"name": "x", "channel": "web"}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "update unknown touchpoint",
    );
    expect(
        &live.get("/touchpoints", "/touchpoints?limit=1").await,
        StatusCode::OK,
        "list touchpoints",
    );
    expect(
        &live.get("/touchpoints", "/touchpoints?limit=0").await,
        StatusCode::BAD_REQUEST,
        "limit 0",
    );

    // Surveys: the issue's example, every question type, and the bad-input statuses.
    let mut body = json!({"name":"Relationship NPS","languages":["de","en"],"questions":[
        {"id":"nps","type":"nps","required":true,"text":{"de":"Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?","en":"How likely are you to recommend us?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]});
    let created = live
        .json("post", "/surveys", "/surveys", body.clone())
        .await;
    expect(&created, StatusCode::CREATED, "create the issue's survey");
    let survey = created.json();
    assert!(
        survey["public_url"]
            .as_str()
            .is_some_and(|u| u.contains("/s/")),
        "public_url: {}",
        survey["public_url"]
    );
    let survey_id = survey["id"].as_str().expect("id").to_owned();
    let all_types = &operation(&doc, "post", "/surveys")["requestBody"]["content"]["application/json"]
        ["examples"]["all_types"]["value"];
    let mut all_types = all_types.clone();
    all_types["touchpoint_id"] = json!(touchpoint_id);
    let created = live.json("post", "/surveys", "/surveys", all_types).await;
    expect(
        &created,
        StatusCode::CREATED,
        "the document's every-type example is accepted by the server",
    );
    let csat_survey_id = created.json()["id"].as_str().expect("id").to_owned();

    let reply = live
        .send(
            "post",
            "/surveys",
            "/surveys",
            Some(("application/json", b"{\"name\":".to_vec())),
            true,
        )
        .await;
    expect(&reply, StatusCode::BAD_REQUEST, "malformed JSON");
    let reply = live
        .send(
            "post",
            "/surveys",
            "/surveys",
            Some(("text/plain", body.to_string().into_bytes())),
            true,
        )
        .await;
    expect(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not JSON");
    let huge = json!({"name": "x".repeat(300 * 1024), "questions": []})
        .to_string()
        .into_bytes();
    expect(
        &live
            .send(
                "post",
                "/surveys",
                "/surveys",
                Some(("application/json", huge)),
                true,
            )
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too large",
    );
    let mut unknown = body.clone();
    unknown["colour"] = json!("red");
    expect(
        &live.json("post", "/surveys", "/surveys", unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown field",
    );

    let survey_uri = format!("/surveys/{survey_id}");
    expect(
        &live.get("/surveys/{id}", &survey_uri).await,
        StatusCode::OK,
        "get survey",
    );
    expect(
        &live.get("/surveys/{id}", "/surveys/not-a-uuid").await,
        StatusCode::NOT_FOUND,
        "malformed survey id",
    );
    expect(
        &live.get("/surveys", "/surveys?limit=1").await,
        StatusCode::OK,
        "list surveys",
    );
    expect(
        &live.get("/surveys", "/surveys?cursor=nonsense").await,
        StatusCode::BAD_REQUEST,
        "bad cursor",
    );
    body["name"] = json!("Relationship NPS 2025");
    expect(
        &live
            .json("put", "/surveys/{id}", &survey_uri, body.clone())
            .await,
        StatusCode::OK,
        "update survey",
    );

    // Responses: created, replayed, conflicting, invalid.
    let responses_uri = format!("/surveys/{survey_id}/responses");
    let submission = json!({"answers":{"nps":9,"why":"Schnelle Hilfe 👍 مرحبا"},"language":"de","channel":"api","touchpoint_id":null,"external_id":"crm-4711","submitted_at":"2025-03-14T09:31:00Z"});
    let first = live
        .json(
            "post",
            "/surveys/{id}/responses",
            &responses_uri,
            submission.clone(),
        )
        .await;
    expect(&first, StatusCode::CREATED, "submit");
    let response_id = first.json()["id"].as_str().expect("id").to_owned();
    let replay = live
        .json(
            "post",
            "/surveys/{id}/responses",
            &responses_uri,
            submission.clone(),
        )
        .await;
    expect(&replay, StatusCode::OK, "replay");
    assert_eq!(
        replay.json()["id"],
        json!(response_id),
        "a replay returns the first id"
    );
    let mut different = submission.clone();
    different["answers"]["nps"] = json!(3);
    expect(
        &live
            .json("post", "/surveys/{id}/responses", &responses_uri, different)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    );
    let invalid = live
        .json(
            "post",
            "/surveys/{id}/responses",
            &responses_uri,
            json!({"answers":{"nps":11,"ghost":1},"submitted_at":"2999-01-01T00:00:00Z"}),
        )
        .await;
    expect(
        &invalid,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid answers",
    );
    assert_eq!(
        invalid.json()["errors"].as_array().map(Vec::len),
        Some(3),
        "one entry per offending field"
    );
    for score in [0, 6, 7, 8, 10] {
        let reply = live
            .json(
                "post",
                "/surveys/{id}/responses",
                &responses_uri,
                json!({"answers":{"nps":score},"channel":"web"}),
            )
            .await;
        expect(&reply, StatusCode::CREATED, "more responses");
    }
    let csat_uri = format!("/surveys/{csat_survey_id}/responses");
    let full = json!({"answers":{"nps":10,"csat":4,"ces":6,"stars":8,"reason":"invoice","topics":["waiting","expertise"],"why":"ok"},"touchpoint_id":touchpoint_id});
    expect(
        &live
            .json("post", "/surveys/{id}/responses", &csat_uri, full)
            .await,
        StatusCode::CREATED,
        "every answer type",
    );
    let unknown_survey = format!("/surveys/{}/responses", uuid::Uuid::now_v7());
    expect(
        &live
            .json(
                "post",
                "/surveys/{id}/responses",
                &unknown_survey,
                json!({"answers":{}}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "unknown survey",
    );

    expect(
        &live
            .get(
                "/responses",
                &format!("/responses?survey_id={survey_id}&limit=2"),
            )
            .await,
        StatusCode::OK,
        "list responses",
    );
    expect(
        &live.get("/responses", "/responses").await,
        StatusCode::OK,
        "list all responses",
    );
    expect(
        &live
            .get(
                "/responses",
                &format!("/responses?survey_id={}", uuid::Uuid::now_v7()),
            )
            .await,
        StatusCode::NOT_FOUND,
        "unknown survey filter",
    );
    expect(
        &live.get("/responses", "/responses?limit=501").await,
        StatusCode::BAD_REQUEST,
        "limit too large",
    );
    let got = live
        .get("/responses/{id}", &format!("/responses/{response_id}"))
        .await;
    expect(&got, StatusCode::OK, "get response");
    assert_eq!(got.json()["answers"]["why"], "Schnelle Hilfe 👍 مرحبا");
    expect(
        &live
            .get(
                "/responses/{id}",
                &format!("/responses/{}", uuid::Uuid::now_v7()),
            )
            .await,
        StatusCode::NOT_FOUND,
        "unknown response",
    );

    // Metrics, with every metric kind and grouping.
    for query in [
        format!("/metrics?survey_id={survey_id}"),
        format!("/metrics?survey_id={survey_id}&from=2025-01-01&interval=month&group_by=channel"),
        format!("/metrics?survey_id={survey_id}&interval=week&group_by=touchpoint&from=2025-03-01"),
        format!(
            "/metrics?survey_id={csat_survey_id}&question_id=csat&metric=csat&group_by=touchpoint"
        ),
        format!(
            "/metrics?survey_id={csat_survey_id}&question_id=ces&group_by=language&interval=day&from=2025-01-01T00:00:00Z"
        ),
    ] {
        let reply = live.get("/metrics", &query).await;
        expect(&reply, StatusCode::OK, &query);
    }
    expect(
        &live.get("/metrics", "/metrics").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no survey_id",
    );
    let reply = live
        .get(
            "/metrics",
            &format!("/metrics?survey_id={survey_id}&metric=csat&interval=year&from=2025-02-30"),
        )
        .await;
    expect(&reply, StatusCode::UNPROCESSABLE_ENTITY, "bad parameters");
    expect(
        &live
            .get(
                "/metrics",
                &format!("/metrics?survey_id={}", uuid::Uuid::now_v7()),
            )
            .await,
        StatusCode::NOT_FOUND,
        "unknown survey",
    );

    // Text analytics: comments are analysed by the background job right after storage; until it
    // has run, `analysis` is null.
    let complaints = [
        (
            "de",
            "Die Beratung war freundlich, aber die Rechnung war schon wieder falsch.",
        ),
        (
            "de",
            "Die Rechnung ist falsch, schon wieder zu viel berechnet!",
        ),
        (
            "en",
            "The invoice was wrong and nobody at the hotline helped.",
        ),
    ];
    let mut complaint_ids = Vec::new();
    for (language, why) in complaints {
        let reply = live
            .json(
                "post",
                "/surveys/{id}/responses",
                &responses_uri,
                json!({"answers":{"nps":2,"why":why},"language":language,"touchpoint_id":touchpoint_id}),
            )
            .await;
        expect(&reply, StatusCode::CREATED, "a complaint");
        complaint_ids.push(reply.json()["id"].as_str().expect("id").to_owned());
    }
    // Negative comments no theme covers, for /text/emerging: three about parking, three others
    // (a term in more than half of them is too generic to seed a group).
    for why in [
        "Schon wieder kein Parkplatz frei, furchtbar.",
        "Parkplatz immer voll, das ist schrecklich.",
        "Nie ein Parkplatz frei, so ärgerlich.",
        "Die Musik im Laden ist furchtbar laut und nervig.",
        "Das Licht ist grell, schlimm.",
        "Zu kalt drinnen, unangenehm.",
    ] {
        let reply = live
            .json(
                "post",
                "/surveys/{id}/responses",
                &responses_uri,
                json!({"answers":{"nps":4,"why":why},"language":"de"}),
            )
            .await;
        expect(&reply, StatusCode::CREATED, "an uncovered complaint");
    }
    let complaint_uri = format!("/responses/{}", complaint_ids[0]);
    let before = live.get("/responses/{id}", &complaint_uri).await;
    expect(&before, StatusCode::OK, "a response before analysis");
    assert_eq!(
        before.json()["analysis"],
        Value::Null,
        "not analysed before the job ran"
    );
    let status = live.get("/text/status", "/text/status").await;
    expect(&status, StatusCode::OK, "status with queued analysis jobs");
    assert!(
        status.json()["pending_jobs"].as_i64() >= Some(1),
        "the analysis jobs are pending: {}",
        status.json()
    );

    let ran = touchpoint_jobs::Worker::new(store.clone(), touchpoint_server::builtin_text_engine())
        .drain()
        .await
        .expect("drain the job queue");
    assert!(ran >= 1, "the analysis jobs ran");

    let after = live.get("/responses/{id}", &complaint_uri).await;
    expect(&after, StatusCode::OK, "an analysed response");
    let after = after.json();
    let analysis = &after["analysis"];
    assert!(analysis.is_object(), "analysed after the job ran: {after}");
    assert_eq!(analysis["language"], "de");
    assert_eq!(analysis["sentiment"]["label"], "negative", "{analysis}");
    let text = complaints[0].1;
    let billing = analysis["themes"]
        .as_array()
        .and_then(|themes| themes.iter().find(|t| t["id"] == "billing"))
        .unwrap_or_else(|| panic!("the invoice complaint is about billing: {analysis}"));
    for span in billing["evidence"].as_array().expect("evidence") {
        let (start, end) = (
            span["start"].as_u64().expect("start") as usize,
            span["end"].as_u64().expect("end") as usize,
        );
        assert!(
            text.get(start..end).is_some_and(|s| !s.is_empty()),
            "evidence {span} is a byte range of {text:?}"
        );
    }
    let listed = live
        .get(
            "/responses",
            &format!("/responses?survey_id={survey_id}&limit=500"),
        )
        .await;
    expect(&listed, StatusCode::OK, "analysed responses");
    for item in listed.json()["items"].as_array().expect("items") {
        assert_eq!(
            item["analysis"].is_null(),
            item["answers"].get("why").is_none(),
            "exactly the responses with free text are analysed: {item}"
        );
    }

    // Filters of GET /responses.
    let ids_of = |reply: &Reply| -> BTreeSet<String> {
        reply.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let german_billing = live
        .get(
            "/responses",
            &format!(
                "/responses?survey_id={survey_id}&touchpoint_id={touchpoint_id}&theme=billing&sentiment=negative&language=de"
            ),
        )
        .await;
    expect(&german_billing, StatusCode::OK, "every filter at once");
    let expected: BTreeSet<String> = complaint_ids[..2].iter().cloned().collect();
    assert_eq!(
        ids_of(&german_billing),
        expected,
        "the German invoice complaints"
    );
    let english = live
        .get("/responses", "/responses?theme=billing&language=en")
        .await;
    expect(&english, StatusCode::OK, "theme and language");
    assert!(ids_of(&english).contains(&complaint_ids[2]));
    assert!(!ids_of(&english).contains(&complaint_ids[0]));
    let negative = live
        .get("/responses", "/responses?sentiment=negative")
        .await;
    expect(&negative, StatusCode::OK, "sentiment");
    assert!(
        !ids_of(&negative).contains(&response_id),
        "praise is not negative"
    );
    // The first response was submitted at 2025-03-14T09:31:00Z; `to` includes its whole day.
    for (query, included) in [
        ("/responses?from=2025-03-14&to=2025-03-14", true),
        ("/responses?to=2025-03-14T00:00:00Z", true),
        (
            "/responses?from=2025-03-14T23:59:59.999Z&to=2025-03-31",
            true,
        ),
        ("/responses?to=2025-03-13", false),
        ("/responses?from=2025-03-15&to=2025-12-31", false),
    ] {
        let reply = live.get("/responses", query).await;
        expect(&reply, StatusCode::OK, query);
        assert_eq!(ids_of(&reply).contains(&response_id), included, "{query}");
    }
    for (query, field) in [
        ("/responses?sentiment=angry".to_owned(), "sentiment"),
        ("/responses?theme=Billing%20Issues".to_owned(), "theme"),
        ("/responses?language=fr".to_owned(), "language"),
        ("/responses?from=yesterday".to_owned(), "from"),
        ("/responses?to=2025-02-30".to_owned(), "to"),
        (
            "/responses?touchpoint_id=hotline".to_owned(),
            "touchpoint_id",
        ),
        (
            format!("/responses?touchpoint_id={}", uuid::Uuid::now_v7()),
            "touchpoint_id",
        ),
    ] {
        let reply = live.get("/responses", &query).await;
        expect(&reply, StatusCode::UNPROCESSABLE_ENTITY, &query);
        assert_eq!(reply.json()["errors"][0]["field"], field, "{query}");
    }

    // GET /metrics filtered by theme and sentiment counts only matching analysed comments.
    let n_of = |reply: &Reply| reply.json()["n"].as_u64().expect("n");
    let everything = live
        .get("/metrics", &format!("/metrics?survey_id={survey_id}"))
        .await;
    expect(&everything, StatusCode::OK, "unfiltered metrics");
    let by_theme = live
        .get(
            "/metrics",
            &format!("/metrics?survey_id={survey_id}&theme=billing"),
        )
        .await;
    expect(&by_theme, StatusCode::OK, "metrics by theme");
    assert_eq!(n_of(&by_theme), 3, "the three invoice complaints");
    let negative_theme = live
        .get(
            "/metrics",
            &format!(
                "/metrics?survey_id={survey_id}&theme=billing&sentiment=negative&group_by=language"
            ),
        )
        .await;
    expect(
        &negative_theme,
        StatusCode::OK,
        "metrics by theme sentiment",
    );
    assert!(n_of(&negative_theme) <= 3);
    let by_sentiment = live
        .get(
            "/metrics",
            &format!("/metrics?survey_id={survey_id}&sentiment=negative&interval=day"),
        )
        .await;
    expect(&by_sentiment, StatusCode::OK, "metrics by sentiment");
    assert!(n_of(&by_sentiment) >= 3 && n_of(&by_sentiment) < n_of(&everything));
    for (query, field) in [
        (
            format!("/metrics?survey_id={survey_id}&sentiment=angry"),
            "sentiment",
        ),
        (
            format!("/metrics?survey_id={survey_id}&theme=BILLING"),
            "theme",
        ),
    ] {
        let reply = live.get("/metrics", &query).await;
        expect(&reply, StatusCode::UNPROCESSABLE_ENTITY, &query);
        assert_eq!(reply.json()["errors"][0]["field"], field, "{query}");
    }

    // /text/themes, /text/recurring, /text/emerging.
    let themes = live.get("/text/themes", "/text/themes").await;
    expect(&themes, StatusCode::OK, "themes");
    let themes = themes.json();
    assert_eq!(themes["days"], 90);
    let billing = themes["themes"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == "billing"))
        .unwrap_or_else(|| panic!("billing is counted: {themes}"));
    assert_eq!(billing["mentions"], 3, "{billing}");
    let german = live
        .get(
            "/text/themes",
            &format!("/text/themes?survey_id={survey_id}&days=7&lang=de"),
        )
        .await;
    expect(&german, StatusCode::OK, "themes in German");
    assert!(
        german.json()["themes"]
            .as_array()
            .expect("themes")
            .iter()
            .any(|t| t["id"] == "billing" && t["label"] == "Rechnung & Abrechnung"),
        "{}",
        german.json()
    );
    let recurring = live.get("/text/recurring", "/text/recurring").await;
    expect(&recurring, StatusCode::OK, "recurring");
    assert_eq!(recurring.json()["weeks"], 12);
    assert!(
        recurring.json()["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .any(|i| i["theme"] == "billing" && i["label"] == "Invoice & billing"),
        "{}",
        recurring.json()
    );
    expect(
        &live
            .get(
                "/text/recurring",
                &format!("/text/recurring?survey_id={survey_id}&weeks=2&lang=de"),
            )
            .await,
        StatusCode::OK,
        "recurring over two weeks",
    );
    let emerging = live.get("/text/emerging", "/text/emerging").await;
    expect(&emerging, StatusCode::OK, "emerging");
    assert!(
        emerging.json()["candidates"]
            .as_array()
            .expect("candidates")
            .iter()
            .any(|c| c["top_terms"]
                .as_array()
                .is_some_and(|terms| terms.iter().any(|t| t == "parkplatz"))),
        "the parking complaints form a candidate: {}",
        emerging.json()
    );
    expect(
        &live
            .get(
                "/text/emerging",
                &format!("/text/emerging?survey_id={survey_id}&days=1"),
            )
            .await,
        StatusCode::OK,
        "emerging today",
    );
    let unknown = uuid::Uuid::now_v7();
    for (template, query, status, field) in [
        (
            "/text/themes",
            "/text/themes?days=0".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "days",
        ),
        (
            "/text/themes",
            "/text/themes?days=3661".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "days",
        ),
        (
            "/text/themes",
            "/text/themes?days=many".to_owned(),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "/text/themes",
            format!("/text/themes?survey_id={unknown}"),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "/text/recurring",
            "/text/recurring?weeks=1".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "weeks",
        ),
        (
            "/text/recurring",
            "/text/recurring?weeks=105".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "weeks",
        ),
        (
            "/text/recurring",
            "/text/recurring?weeks=x".to_owned(),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "/text/recurring",
            format!("/text/recurring?survey_id={unknown}"),
            StatusCode::NOT_FOUND,
            "",
        ),
        (
            "/text/emerging",
            "/text/emerging?days=0".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "days",
        ),
        (
            "/text/emerging",
            "/text/emerging?days=1.5".to_owned(),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            "/text/emerging",
            format!("/text/emerging?survey_id={unknown}"),
            StatusCode::NOT_FOUND,
            "",
        ),
    ] {
        let reply = live.get(template, &query).await;
        expect(&reply, status, &query);
        if !field.is_empty() {
            assert_eq!(reply.json()["errors"][0]["field"], field, "{query}");
        }
    }
    expect(
        &live
            .send("get", "/text/status", "/text/status", None, false)
            .await,
        StatusCode::UNAUTHORIZED,
        "status without a token",
    );

    // /text/status: no re-analysis yet; a changed taxonomy starts one whose progress it shows.
    let status = live.get("/text/status", "/text/status").await;
    expect(&status, StatusCode::OK, "status after the analysis");
    assert_eq!(
        status.json()["fingerprint"],
        touchpoint_server::builtin_text_engine().fingerprint()
    );
    assert_eq!(
        status.json()["reanalysis"],
        Value::Null,
        "{}",
        status.json()
    );
    let dir = touchpoint_store::testing::temp_dir("openapi-taxonomy");
    let taxonomy = dir.join("taxonomy.toml");
    std::fs::write(
        &taxonomy,
        "version = 1\n[[theme]]\nid = \"waiting\"\nlabel = { de = \"Wartezeit\", en = \"Waiting\" }\n\
         de = [\"warteschleife*\", \"antwort\"]\nen = [\"hotline\"]\n",
    )
    .expect("write taxonomy");
    let edited = std::sync::Arc::new(
        touchpoint_jobs::text::TextEngine::load(None, Some(&taxonomy)).expect("edited engine"),
    );
    edited.check_fingerprint(&store).await.expect("check");
    let status = live.get("/text/status", "/text/status").await;
    expect(&status, StatusCode::OK, "status during a re-analysis");
    let run = status.json()["reanalysis"].clone();
    assert!(
        run["total"].as_i64() >= Some(8) && run["done"] == 0 && run["finished_at"].is_null(),
        "a run over every analysed comment has started: {run}"
    );
    touchpoint_jobs::Worker::new(store.clone(), edited)
        .drain()
        .await
        .expect("drain the re-analysis");
    let status = live.get("/text/status", "/text/status").await;
    expect(&status, StatusCode::OK, "status after a re-analysis");
    let run = status.json()["reanalysis"].clone();
    assert!(
        run["done"] == run["total"] && run["finished_at"].is_string(),
        "the run finished with visible progress: {run}"
    );
    let _ = std::fs::remove_dir_all(dir);

    // CSV export.
    let csv = live
        .get(
            "/surveys/{id}/responses.csv",
            &format!("/surveys/{survey_id}/responses.csv"),
        )
        .await;
    expect(&csv, StatusCode::OK, "CSV");
    assert!(csv.content_type.starts_with("text/csv"));
    let text = String::from_utf8(csv.bytes.clone()).expect("UTF-8");
    assert!(text.starts_with("response_id,submitted_at,received_at,language,channel,touchpoint_id,external_id,nps,why"), "{text}");
    expect(
        &live
            .get(
                "/surveys/{id}/responses.csv",
                &format!("/surveys/{}/responses.csv", uuid::Uuid::now_v7()),
            )
            .await,
        StatusCode::NOT_FOUND,
        "CSV of unknown survey",
    );

    // Closing.
    let close_uri = format!("/surveys/{survey_id}/close");
    let closed = live
        .send("post", "/surveys/{id}/close", &close_uri, None, true)
        .await;
    expect(&closed, StatusCode::OK, "close");
    assert_eq!(closed.json()["status"], "closed");
    expect(
        &live
            .send("post", "/surveys/{id}/close", &close_uri, None, true)
            .await,
        StatusCode::OK,
        "close again",
    );
    expect(
        &live
            .send(
                "post",
                "/surveys/{id}/close",
                &format!("/surveys/{}/close", uuid::Uuid::now_v7()),
                None,
                true,
            )
            .await,
        StatusCode::NOT_FOUND,
        "close unknown",
    );
    expect(
        &live
            .json(
                "post",
                "/surveys/{id}/responses",
                &responses_uri,
                json!({"answers":{"nps":9}}),
            )
            .await,
        StatusCode::GONE,
        "closed survey",
    );
    expect(
        &live.get("/openapi.json", "/openapi.json").await,
        StatusCode::OK,
        "document",
    );

    // Tokens: create (secret shown once), list, scopes enforced (403), revoke (401 after).
    let bad = live
        .json(
            "post",
            "/tokens",
            "/tokens",
            json!({"name": "x", "scope": "admin", "resources": ["*"]}),
        )
        .await;
    expect(&bad, StatusCode::UNPROCESSABLE_ENTITY, "unknown scope");
    assert_eq!(bad.json()["errors"][0]["field"], "scope");
    let created = live
        .json(
            "post",
            "/tokens",
            "/tokens",
            json!({"name": "BI export", "scope": "read_only", "resources": ["metrics"],
                   "expires_at": "2099-12-31T23:59:59Z"}),
        )
        .await;
    expect(&created, StatusCode::CREATED, "create token");
    let created = created.json();
    let secret = created["token"].as_str().expect("secret").to_owned();
    let token_id = created["id"].as_str().expect("id").to_owned();
    let list = live.get("/tokens", "/tokens").await;
    expect(&list, StatusCode::OK, "list tokens");
    assert!(!String::from_utf8_lossy(&list.bytes).contains(&secret));
    live.token = &secret;
    expect(
        &live.get("/touchpoints", "/touchpoints").await,
        StatusCode::FORBIDDEN,
        "a metrics-only token reads touchpoints",
    );
    expect(
        &live.get("/tokens", "/tokens").await,
        StatusCode::FORBIDDEN,
        "a narrow token lists tokens",
    );
    expect(
        &live
            .json(
                "post",
                "/touchpoints",
                "/touchpoints",
                json!({"name": "Never", "channel": "web"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "a read-only token writes",
    );
    live.token = &token;
    let revoke_uri = format!("/tokens/{token_id}");
    for what in ["revoke", "revoke again"] {
        expect(
            &live
                .send("delete", "/tokens/{id}", &revoke_uri, None, true)
                .await,
            StatusCode::NO_CONTENT,
            what,
        );
    }
    expect(
        &live
            .send(
                "delete",
                "/tokens/{id}",
                &format!("/tokens/{}", uuid::Uuid::now_v7()),
                None,
                true,
            )
            .await,
        StatusCode::NOT_FOUND,
        "revoke unknown",
    );
    live.token = &secret;
    expect(
        &live.get("/metrics", "/metrics?survey_id=x").await,
        StatusCode::UNAUTHORIZED,
        "revoked token",
    );
    live.token = &token;

    // Audit log: search, filters, pages, CSV; 400, 401, 403 and 422.
    let audit = live.get("/audit", "/audit?action=survey&limit=2").await;
    expect(&audit, StatusCode::OK, "audit page");
    let page = audit.json();
    assert_eq!(page["items"][0]["action"], "survey.close", "{page}");
    let cursor = page["next_cursor"]
        .as_str()
        .expect("more entries")
        .to_owned();
    expect(
        &live
            .get(
                "/audit",
                &format!("/audit?action=survey&limit=2&cursor={cursor}"),
            )
            .await,
        StatusCode::OK,
        "audit page 2",
    );
    expect(
        &live
            .get(
                "/audit",
                "/audit?actor=me&target_id=x&from=soon&to=2025-13-01&action=DROP",
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "audit filters",
    );
    expect(
        &live.get("/audit", "/audit?limit=0").await,
        StatusCode::BAD_REQUEST,
        "audit limit",
    );
    expect(
        &live.send("get", "/audit", "/audit", None, false).await,
        StatusCode::UNAUTHORIZED,
        "audit without a token",
    );
    let audit_csv = live.get("/audit.csv", "/audit.csv?from=2000-01-01").await;
    expect(&audit_csv, StatusCode::OK, "audit CSV");
    assert!(
        String::from_utf8_lossy(&audit_csv.bytes).starts_with("id,at,action,interface,"),
        "audit CSV header"
    );
    expect(
        &live.get("/audit.csv", "/audit.csv?actor=me").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "audit CSV filters",
    );
    expect(
        &live
            .send("get", "/audit.csv", "/audit.csv", None, false)
            .await,
        StatusCode::UNAUTHORIZED,
        "audit CSV without a token",
    );
    let narrow = live
        .json(
            "post",
            "/tokens",
            "/tokens",
            json!({"name": "no audit", "scope": "read_only", "resources": ["surveys"]}),
        )
        .await;
    expect(&narrow, StatusCode::CREATED, "token without audit");
    let narrow = narrow.json()["token"].as_str().expect("secret").to_owned();
    live.token = &narrow;
    for (template, uri) in [("/audit", "/audit"), ("/audit.csv", "/audit.csv")] {
        expect(
            &live.get(template, uri).await,
            StatusCode::FORBIDDEN,
            "audit without the audit resource",
        );
    }
    live.token = &token;

    // Customers.
    let attribute = json!({"key": "segment", "label": "Segment", "type": "string"});
    let declared = live
        .json(
            "post",
            "/customer-attributes",
            "/customer-attributes",
            attribute.clone(),
        )
        .await;
    expect(&declared, StatusCode::CREATED, "declare an attribute");
    expect(
        &live
            .json(
                "post",
                "/customer-attributes",
                "/customer-attributes",
                attribute,
            )
            .await,
        StatusCode::CONFLICT,
        "declare it again",
    );
    expect(
        &live
            .get("/customer-attributes", "/customer-attributes")
            .await,
        StatusCode::OK,
        "list attributes",
    );
    expect(
        &live.get("/customer-settings", "/customer-settings").await,
        StatusCode::OK,
        "customer settings",
    );
    expect(
        &live
            .json(
                "put",
                "/customer-settings",
                "/customer-settings",
                json!({"unknown_customers": "create"}),
            )
            .await,
        StatusCode::OK,
        "change customer settings",
    );
    let upsert = "/customers/by-external-id/{external_id}";
    let created = live
        .json(
            "put",
            upsert,
            "/customers/by-external-id/crm-1",
            json!({"name": "Anna Adler", "consent_email": true, "attributes": {"segment": "Business"}}),
        )
        .await;
    expect(&created, StatusCode::CREATED, "create a customer");
    let customer_id = created.json()["id"].as_str().expect("id").to_owned();
    expect(
        &live
            .json(
                "put",
                upsert,
                "/customers/by-external-id/crm-1",
                json!({"name": "Anna Adler", "consent_email": true, "attributes": {"segment": "Business"}}),
            )
            .await,
        StatusCode::OK,
        "replay a customer",
    );
    expect(
        &live
            .json(
                "put",
                upsert,
                "/customers/by-external-id/crm-2",
                json!({"attributes": {"plan": "Gold"}}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "undeclared attribute",
    );
    expect(
        &live
            .get("/customers/{id}", &format!("/customers/{customer_id}"))
            .await,
        StatusCode::OK,
        "get a customer",
    );
    let listed = live
        .get(
            "/customers",
            "/customers?attr.segment=Business&q=an&consent_email=true",
        )
        .await;
    expect(&listed, StatusCode::OK, "filter customers");
    assert_eq!(listed.json()["items"].as_array().map(Vec::len), Some(1));
    expect(
        &live.get("/customers", "/customers?attr.plan=Gold").await,
        StatusCode::BAD_REQUEST,
        "filter on an undeclared attribute",
    );
    let ndjson = b"{\"external_id\":\"crm-3\"}\nnot json\n".to_vec();
    let bulk = live
        .send(
            "post",
            "/customers/bulk",
            "/customers/bulk",
            Some(("application/x-ndjson", ndjson.clone())),
            true,
        )
        .await;
    expect(&bulk, StatusCode::OK, "bulk upsert");
    assert_eq!(bulk.json()["rejected"], 1);
    expect(
        &live
            .send(
                "post",
                "/customers/bulk",
                "/customers/bulk",
                Some(("application/json", ndjson)),
                true,
            )
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "bulk upsert as JSON",
    );

    // Segments, the segment filter, attribute groups and the at-risk list.
    expect(
        &live
            .json(
                "post",
                "/customer-attributes",
                "/customer-attributes",
                json!({"key": "customer_value", "type": "number"}),
            )
            .await,
        StatusCode::CREATED,
        "declare a value attribute",
    );
    expect(
        &live
            .json(
                "put",
                upsert,
                "/customers/by-external-id/crm-9",
                json!({"attributes": {"segment": "Business", "customer_value": 900}}),
            )
            .await,
        StatusCode::CREATED,
        "a valuable customer",
    );
    let crm_survey = live
        .json(
            "post",
            "/surveys",
            "/surveys",
            json!({"name": "CRM", "languages": ["en"], "questions": [
                {"id": "nps", "type": "nps", "text": {"en": "Recommend us?"}}]}),
        )
        .await;
    expect(
        &crm_survey,
        StatusCode::CREATED,
        "a survey for the CRM link",
    );
    let survey_id = crm_survey.json()["id"].as_str().expect("id").to_owned();
    expect(
        &live
            .json(
                "post",
                "/surveys/{id}/responses",
                &format!("/surveys/{survey_id}/responses"),
                json!({"answers": {"nps": 2}, "customer_external_id": "crm-9"}),
            )
            .await,
        StatusCode::CREATED,
        "a detractor answer of the customer",
    );
    let segment_body = json!({"name": "Business", "description": "B2B",
        "conditions": [{"type": "attribute", "key": "segment", "equals": "Business"},
                       {"type": "nps_category", "one_of": ["detractor", "none"]}]});
    let segment = live
        .json("post", "/segments", "/segments", segment_body.clone())
        .await;
    expect(&segment, StatusCode::CREATED, "create a segment");
    let segment_id = segment.json()["id"].as_str().expect("id").to_owned();
    expect(
        &live
            .json("post", "/segments", "/segments", segment_body.clone())
            .await,
        StatusCode::CONFLICT,
        "a segment name twice",
    );
    expect(
        &live
            .json(
                "post",
                "/segments",
                "/segments",
                json!({"name": "Bad", "conditions": [{"type": "attribute", "key": "plan", "equals": "x"}]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a segment on an undeclared attribute",
    );
    let segment_uri = format!("/segments/{segment_id}");
    expect(
        &live.get("/segments/{id}", &segment_uri).await,
        StatusCode::OK,
        "get a segment",
    );
    expect(
        &live.get("/segments", "/segments").await,
        StatusCode::OK,
        "list segments",
    );
    expect(
        &live
            .json("put", "/segments/{id}", &segment_uri, segment_body)
            .await,
        StatusCode::OK,
        "replace a segment",
    );
    let members = live
        .get(
            "/segments/{id}/customers",
            &format!("{segment_uri}/customers?limit=10"),
        )
        .await;
    expect(&members, StatusCode::OK, "segment members");
    assert_eq!(members.json()["items"].as_array().map(Vec::len), Some(2));
    expect(
        &live
            .get("/customers", &format!("/customers?segment={segment_id}"))
            .await,
        StatusCode::OK,
        "customers of a segment",
    );
    expect(
        &live
            .get("/responses", &format!("/responses?segment={segment_id}"))
            .await,
        StatusCode::OK,
        "responses of a segment",
    );
    let by_segment = live
        .get(
            "/metrics",
            &format!(
                "/metrics?survey_id={survey_id}&segment={segment_id}&group_by=attribute:segment"
            ),
        )
        .await;
    expect(
        &by_segment,
        StatusCode::OK,
        "metrics of a segment by attribute",
    );
    assert_eq!(by_segment.json()["n"], json!(1));
    expect(
        &live
            .get(
                "/metrics",
                &format!(
                    "/metrics?survey_id={survey_id}&group_by=attribute:customer_value&bins=500,1000"
                ),
            )
            .await,
        StatusCode::OK,
        "metrics by binned value",
    );
    expect(
        &live
            .get(
                "/metrics",
                &format!("/metrics?survey_id={survey_id}&group_by=attribute:customer_value"),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a number attribute without bins",
    );
    let at_risk = live
        .get(
            "/customers/at-risk",
            &format!("/customers/at-risk?value=customer_value&segment={segment_id}"),
        )
        .await;
    expect(&at_risk, StatusCode::OK, "at-risk customers");
    assert_eq!(at_risk.json()["items"].as_array().map(Vec::len), Some(1));
    expect(
        &live
            .get("/customers/at-risk", "/customers/at-risk?value=segment")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a value attribute that is not a number",
    );
    expect(
        &live
            .send("delete", "/segments/{id}", &segment_uri, None, true)
            .await,
        StatusCode::NO_CONTENT,
        "delete a segment",
    );
    expect(
        &live.get("/segments/{id}", &segment_uri).await,
        StatusCode::NOT_FOUND,
        "a deleted segment",
    );
    expect(
        &live
            .get(
                "/metrics",
                &format!("/metrics?survey_id={survey_id}&segment={segment_id}"),
            )
            .await,
        StatusCode::NOT_FOUND,
        "metrics of a deleted segment",
    );

    // Events: a batch with valid, invalid, replayed and conflicting events; the timeline.
    let batch = json!({"events": [
        {"external_id": "evt-1", "customer_external_id": "crm-1", "touchpoint": touchpoint_id,
         "channel": "phone", "type": "call.completed", "occurred_at": "2025-03-14T09:00:00Z",
         "outcome": "resolved", "properties": {"minutes": 12}},
        {"external_id": "evt-2", "customer_external_id": "crm-1", "touchpoint": "no-such-key",
         "channel": "phone", "type": "call.completed", "occurred_at": "2025-03-14T09:00:00Z"},
        {"external_id": "evt-3", "type": "Call"}
    ]});
    let sent = live.json("post", "/events", "/events", batch.clone()).await;
    expect(&sent, StatusCode::OK, "ingest events");
    let result = sent.json();
    assert_eq!(
        (result["created"].clone(), result["rejected"].clone()),
        (json!(1), json!(2)),
        "{result}"
    );
    let again = live.json("post", "/events", "/events", batch).await;
    assert_eq!(again.json()["replayed"], json!(1));
    expect(
        &live
            .json("post", "/events", "/events", json!({"events": []}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty batch",
    );
    let timeline = live
        .get(
            "/customers/{id}/timeline",
            &format!("/customers/{customer_id}/timeline?limit=5"),
        )
        .await;
    expect(&timeline, StatusCode::OK, "timeline");

    // Data protection: export a customer, erase them, then both are 404.
    let export_uri = format!("/customers/{customer_id}/export");
    let exported = live.get("/customers/{id}/export", &export_uri).await;
    expect(&exported, StatusCode::OK, "export a customer");
    assert_eq!(exported.json()["customer"]["id"], json!(customer_id));
    let erased = live
        .send(
            "delete",
            "/customers/{id}",
            &format!("/customers/{customer_id}"),
            None,
            true,
        )
        .await;
    expect(&erased, StatusCode::OK, "erase a customer");
    expect(
        &live
            .send(
                "delete",
                "/customers/{id}",
                &format!("/customers/{customer_id}"),
                None,
                true,
            )
            .await,
        StatusCode::NOT_FOUND,
        "erase again",
    );
    expect(
        &live.get("/customers/{id}/export", &export_uri).await,
        StatusCode::NOT_FOUND,
        "export an erased customer",
    );

    // Journeys: create, stages, layout, map, delete; 404, 409 and 422.
    let created = live
        .json(
            "post",
            "/journeys",
            "/journeys",
            json!({"name": "Telco", "description": "From first contact to renewal", "stages": ["Purchase", "Support"]}),
        )
        .await;
    expect(&created, StatusCode::CREATED, "create journey");
    let journey = created.json();
    let journey_id = journey["id"].as_str().expect("id").to_owned();
    let purchase = journey["stages"][0]["id"]
        .as_str()
        .expect("stage")
        .to_owned();
    let support = journey["stages"][1]["id"]
        .as_str()
        .expect("stage")
        .to_owned();
    expect(
        &live
            .json("post", "/journeys", "/journeys", json!({"name": "Telco"}))
            .await,
        StatusCode::CONFLICT,
        "journey name taken",
    );
    expect(
        &live
            .json(
                "post",
                "/journeys",
                "/journeys",
                json!({"name": "", "stages": ["a", "A"]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid journey",
    );
    expect(
        &live.get("/journeys", "/journeys").await,
        StatusCode::OK,
        "list journeys",
    );
    let journey_uri = format!("/journeys/{journey_id}");
    expect(
        &live.get("/journeys/{id}", &journey_uri).await,
        StatusCode::OK,
        "get journey",
    );
    expect(
        &live
            .get(
                "/journeys/{id}",
                &format!("/journeys/{}", uuid::Uuid::now_v7()),
            )
            .await,
        StatusCode::NOT_FOUND,
        "unknown journey",
    );
    expect(
        &live
            .json(
                "put",
                "/journeys/{id}",
                &journey_uri,
                json!({"name": "Telco journey"}),
            )
            .await,
        StatusCode::OK,
        "rename journey",
    );
    let stages_uri = format!("/journeys/{journey_id}/stages");
    let added = live
        .json(
            "post",
            "/journeys/{id}/stages",
            &stages_uri,
            json!({"name": "Renewal"}),
        )
        .await;
    expect(&added, StatusCode::CREATED, "add stage");
    let renewal = added.json()["stages"][2]["id"]
        .as_str()
        .expect("stage")
        .to_owned();
    let stage_uri = format!("/journeys/{journey_id}/stages/{renewal}");
    expect(
        &live
            .json(
                "put",
                "/journeys/{id}/stages/{stage_id}",
                &stage_uri,
                json!({"name": "Purchase"}),
            )
            .await,
        StatusCode::CONFLICT,
        "stage name taken",
    );
    expect(
        &live
            .json(
                "put",
                "/journeys/{id}/stages/{stage_id}",
                &stage_uri,
                json!({"name": "Loyalty"}),
            )
            .await,
        StatusCode::OK,
        "rename stage",
    );
    let layout_uri = format!("/journeys/{journey_id}/layout");
    expect(
        &live
            .json(
                "put",
                "/journeys/{id}/layout",
                &layout_uri,
                json!({"stages": [{"id": support, "touchpoint_ids": [touchpoint_id, touchpoint_id]}]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "layout with a touchpoint twice and stages missing",
    );
    let laid = live
        .json(
            "put",
            "/journeys/{id}/layout",
            &layout_uri,
            json!({"stages": [
                {"id": support, "touchpoint_ids": [touchpoint_id]},
                {"id": purchase},
                {"id": renewal}]}),
        )
        .await;
    expect(&laid, StatusCode::OK, "layout");
    assert_eq!(
        laid.json()["stages"][0]["touchpoints"][0]["id"],
        json!(touchpoint_id)
    );
    let map_uri = format!("/journeys/{journey_id}/map?metric=nps&from=2025-01-01&to=2025-12-31");
    let map = live.get("/journeys/{id}/map", &map_uri).await;
    expect(&map, StatusCode::OK, "journey map");
    assert_eq!(
        map.json()["stages"][0]["touchpoints"][0]["name"],
        "Hotline ☎"
    );
    expect(
        &live
            .get(
                "/journeys/{id}/map",
                &format!("/journeys/{journey_id}/map?metric=mood&interval=year"),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "map query",
    );
    let paths_uri = format!(
        "/journeys/{journey_id}/paths?from=2025-01-01&to=2025-12-31&top=5&repeat_touchpoint={touchpoint_id}&before_stage={purchase}"
    );
    let paths = live.get("/journeys/{id}/paths", &paths_uri).await;
    expect(&paths, StatusCode::OK, "journey paths");
    assert_eq!(paths.json()["repeat"]["groups"][3]["contacts"], "3+");
    expect(
        &live
            .get(
                "/journeys/{id}/paths",
                &format!("/journeys/{journey_id}/paths?top=0&repeat_touchpoint=nope&before_stage={purchase}"),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "paths query",
    );
    expect(
        &live
            .send(
                "delete",
                "/journeys/{id}/stages/{stage_id}",
                &stage_uri,
                None,
                true,
            )
            .await,
        StatusCode::OK,
        "delete stage",
    );
    expect(
        &live
            .send("delete", "/journeys/{id}", &journey_uri, None, true)
            .await,
        StatusCode::NO_CONTENT,
        "delete journey",
    );

    // Retention: policies, validation, removal, a run on demand.
    let set = live
        .json(
            "put",
            "/retention/{data_class}",
            "/retention/comments",
            json!({"action": "anonymise", "days": 365}),
        )
        .await;
    expect(&set, StatusCode::OK, "set retention policy");
    assert_eq!(set.json()["days"], 365);
    expect(
        &live
            .json(
                "put",
                "/retention/{data_class}",
                "/retention/responses",
                json!({"action": "anonymise", "days": 0}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "responses cannot be anonymised; days out of range",
    );
    expect(
        &live
            .json(
                "put",
                "/retention/{data_class}",
                "/retention/emails",
                json!({"action": "delete", "days": 30}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "unknown data class",
    );
    let overview = live.get("/retention", "/retention").await;
    expect(&overview, StatusCode::OK, "retention overview");
    assert_eq!(overview.json()["policies"][0]["data_class"], "comments");
    expect(
        &live
            .send("post", "/retention/runs", "/retention/runs", None, true)
            .await,
        StatusCode::ACCEPTED,
        "run retention now",
    );
    expect(
        &live.get("/retention/runs", "/retention/runs").await,
        StatusCode::OK,
        "retention runs",
    );
    expect(
        &live
            .send(
                "delete",
                "/retention/{data_class}",
                "/retention/comments",
                None,
                true,
            )
            .await,
        StatusCode::NO_CONTENT,
        "remove retention policy",
    );
    expect(
        &live
            .send(
                "delete",
                "/retention/{data_class}",
                "/retention/comments",
                None,
                true,
            )
            .await,
        StatusCode::NOT_FOUND,
        "remove again",
    );
    live.token = &narrow;
    expect(
        &live.get("/retention", "/retention").await,
        StatusCode::FORBIDDEN,
        "retention needs full access",
    );
    live.token = &token;

    // Invitations, users and the outbox.
    let invite = live
        .json(
            "post",
            "/invitations",
            "/invitations",
            json!({"email": "new@example.com", "role": "analyst", "language": "en"}),
        )
        .await;
    expect(&invite, StatusCode::CREATED, "invite");
    let invitation_id = invite.json()["id"].as_str().expect("id").to_owned();
    expect(
        &live
            .json(
                "post",
                "/invitations",
                "/invitations",
                json!({"email": "new@example.com", "role": "analyst"}),
            )
            .await,
        StatusCode::CONFLICT,
        "invite twice",
    );
    expect(
        &live
            .json(
                "post",
                "/invitations",
                "/invitations",
                json!({"email": "nope", "role": "king"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid invitation",
    );
    expect(
        &live.get("/invitations", "/invitations").await,
        StatusCode::OK,
        "list invitations",
    );
    let invitation_uri = format!("/invitations/{invitation_id}");
    expect(
        &live
            .send("delete", "/invitations/{id}", &invitation_uri, None, true)
            .await,
        StatusCode::NO_CONTENT,
        "revoke invitation",
    );
    expect(
        &live
            .send(
                "delete",
                "/invitations/{id}",
                &format!("/invitations/{}", uuid::Uuid::now_v7()),
                None,
                true,
            )
            .await,
        StatusCode::NOT_FOUND,
        "revoke unknown invitation",
    );
    let org_id = store.organisation_ids().await.expect("orgs")[0];
    let mail = touchpoint_server::mail::invitation(
        touchpoint_domain::Language::En,
        "second@example.com",
        "Org",
        "Owner",
        "viewer",
        "http://x",
        1,
    )
    .expect("mail");
    store
        .create_invitation(
            org_id,
            &touchpoint_store::lifecycle::NewInvitation {
                email: "second@example.com".into(),
                role: touchpoint_domain::Role::Viewer,
                language: touchpoint_domain::Language::En,
                department_ids: Vec::new(),
                token_hash: "second-invitation".into(),
                expires_at: touchpoint_store::now_ms() + 60_000,
            },
            &mail,
            &touchpoint_store::AuditContext::system(),
        )
        .await
        .expect("invite");
    let second = store
        .accept_invitation("second-invitation", "Second", "$argon2id$x", None)
        .await
        .expect("accept");
    for verb in ["deactivate", "reactivate"] {
        let template = format!("/users/{{id}}/{verb}");
        let uri = format!("/users/{}/{verb}", second.user_id);
        expect(
            &live.send("post", &template, &uri, None, true).await,
            StatusCode::OK,
            verb,
        );
        let unknown = format!("/users/{}/{verb}", uuid::Uuid::now_v7());
        expect(
            &live.send("post", &template, &unknown, None, true).await,
            StatusCode::NOT_FOUND,
            verb,
        );
    }
    let owner = store
        .users(org_id)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.role == "owner")
        .expect("owner");
    expect(
        &live
            .send(
                "post",
                "/users/{id}/deactivate",
                &format!("/users/{}/deactivate", owner.id),
                None,
                true,
            )
            .await,
        StatusCode::CONFLICT,
        "deactivate yourself",
    );
    expect(&live.get("/mail", "/mail").await, StatusCode::OK, "outbox");
    expect(
        &live.get("/mail", "/mail?limit=0").await,
        StatusCode::BAD_REQUEST,
        "outbox with a bad limit",
    );

    // Departments and users.
    let departments = live.get("/departments", "/departments").await;
    expect(&departments, StatusCode::OK, "departments");
    assert_eq!(
        departments.json()["items"].as_array().map(Vec::len),
        Some(4)
    );
    let created = live
        .json(
            "post",
            "/departments",
            "/departments",
            json!({"key": "after-sales", "name": "<b>After-sales</b>"}),
        )
        .await;
    expect(&created, StatusCode::CREATED, "department");
    let department = created.json()["id"].as_str().expect("id").to_owned();
    expect(
        &live
            .json(
                "post",
                "/departments",
                "/departments",
                json!({"key": "after-sales", "name": "Again"}),
            )
            .await,
        StatusCode::CONFLICT,
        "department key taken",
    );
    expect(
        &live
            .json(
                "post",
                "/departments",
                "/departments",
                json!({"key": "Bad Key"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "department input",
    );
    expect(
        &live
            .json(
                "put",
                "/departments/{id}",
                &format!("/departments/{department}"),
                json!({"name": "After sales"}),
            )
            .await,
        StatusCode::OK,
        "department renamed",
    );
    let users = live.get("/users", "/users").await;
    expect(&users, StatusCode::OK, "users");
    let me = users.json()["items"][0]["id"]
        .as_str()
        .expect("user id")
        .to_owned();
    expect(
        &live
            .json(
                "put",
                "/users/{id}/role",
                &format!("/users/{me}/role"),
                json!({"role": "admin"}),
            )
            .await,
        StatusCode::CONFLICT,
        "last owner",
    );
    expect(
        &live
            .json(
                "put",
                "/users/{id}/role",
                &format!("/users/{me}/role"),
                json!({"role": "owner", "departments": [department]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "owners see everything",
    );
    expect(
        &live
            .json(
                "put",
                "/users/{id}/role",
                &format!("/users/{me}/role"),
                json!({"role": "owner"}),
            )
            .await,
        StatusCode::OK,
        "role unchanged",
    );
    expect(
        &live
            .send(
                "delete",
                "/departments/{id}",
                &format!("/departments/{department}"),
                None,
                true,
            )
            .await,
        StatusCode::NO_CONTENT,
        "department deleted",
    );
    expect(
        &live
            .send(
                "delete",
                "/departments/{id}",
                &format!("/departments/{department}"),
                None,
                true,
            )
            .await,
        StatusCode::NOT_FOUND,
        "department gone",
    );

    // Every route was exercised at least once.
    for (method, path) in touchpoint_server::api::routes().list() {
        assert!(
            live.seen
                .contains_key(&(method.to_lowercase(), (*path).to_owned())),
            "{} {path} is not exercised by this test; add a request for it",
            method.to_uppercase()
        );
    }
}

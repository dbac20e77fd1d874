//! `touchpoint demo`: a living product for newcomers. Creates (or reuses) a demo data
//! directory with the Nordwind Telekom organisation, its touchpoints, journey and three
//! surveys, the 7,043 IBM Telco customers with a year of their events, and a year of
//! responses (half of them from those customers), then serves it and prints where to look.

use crate::config::Config;
use crate::runtime::open_store;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use touchpoint_domain::customer::AttributeDefinitionDraft;
use touchpoint_domain::event::EventDraft;
use touchpoint_domain::journey::{JourneyFields, Layout};
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{
    AttributeDefinition, CustomerDraft, Language, NewResponse, ResponseDraft, SurveyDefinition,
};
use touchpoint_server::auth::{hash_password, new_api_token, new_public_token};
use touchpoint_store::AuditContext;
use touchpoint_store::accounts::Initialisation;
use touchpoint_store::events::EventOutcome;
use touchpoint_store::{Store, SubmitOutcome};

pub const DEMO_EMAIL: &str = "demo@nordwind.example";
pub const DEMO_PASSWORD: &str = "touchpoint-demo";
const CHUNK: usize = 2_000;
/// Events per ingestion call (one transaction each).
const EVENT_CHUNK: usize = 2_000;

/// What a newcomer needs to get in; kept in the demo directory so a restart prints it again.
#[derive(Debug, Serialize, Deserialize)]
struct Credentials {
    email: String,
    password: String,
    api_token: String,
    survey_tokens: Vec<String>,
}

fn credentials_path(config: &Config) -> PathBuf {
    config.data_dir.join("demo-credentials.json")
}

pub async fn demo(
    config: Config,
    responses: usize,
    seed: u64,
    no_serve: bool,
) -> anyhow::Result<ExitCode> {
    let store = open_store(&config).await?;
    let path = credentials_path(&config);
    let credentials = if store.is_initialised().await? {
        let raw = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} holds a database that is not a demo (no {}); choose another --data-dir",
                config.data_dir.display(),
                path.display()
            )
        })?;
        eprintln!("reusing the demo data in {}", config.data_dir.display());
        serde_json::from_str(&raw).context("the demo credentials file is damaged")?
    } else {
        let credentials = load(&store, responses, seed).await?;
        std::fs::write(&path, serde_json::to_string_pretty(&credentials)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        credentials
    };
    store.close().await;
    let base = config.server.public_url.trim_end_matches('/').to_owned();
    let mut banner = format!(
        "\nTouchpoint demo is ready.\n  Open       {base}/app\n  Sign in    {} / {}\n  API token  {}\n",
        credentials.email, credentials.password, credentials.api_token
    );
    banner.push_str(&format!(
        "  Customers  {base}/app/customers (churned: {base}/app/customers?attr=churned&value=true)\n"
    ));
    for token in &credentials.survey_tokens {
        banner.push_str(&format!("  Survey     {base}/s/{token}\n"));
    }
    if no_serve {
        println!("{banner}");
        return Ok(ExitCode::SUCCESS);
    }
    super::serve::serve(config, Some(banner)).await
}

/// Creates the demo journey with its stages and places the touchpoints in them.
async fn place_in_journey(
    store: &Store,
    org_id: touchpoint_domain::OrgId,
    journey: &touchpoint_demo::DemoJourney,
    touchpoints: &HashMap<String, touchpoint_domain::TouchpointId>,
) -> anyhow::Result<()> {
    let fields = JourneyFields {
        name: journey.name.clone(),
        description: journey.description.clone(),
        stages: journey
            .stages
            .iter()
            .map(|(name, _)| name.clone())
            .collect(),
    };
    let created = store
        .create_journey(org_id, &fields, &AuditContext::system())
        .await?;
    let mut stages = Vec::new();
    for (stage, (_, keys)) in created.stages.iter().zip(&journey.stages) {
        let placed = keys
            .iter()
            .map(|k| {
                touchpoints
                    .get(k)
                    .copied()
                    .ok_or_else(|| anyhow::anyhow!("demo journey names unknown touchpoint {k}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        stages.push((stage.id, placed));
    }
    store
        .set_layout(
            org_id,
            created.id,
            &Layout { stages },
            &AuditContext::system(),
        )
        .await?;
    Ok(())
}

/// Declares the demo's customer attributes and upserts the 7,043 Telco customers in bulk.
async fn load_customers(
    store: &Store,
    org_id: touchpoint_domain::OrgId,
    seed: u64,
) -> anyhow::Result<u64> {
    for attribute in touchpoint_demo::attributes() {
        let definition = AttributeDefinition::validate(AttributeDefinitionDraft {
            key: attribute.key.clone(),
            label: Some(attribute.label.clone()),
            attribute_type: attribute.kind.clone(),
        })
        .map_err(|e| anyhow::anyhow!("demo attribute '{}' is invalid: {e:?}", attribute.key))?;
        store
            .define_attribute(org_id, &definition, &AuditContext::system())
            .await?;
    }
    let customers = touchpoint_demo::customers(seed);
    let mut inserted = 0;
    for (chunk_index, chunk) in customers.chunks(CHUNK).enumerate() {
        let lines = chunk
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let draft = CustomerDraft {
                    external_id: Some(c.external_id.clone()),
                    email: Some(c.email.clone()),
                    phone: None,
                    name: Some(c.name.clone()),
                    language: Some(c.language.clone()),
                    consent_email: Some(c.consent_email.into()),
                    consent_sms: Some(c.consent_sms.into()),
                    consent_in_app: Some(c.consent_in_app.into()),
                    attributes: c.attributes.clone(),
                };
                ((chunk_index * CHUNK + i + 1) as u64, Ok(draft))
            })
            .collect();
        let report = store.import_customers(org_id, lines).await?;
        if let Some(error) = report.errors.first() {
            bail!("demo customer on line {} is invalid: {error:?}", error.line);
        }
        inserted += report.inserted;
    }
    Ok(inserted)
}

/// Stores every demo customer's events of the year through the event ingestion, in chunks.
async fn load_events(
    store: &Store,
    org_id: touchpoint_domain::OrgId,
    seed: u64,
    now: i64,
) -> anyhow::Result<usize> {
    let generated = touchpoint_demo::events(seed, now);
    let mut created = 0;
    for chunk in generated.chunks(EVENT_CHUNK) {
        let events = chunk
            .iter()
            .map(|e| {
                let occurred_at = chrono::DateTime::from_timestamp_millis(e.occurred_at_ms)
                    .map(|t| t.to_rfc3339());
                EventDraft {
                    external_id: Some(e.external_id.clone()),
                    customer_external_id: Some(e.customer_external_id.clone()),
                    touchpoint: Some(e.touchpoint_key.clone()),
                    channel: Some(e.channel.clone()),
                    kind: Some(e.kind.clone()),
                    occurred_at,
                    outcome: e.outcome.clone(),
                    properties: Some(e.properties.clone()),
                }
                .validate(now)
                .map_err(|errors| {
                    anyhow::anyhow!("demo event {} is invalid: {errors:?}", e.external_id)
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        for (event, outcome) in chunk.iter().zip(store.ingest_events(org_id, events).await?) {
            match outcome {
                EventOutcome::Created(_) => created += 1,
                other => bail!("demo event {} was not stored: {other:?}", event.external_id),
            }
        }
    }
    Ok(created)
}

async fn load(store: &Store, count: usize, seed: u64) -> anyhow::Result<Credentials> {
    let started = Instant::now();
    let dataset = touchpoint_demo::dataset();
    let (api_token, stored_token) = new_api_token("demo");
    let done = store
        .initialise(&Initialisation {
            org_name: dataset.organisation_name.clone(),
            email: DEMO_EMAIL.to_owned(),
            display_name: "Demo Admin".to_owned(),
            password_hash: hash_password(DEMO_PASSWORD)?,
            language: Language::De,
            token: stored_token,
        })
        .await?;
    let org_id = done.org_id;
    let mut touchpoints = HashMap::new();
    for tp in &dataset.touchpoints {
        let fields = TouchpointFields {
            name: tp.name.clone(),
            channel: tp.channel.clone(),
            key: Some(tp.key.clone()),
            description: tp.description.clone(),
            moment_of_truth: tp.moment_of_truth,
        };
        touchpoints.insert(
            tp.key.clone(),
            store
                .create_touchpoint(org_id, &fields, &AuditContext::system())
                .await?
                .id,
        );
    }
    place_in_journey(store, org_id, &dataset.journey, &touchpoints).await?;
    let mut surveys = HashMap::new();
    let mut survey_tokens = Vec::new();
    for demo_survey in &dataset.surveys {
        let definition = SurveyDefinition::from_json(demo_survey.definition.clone())
            .map_err(|e| anyhow::anyhow!("demo survey '{}' is invalid: {e:?}", demo_survey.key))?;
        let touchpoint = demo_survey
            .touchpoint_key
            .as_ref()
            .and_then(|k| touchpoints.get(k))
            .copied();
        let token = new_public_token();
        let survey = store
            .create_survey(
                org_id,
                &definition,
                touchpoint,
                &token,
                &AuditContext::system(),
            )
            .await?;
        survey_tokens.push(token);
        surveys.insert(demo_survey.key.clone(), survey);
    }
    let now = touchpoint_store::now_ms();
    let setup_done = started.elapsed();
    let customers = load_customers(store, org_id, seed).await?;
    let customers_done = started.elapsed();
    let events = load_events(store, org_id, seed, now).await?;
    let events_done = started.elapsed();
    let generated = touchpoint_demo::responses(seed, now, count);
    let mut stored = 0usize;
    for chunk in generated.chunks(CHUNK) {
        let mut by_survey: HashMap<&str, Vec<NewResponse>> = HashMap::new();
        for r in chunk {
            let Some(survey) = surveys.get(&r.survey_key) else {
                bail!("demo response for unknown survey {}", r.survey_key)
            };
            let draft = ResponseDraft {
                answers: r.answers.clone(),
                language: Some(r.language.clone()),
                channel: Some(r.channel.clone()),
                touchpoint_id: r
                    .touchpoint_key
                    .as_ref()
                    .and_then(|k| touchpoints.get(k))
                    .map(|t| t.to_string()),
                external_id: Some(r.external_id.clone()),
                submitted_at: chrono::DateTime::from_timestamp_millis(r.submitted_at_ms)
                    .map(|t| t.to_rfc3339()),
                customer_external_id: r.customer_external_id.clone(),
            };
            let response =
                NewResponse::validate(&survey.definition, draft, "web", now).map_err(|e| {
                    anyhow::anyhow!("demo response {} is invalid: {e:?}", r.external_id)
                })?;
            by_survey
                .entry(r.survey_key.as_str())
                .or_default()
                .push(response);
        }
        for (key, responses) in by_survey {
            let Some(survey) = surveys.get(key) else {
                continue;
            };
            for outcome in store.submit_responses(survey, responses).await {
                if matches!(outcome?, SubmitOutcome::Created(_)) {
                    stored += 1;
                }
            }
        }
    }
    let total = started.elapsed();
    eprintln!(
        "demo data loaded in {:.1} s: setup {:.1} s, {customers} customers {:.1} s, \
         {events} events {:.1} s, {stored} responses {:.1} s",
        total.as_secs_f64(),
        setup_done.as_secs_f64(),
        (customers_done - setup_done).as_secs_f64(),
        (events_done - customers_done).as_secs_f64(),
        (total - events_done).as_secs_f64(),
    );
    Ok(Credentials {
        email: DEMO_EMAIL.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        api_token,
        survey_tokens,
    })
}

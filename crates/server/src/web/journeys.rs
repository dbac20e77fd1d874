//! `/app/journeys`: the organisation's journeys, and for each the journey map (stages as
//! columns, touchpoints as cards with score, interval, trend, negative comments and friction)
//! with its editor — add, rename, reorder and delete stages, place and move touchpoints. The
//! editor works without script: every button is a small form; the server turns it into a new
//! layout and applies it with the same validation as `PUT /api/v1/journeys/{id}/layout`.

use super::form::Form;
use super::pages::{Headline, headline, last_twelve_months};
use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::i18n::{self, Texts};
use crate::journey_map::{Card, LayoutRefusal, MapRequest, apply_layout, journey_map, layout_of};
use crate::limits::PeerAddress;
use crate::reports::all_touchpoints;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashSet;
use touchpoint_domain::journey::{
    JourneyDraft, JourneyFields, LayoutDraft, StageLayoutDraft, stage_name,
};
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::{Interval, JourneyId, Language, StageId, TouchpointId};
use touchpoint_store::StoreError;
use touchpoint_store::journeys::Journey;

struct JourneyRow {
    name: String,
    href: String,
    stages: usize,
    touchpoints: usize,
}

#[derive(askama::Template)]
#[template(path = "web/journeys.html")]
struct JourneysPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    journeys: Vec<JourneyRow>,
    may_edit: bool,
    problems: Vec<String>,
    name: String,
    stages: String,
}

struct CardView {
    id: String,
    name: String,
    channel: String,
    moment_of_truth: bool,
    headline: Headline,
    negative: String,
    friction: String,
    first: bool,
    last: bool,
}

struct ColumnView {
    id: String,
    name: String,
    cards: Vec<CardView>,
    first: bool,
    last: bool,
}

struct FrictionRow {
    rank: usize,
    name: String,
    share: String,
    impact: String,
    ci: String,
    significant: bool,
}

#[derive(askama::Template)]
#[template(path = "web/journey.html")]
struct JourneyPage {
    lang: &'static str,
    t: &'static Texts,
    /// The link to the paths page (its texts live with it).
    p: &'static super::paths::PathTexts,
    metric_key: &'static str,
    chrome: Chrome,
    id: String,
    name: String,
    description: String,
    metrics: Vec<(&'static str, &'static str, bool)>,
    overall: Headline,
    columns: Vec<ColumnView>,
    friction: Vec<FrictionRow>,
    unplaced: Vec<(String, String)>,
    stage_choices: Vec<(String, String)>,
    may_edit: bool,
    problems: Vec<String>,
}

/// Who may change journeys in the web app.
fn may_edit(signed_in: &SignedIn) -> bool {
    signed_in.may(touchpoint_domain::Permission::ManageJourneys)
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let page = list_page(
        &state,
        &signed_in,
        language,
        Vec::new(),
        String::new(),
        String::new(),
    )
    .await?;
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

async fn list_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    problems: Vec<String>,
    name: String,
    stages: String,
) -> Result<JourneysPage, WebError> {
    let journeys = state
        .store
        .journeys(signed_in.user.org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    Ok(JourneysPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        chrome: Chrome::new(language, signed_in, "/app/journeys"),
        journeys: journeys
            .iter()
            .map(|j| JourneyRow {
                name: j.name.clone(),
                href: format!("/app/journeys/{}", j.id),
                stages: j.stages.len(),
                touchpoints: j.touchpoints().count(),
            })
            .collect(),
        may_edit: may_edit(signed_in),
        problems,
        name,
        stages,
    })
}

/// The create form: `name`, `stages` (one per line).
pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = Form::parse(&body);
    let (name, stages) = (form.text("name"), form.raw("stages"));
    let draft = JourneyDraft {
        name: Some(name.clone()),
        description: form.given("description"),
        stages: Some(
            stages
                .lines()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    };
    let problems = match JourneyFields::try_from(draft) {
        Ok(fields) => match state
            .store
            .create_journey(signed_in.user.org_id, &fields, &signed_in.audit(peer.0))
            .await
        {
            Ok(journey) => {
                return Ok(Redirect::to(&format!("/app/journeys/{}", journey.id)).into_response());
            }
            Err(StoreError::Conflict { constraint }) => vec![constraint],
            Err(e) => return Err(WebError::internal(language, e)),
        },
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect(),
    };
    let page = list_page(&state, &signed_in, language, problems, name, stages).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn metric_of(raw: Option<&str>) -> MetricKind {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "metric"))
        .and_then(|(_, v)| MetricKind::parse(&v))
        .unwrap_or(MetricKind::Nps)
}

/// The caller's organisation's journey named by `id`, whole (pages narrow it), or 404.
pub(super) async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    id: &str,
) -> Result<Journey, WebError> {
    let id: JourneyId = id.parse().map_err(|_| WebError::not_found(language))?;
    state
        .store
        .journey(signed_in.user.org_id, id)
        .await
        .map_err(|e| WebError::from_store(language, e))
}

fn card_view(
    language: Language,
    t: &'static Texts,
    kind: MetricKind,
    card: &Card,
    first: bool,
    last: bool,
) -> CardView {
    let estimate = card.report.as_ref().and_then(|r| r.estimate.as_ref());
    let negative = if card.comments.analysed > 0 {
        format!(
            "{} % {} ({} / {})",
            i18n::number(
                language,
                100.0 * card.comments.negative as f64 / card.comments.analysed as f64
            ),
            t.journey_negative_comments,
            card.comments.negative,
            card.comments.analysed
        )
    } else {
        String::new()
    };
    let friction = card
        .friction
        .as_ref()
        .map(|(rank, f)| {
            format!(
                "{} #{rank}: {} {}",
                t.journey_friction,
                signed(language, f.impact),
                t.journey_points
            )
        })
        .unwrap_or_default();
    CardView {
        id: card.touchpoint.id.to_string(),
        name: card.touchpoint.name.clone(),
        channel: card.touchpoint.channel.clone(),
        moment_of_truth: card.touchpoint.moment_of_truth,
        headline: headline(language, kind, estimate, card.change.as_ref()),
        negative,
        friction,
        first,
        last,
    }
}

fn signed(language: Language, x: f64) -> String {
    let sign = if x > 0.0 { "+" } else { "" };
    format!("{sign}{}", i18n::number(language, x))
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let journey = load(&state, &signed_in, language, &id).await?;
    let kind = metric_of(raw.as_deref());
    let page = journey_page(&state, &signed_in, language, journey, kind, Vec::new()).await?;
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

async fn journey_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    journey: Journey,
    kind: MetricKind,
    problems: Vec<String>,
) -> Result<JourneyPage, WebError> {
    let t = i18n::texts(language);
    let org_id = signed_in.user.org_id;
    let placed: HashSet<TouchpointId> = state
        .store
        .touchpoint_placements(org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?
        .into_keys()
        .collect();
    let unplaced = all_touchpoints(&state.store, org_id, &signed_in.departments)
        .await
        .map_err(|e| WebError::internal(language, e))?
        .into_iter()
        .filter(|tp| !placed.contains(&tp.id))
        .map(|tp| (tp.id.to_string(), tp.name))
        .collect();
    let stage_ids: Vec<StageId> = journey.stages.iter().map(|s| s.id).collect();
    let stage_choices = journey
        .stages
        .iter()
        .map(|s| (s.id.to_string(), s.name.clone()))
        .collect();
    let (from_day, to_day) = last_twelve_months();
    let request = MapRequest {
        kind,
        from_day,
        to_day,
        interval: Interval::Month,
        segment: None,
    };
    let id = journey.id.to_string();
    let map = journey_map(
        &state.store,
        org_id,
        &signed_in.departments,
        journey,
        request,
    )
    .await
    .map_err(|e| WebError::internal(language, e))?;
    let names: std::collections::HashMap<TouchpointId, String> = map
        .stages
        .iter()
        .flat_map(|s| {
            s.cards
                .iter()
                .map(|c| (c.touchpoint.id, c.touchpoint.name.clone()))
        })
        .collect();
    let column_count = map.stages.len();
    let columns = map
        .stages
        .iter()
        .zip(stage_ids)
        .enumerate()
        .map(|(i, (stage, stage_id))| {
            let count = stage.cards.len();
            ColumnView {
                id: stage_id.to_string(),
                name: stage.name.clone(),
                cards: stage
                    .cards
                    .iter()
                    .enumerate()
                    .map(|(j, card)| card_view(language, t, kind, card, j == 0, j + 1 == count))
                    .collect(),
                first: i == 0,
                last: i + 1 == column_count,
            }
        })
        .collect();
    let friction = map
        .friction
        .iter()
        .enumerate()
        .map(|(i, f)| FrictionRow {
            rank: i + 1,
            name: names.get(&f.key).cloned().unwrap_or_default(),
            share: format!("{} %", i18n::number(language, 100.0 * f.share)),
            impact: signed(language, f.impact),
            ci: format!(
                "[{}; {}]",
                signed(language, f.ci95.0),
                signed(language, f.ci95.1)
            ),
            significant: f.significant,
        })
        .collect();
    Ok(JourneyPage {
        lang: language.as_str(),
        t,
        p: super::paths::texts(language),
        metric_key: kind.as_str(),
        chrome: Chrome::new(language, signed_in, &format!("/app/journeys/{id}")),
        name: map.name.clone(),
        description: map.description.clone(),
        metrics: [MetricKind::Nps, MetricKind::Csat, MetricKind::Ces]
            .into_iter()
            .map(|k| (k.as_str(), i18n::metric_name(k), k == kind))
            .collect(),
        overall: headline(
            language,
            kind,
            map.overall.estimate.as_ref(),
            map.overall.change.as_ref(),
        ),
        id,
        columns,
        friction,
        unplaced,
        stage_choices,
        may_edit: may_edit(signed_in),
        problems,
    })
}

/// Moves the item at `index` one place by `step` (−1 or +1), if there is room.
fn shift<T>(items: &mut [T], index: usize, step: isize) {
    if let Some(other) = index.checked_add_signed(step).filter(|o| *o < items.len()) {
        items.swap(index, other);
    }
}

/// What an editor form asks for, applied to a layout. `None` when the form names a stage or
/// touchpoint the journey does not have.
fn edit_layout(layout: &mut Vec<(StageId, Vec<TouchpointId>)>, form: &Form) -> Option<()> {
    let stage: Option<StageId> = form.text("stage").parse().ok();
    let touchpoint: Option<TouchpointId> = form.text("touchpoint").parse().ok();
    let stage_index = |layout: &Vec<(StageId, Vec<TouchpointId>)>| {
        stage.and_then(|s| layout.iter().position(|(id, _)| *id == s))
    };
    let find = |layout: &Vec<(StageId, Vec<TouchpointId>)>| {
        touchpoint.and_then(|tp| {
            layout
                .iter()
                .enumerate()
                .find_map(|(i, (_, tps))| tps.iter().position(|t| *t == tp).map(|j| (i, j)))
        })
    };
    match form.text("intent").as_str() {
        "stage_left" => {
            let i = stage_index(layout)?;
            shift(layout, i, -1);
        }
        "stage_right" => {
            let i = stage_index(layout)?;
            shift(layout, i, 1);
        }
        "up" => {
            let (i, j) = find(layout)?;
            shift(&mut layout[i].1, j, -1);
        }
        "down" => {
            let (i, j) = find(layout)?;
            shift(&mut layout[i].1, j, 1);
        }
        "remove" => {
            let (i, j) = find(layout)?;
            layout[i].1.remove(j);
        }
        "place" => {
            let target = stage_index(layout)?;
            let tp = touchpoint?;
            if let Some((i, j)) = find(layout) {
                layout[i].1.remove(j);
            }
            layout[target].1.push(tp);
        }
        _ => return None,
    }
    Some(())
}

/// Why an editor action changed nothing.
enum EditRefused {
    /// The form's input, in words for the page.
    Invalid(String),
    Store(StoreError),
}

impl From<StoreError> for EditRefused {
    fn from(error: StoreError) -> Self {
        EditRefused::Store(error)
    }
}

fn invalid(errors: Vec<touchpoint_domain::FieldError>) -> EditRefused {
    EditRefused::Invalid(
        errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Carries out one editor action; a new layout is checked exactly as the API's.
async fn apply_edit(
    state: &AppState,
    org_id: touchpoint_domain::OrgId,
    scope: &touchpoint_domain::DepartmentScope,
    journey: &Journey,
    form: &Form,
    context: &touchpoint_store::AuditContext,
) -> Result<(), EditRefused> {
    let store = &state.store;
    let stage: Option<StageId> = form.text("stage").parse().ok();
    let missing = || EditRefused::Store(StoreError::NotFound);
    match form.text("intent").as_str() {
        "add_stage" => {
            let name = stage_name(Some(&form.text("name"))).map_err(invalid)?;
            store.add_stage(org_id, journey.id, &name, context).await?;
        }
        "rename_stage" => {
            let stage = stage.ok_or_else(missing)?;
            let name = stage_name(Some(&form.text("name"))).map_err(invalid)?;
            store
                .rename_stage(org_id, journey.id, stage, &name, context)
                .await?;
        }
        "delete_stage" => {
            let stage = stage.ok_or_else(missing)?;
            store
                .delete_stage(org_id, journey.id, stage, context)
                .await?;
        }
        _ => {
            let mut stages = layout_of(journey);
            edit_layout(&mut stages, form).ok_or_else(missing)?;
            let draft = LayoutDraft {
                stages: stages
                    .into_iter()
                    .map(|(id, touchpoints)| StageLayoutDraft {
                        id: id.to_string(),
                        touchpoint_ids: touchpoints.iter().map(|t| t.to_string()).collect(),
                    })
                    .collect(),
            };
            let whole = store.journey(org_id, journey.id).await?;
            apply_layout(store, org_id, scope, &whole, draft, context)
                .await
                .map_err(|refusal| match refusal {
                    LayoutRefusal::Invalid(_) => missing(),
                    LayoutRefusal::Store(error) => EditRefused::Store(error),
                })?;
        }
    }
    Ok(())
}

/// One editor action: `intent` is `add_stage`, `rename_stage`, `delete_stage`, `stage_left`,
/// `stage_right`, `place`, `up`, `down` or `remove`.
pub async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let t = i18n::texts(language);
    let journey = load(&state, &signed_in, language, &id).await?;
    let form = Form::parse(&body);
    let org_id = signed_in.user.org_id;
    let context = signed_in.audit(peer.0);
    let problem = match apply_edit(
        &state,
        org_id,
        &signed_in.departments,
        &journey,
        &form,
        &context,
    )
    .await
    {
        Ok(()) => return Ok(Redirect::to(&format!("/app/journeys/{}", journey.id)).into_response()),
        Err(EditRefused::Invalid(problem)) => problem,
        Err(EditRefused::Store(StoreError::Conflict { constraint })) => constraint,
        Err(EditRefused::Store(StoreError::NotFound)) => t.journey_not_in_journey.to_owned(),
        Err(EditRefused::Store(e)) => return Err(WebError::internal(language, e)),
    };
    let page = journey_page(
        &state,
        &signed_in,
        language,
        journey,
        MetricKind::Nps,
        vec![problem],
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id<T: From<uuid::Uuid>>(n: u128) -> T {
        T::from(uuid::Uuid::from_u128(n))
    }

    fn form(pairs: &[(&str, String)]) -> Form {
        Form::parse(&Bytes::from(
            serde_urlencoded::to_string(pairs).expect("form"),
        ))
    }

    #[test]
    fn editor_actions_change_the_layout_one_step_at_a_time() {
        let (a, b): (StageId, StageId) = (id(1), id(2));
        let (x, y, z): (TouchpointId, TouchpointId, TouchpointId) = (id(10), id(11), id(12));
        let mut layout = vec![(a, vec![x, y]), (b, vec![])];
        let act = |layout: &mut Vec<(StageId, Vec<TouchpointId>)>, pairs: &[(&str, String)]| {
            edit_layout(layout, &form(pairs))
        };
        assert!(
            act(
                &mut layout,
                &[("intent", "down".into()), ("touchpoint", x.to_string())]
            )
            .is_some()
        );
        assert_eq!(layout[0].1, vec![y, x]);
        act(
            &mut layout,
            &[("intent", "down".into()), ("touchpoint", x.to_string())],
        );
        assert_eq!(layout[0].1, vec![y, x], "the last stays last");
        act(
            &mut layout,
            &[
                ("intent", "place".into()),
                ("touchpoint", x.to_string()),
                ("stage", b.to_string()),
            ],
        );
        assert_eq!(layout, vec![(a, vec![y]), (b, vec![x])]);
        act(
            &mut layout,
            &[
                ("intent", "place".into()),
                ("touchpoint", z.to_string()),
                ("stage", b.to_string()),
            ],
        );
        assert_eq!(
            layout[1].1,
            vec![x, z],
            "an unplaced touchpoint joins at the end"
        );
        act(
            &mut layout,
            &[("intent", "stage_left".into()), ("stage", b.to_string())],
        );
        assert_eq!(layout[0].0, b);
        act(
            &mut layout,
            &[("intent", "remove".into()), ("touchpoint", x.to_string())],
        );
        assert_eq!(layout[0].1, vec![z]);
        assert!(
            act(
                &mut layout,
                &[("intent", "up".into()), ("touchpoint", x.to_string())]
            )
            .is_none(),
            "no longer placed"
        );
        assert!(
            act(
                &mut layout,
                &[
                    ("intent", "stage_left".into()),
                    ("stage", id::<StageId>(9).to_string())
                ]
            )
            .is_none()
        );
        assert!(act(&mut layout, &[("intent", "shred".into())]).is_none());
    }
}

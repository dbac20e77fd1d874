//! The comments explorer `/app/comments`, driven in-process on SQLite: analysed verbatims with
//! sentiment and theme chips, highlighted evidence, filters (and what happens to bad ones),
//! the recurring/emerging panels and the re-analysis progress.

use axum::Router;
use axum::http::{StatusCode, header};
use serde_json::json;
use touchpoint_domain::{Language, NewResponse, ResponseDraft};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::Store;
use touchpoint_store::testing::TestDatabase;

mod support;

use support::{get, send, sign_in};

const BILLING_DE: &str = "Die Rechnung war schon wieder falsch, das ärgert mich.";
const BILLING_EN: &str = "The invoice was wrong again and nobody could explain it.";
const FRIENDLY_DE: &str = "Sehr freundliche Mitarbeiterin, vielen Dank!";
const FRIENDLY_EN: &str = "Friendly staff, they were really helpful.";
const SCRIPT: &str = "Terrible <script>alert(1)</script> experience with my invoice.";
/// Negative comments that no theme covers: the emerging-themes panel groups them.
const PARKING: [&str; 3] = [
    "Schon wieder kein Parkplatz frei, furchtbar.",
    "Parkplatz immer voll, das ist schrecklich.",
    "Nie ein Parkplatz frei, so ärgerlich.",
];
const OTHERS: [&str; 3] = [
    "Die Musik im Laden ist furchtbar laut und nervig.",
    "Das Licht ist grell, schlimm.",
    "Zu kalt drinnen, unangenehm.",
];

struct Fixture {
    _db: TestDatabase,
    store: Store,
    app: Router,
    cookie: String,
}

fn draft(nps: i64, why: &str, language: &str, days_ago: i64, touchpoint: &str) -> ResponseDraft {
    let submitted = chrono::Utc::now() - chrono::Duration::days(days_ago);
    serde_json::from_value(json!({
        "answers": {"nps": nps, "why": why},
        "language": language,
        "touchpoint_id": touchpoint,
        "submitted_at": submitted.to_rfc3339(),
    }))
    .expect("draft")
}

async fn fixture() -> Fixture {
    let (db, store, org_id) = support::organisation(Language::En, true).await;
    let survey = support::hotline_survey(
        &store,
        org_id,
        "Service <NPS>",
        "c0ffeec0ffeec0ffeec0ffeec0ffeec0",
    )
    .await;
    let hotline_id = survey.touchpoint_id.expect("on the hotline");
    let tp = hotline_id.to_string();
    let mut drafts = vec![
        draft(2, BILLING_DE, "de", 1, &tp),
        draft(3, BILLING_EN, "en", 2, &tp),
        draft(10, FRIENDLY_DE, "de", 3, &tp),
        draft(9, FRIENDLY_EN, "en", 4, &tp),
        draft(1, SCRIPT, "en", 0, &tp),
    ];
    for (i, why) in PARKING.iter().chain(&OTHERS).enumerate() {
        drafts.push(draft(4, why, "de", 5 + i as i64, &tp));
    }
    // Invoices come up a little every week: a recurring small problem.
    for week in 1..11 {
        drafts.push(draft(
            5,
            "Die Rechnung kam wieder zu spät.",
            "de",
            7 * week,
            &tp,
        ));
        drafts.push(draft(8, "Alles in Ordnung.", "de", 7 * week + 1, &tp));
    }
    let now = chrono::Utc::now().timestamp_millis();
    let responses = drafts
        .into_iter()
        .map(|d| NewResponse::validate(&survey.definition, d, "api", now).expect("valid"))
        .collect();
    for result in store.submit_responses(&survey, responses).await {
        result.expect("stored");
    }
    let ran = touchpoint_jobs::Worker::new(store.clone(), touchpoint_server::builtin_text_engine())
        .drain()
        .await
        .expect("drain the job queue");
    assert!(ran >= 1, "the analysis jobs ran");
    let app = build_app(AppState::new(store.clone(), ServerSettings::default()));
    let cookie = sign_in(&app).await;
    Fixture {
        _db: db,
        store,
        app,
        cookie,
    }
}

impl Fixture {
    async fn page(&self, uri: &str) -> String {
        let (status, _, html) = send(&self.app, get(uri, Some(&self.cookie))).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {html}");
        html
    }
}

/// The verbatim list (the part before the side panels), with the evidence highlights taken
/// out so comments can be found by their text.
fn list(html: &str) -> String {
    let start = html.find(r#"class="verbatims""#).expect("the list");
    let end = html.find(r#"class="panels""#).expect("the panels");
    let mut out = String::new();
    let mut rest = &html[start..end];
    while let Some(at) = rest.find("<mark") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find('>').expect("tag end");
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out.replace("</mark>", "")
}

#[tokio::test]
async fn lists_comments_with_chips_and_highlighted_evidence() {
    let f = fixture().await;
    let html = f.page("/app/comments").await;
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(
        html.contains(r#"<a href="/app/comments">Comments</a>"#),
        "linked from the navigation"
    );
    let verbatims = list(&html);
    assert!(verbatims.contains("Friendly staff"));
    assert!(verbatims.contains("Parkplatz immer voll"));
    assert!(
        verbatims.contains(r#"class="chip sent neg""#) && verbatims.contains(">negative</a>"),
        "a sentiment chip with words, not colour alone"
    );
    assert!(verbatims.contains(r#"class="chip sent pos""#));
    assert!(
        verbatims.contains(r#"<a class="chip neg" href="/app/comments?theme=billing""#),
        "a negative billing chip that filters by its theme"
    );
    assert!(
        verbatims.contains(">Invoice &#38; billing<"),
        "the theme's label"
    );
    assert!(
        html.contains(r#"<mark title="Invoice &#38; billing">invoice</mark>"#),
        "theme evidence is highlighted: {verbatims}"
    );
    assert!(
        verbatims.contains(r#"class="score bad">NPS 2"#),
        "the score"
    );
    assert!(
        verbatims.contains("Service &#60;NPS&#62;"),
        "the survey name"
    );
    assert!(verbatims.contains("Hotline") && verbatims.contains("German"));
    assert!(verbatims.contains("<time datetime="));
    // Escaping: the comment's markup is text, also inside the highlighted evidence.
    assert!(
        !html.contains("<script"),
        "no raw script tag, no page script"
    );
    assert!(
        !html.contains(" style="),
        "no inline styles (the CSP forbids them)"
    );
    assert!(verbatims.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    // Newest first.
    let script = verbatims.find("Terrible").expect("newest");
    let friendly = verbatims.find("Friendly staff").expect("older");
    assert!(script < friendly);
}

#[tokio::test]
async fn filters_by_theme_sentiment_and_language() {
    let f = fixture().await;
    let billing = f.page("/app/comments?theme=billing").await;
    let verbatims = list(&billing);
    assert!(verbatims.contains("Die Rechnung war schon wieder falsch"));
    assert!(verbatims.contains("The invoice was wrong again"));
    assert!(!verbatims.contains("Friendly staff"));
    assert!(!verbatims.contains("Parkplatz"));
    assert!(
        billing.contains(r#"<option value="billing" selected>"#),
        "the form keeps the filter"
    );

    let negative = f.page("/app/comments?sentiment=negative").await;
    let verbatims = list(&negative);
    assert!(verbatims.contains("Parkplatz immer voll"));
    assert!(verbatims.contains("The invoice was wrong again"));
    assert!(!verbatims.contains("Friendly staff") && !verbatims.contains("freundliche"));
    assert!(!verbatims.contains("chip sent pos"));

    let english = f.page("/app/comments?language=en").await;
    let verbatims = list(&english);
    assert!(verbatims.contains("Friendly staff"));
    assert!(!verbatims.contains("Parkplatz") && !verbatims.contains("freundliche"));

    // Filters combine, and the chips keep the other filters.
    let both = f
        .page("/app/comments?language=de&sentiment=negative&period=30")
        .await;
    let verbatims = list(&both);
    assert!(verbatims.contains("Parkplatz") && !verbatims.contains("invoice"));
    assert!(verbatims.contains(
        "/app/comments?theme=billing&#38;sentiment=negative&#38;language=de&#38;period=30"
    ));

    // A custom period in the past finds nothing from this week.
    let old = f
        .page("/app/comments?period=custom&from=2020-01-01&to=2020-12-31")
        .await;
    assert!(old.contains("No comments match these filters."));
    assert!(old.contains(r#"value="2020-01-01""#));
}

#[tokio::test]
async fn bad_filter_values_are_named_and_ignored() {
    let f = fixture().await;
    let html = f
        .page("/app/comments?theme=nonsense&sentiment=grumpy&survey=xyz&period=7&from=yesterday&cursor=zzz")
        .await;
    assert!(html.contains(r#"class="alert" role="alert""#));
    for value in ["nonsense", "grumpy", "xyz", "yesterday", "zzz"] {
        assert!(
            html.contains(&format!("<q>{value}</q>")),
            "{value} is named"
        );
    }
    assert!(
        list(&html).contains("Friendly staff"),
        "the rest of the page works unfiltered"
    );
    let html = f
        .page("/app/comments?theme=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!html.contains("<script>"), "the echoed value is escaped");
    let html = f
        .page("/app/comments?period=custom&from=2026-05-01&to=2026-04-01")
        .await;
    assert!(html.contains("“from” is after “to”"));
}

#[tokio::test]
async fn panels_show_themes_recurring_and_emerging_problems() {
    let f = fixture().await;
    let html = f.page("/app/comments").await;
    assert!(html.contains(r#"id="themes-title""#));
    assert!(
        html.contains(r#"<th scope="row"><a href="/app/comments?theme=billing">"#),
        "theme counts link to the filtered list"
    );
    assert!(html.contains("Recurring small problems"));
    let recurring = &html[html
        .find(r#"class="problems""#)
        .expect("recurring problems")..];
    assert!(
        recurring.contains("of the last"),
        "the reason is stated: {recurring}"
    );
    assert!(html.contains("Emerging themes"));
    let emerging = &html[html.find(r#"class="emerging""#).expect("an emerging theme")..];
    assert!(emerging.contains("parkplatz"), "top terms: {emerging}");
    assert!(emerging.contains("<blockquote>"), "example comments");
    assert!(html.contains("No re-analysis yet."));
    assert!(html.contains("Pending background jobs: 0"));

    let run = f.store.start_text_run("x", 10).await.expect("run");
    f.store
        .advance_text_run(&run.id, 4, false)
        .await
        .expect("advance");
    let html = f.page("/app/comments").await;
    assert!(html.contains("Re-analysis in progress"));
    assert!(html.contains(r#"<progress id="reanalysis" max="10" value="4">"#));
    assert!(html.contains("4 of 10"));
    f.store
        .advance_text_run(&run.id, 10, true)
        .await
        .expect("finish");
    let html = f.page("/app/comments").await;
    assert!(html.contains("Last re-analysis finished on") && !html.contains("<progress"));
}

#[tokio::test]
async fn german_labels_with_lang_de() {
    let f = fixture().await;
    let html = f.page("/app/comments?lang=de").await;
    assert!(html.contains(r#"<html lang="de">"#));
    for label in [
        "Kommentare",
        "Wiederkehrende kleine Probleme",
        "Neue Themen",
        "Stimmung",
        "letzte 90 Tage",
        ">negativ</a>",
        "Deutsch",
    ] {
        assert!(html.contains(label), "{label}");
    }
    assert!(html.contains("Rechnung"), "theme labels in German");
    let recurring = &html[html
        .find(r#"class="problems""#)
        .expect("recurring problems")..];
    assert!(recurring.contains("der letzten"), "the reason in German");
    let html = f.page("/app/comments?theme=unbekannt&lang=de").await;
    assert!(html.contains("unbekannter oder ungültiger Wert"));
}

#[tokio::test]
async fn paging_and_sign_in() {
    let f = fixture().await;
    let (status, headers, _) = send(&f.app, get("/app/comments", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some("/app/login")
    );
    // 31 comments, 25 a page.
    let first = f.page("/app/comments").await;
    let more = first
        .split(r#"<p class="more"><a href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older comments")
        .replace("&#38;", "&");
    assert!(more.starts_with("/app/comments?cursor="));
    let second = f.page(&more).await;
    assert!(!second.contains(r#"class="more""#), "the last page");
    let count = |html: &str| list(html).matches("<blockquote").count();
    assert_eq!(count(&first), 25);
    assert_eq!(count(&second), 31 - 25);
}

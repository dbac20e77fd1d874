//! User-interface texts in German and English.
//!
//! One [`Texts`] value per language, so a missing translation is a compile error rather than
//! a blank on screen. Templates receive `t: &'static Texts` and read fields by name. Survey
//! content (question texts, options) is not here: it comes from the survey in its own language.

use touchpoint_domain::Language;
use touchpoint_domain::metrics::MetricKind;

/// Every user-visible string of the public pages and the web app.
#[derive(Debug)]
pub struct Texts {
    pub language_name: &'static str,
    pub language: &'static str,
    // Public survey page.
    pub required: &'static str,
    pub submit: &'static str,
    pub choose_any: &'static str,
    pub text_limit: &'static str,
    pub anonymous_note: &'static str,
    pub errors_summary: &'static str,
    pub honeypot_label: &'static str,
    pub thanks_title: &'static str,
    pub thanks_body: &'static str,
    pub closed_title: &'static str,
    pub closed_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub too_many_title: &'static str,
    pub too_many_body: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub csat_low: &'static str,
    pub csat_high: &'static str,
    pub ces_low: &'static str,
    pub ces_high: &'static str,
    // Web app.
    pub sign_in: &'static str,
    pub sign_in_intro: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub login_failed: &'static str,
    pub login_throttled: &'static str,
    pub sign_out: &'static str,
    pub overview: &'static str,
    pub surveys: &'static str,
    pub no_surveys: &'static str,
    pub last_12_months: &'static str,
    pub ci95: &'static str,
    pub small_sample: &'static str,
    pub small_sample_hint: &'static str,
    pub no_data: &'static str,
    pub no_metric: &'static str,
    pub trend_up: &'static str,
    pub trend_down: &'static str,
    pub trend_flat: &'static str,
    pub versus: &'static str,
    pub latest_comments: &'static str,
    pub no_comments: &'static str,
    pub monthly_trend: &'static str,
    pub chart_legend: &'static str,
    pub by_touchpoint: &'static str,
    pub trend_column: &'static str,
    pub all_touchpoints: &'static str,
    pub touchpoint: &'static str,
    pub no_touchpoint: &'static str,
    pub value: &'static str,
    pub month: &'static str,
    pub public_link: &'static str,
    pub export_csv: &'static str,
    pub data_table: &'static str,
    pub status_open: &'static str,
    pub status_closed: &'static str,
    pub back: &'static str,
    pub question: &'static str,
    pub main_navigation: &'static str,
    // Comments explorer.
    pub comments_nav: &'static str,
    pub audit_nav: &'static str,
    pub audit_intro: &'static str,
    pub audit_when: &'static str,
    pub audit_action: &'static str,
    pub audit_actor: &'static str,
    pub audit_target: &'static str,
    pub audit_address: &'static str,
    pub audit_summary: &'static str,
    pub audit_empty: &'static str,
    pub audit_more: &'static str,
    pub audit_export: &'static str,
    pub journeys_nav: &'static str,
    pub journeys_intro: &'static str,
    pub journeys_none: &'static str,
    pub journey_name: &'static str,
    pub journey_stages: &'static str,
    pub journey_touchpoints: &'static str,
    pub journey_new: &'static str,
    pub journey_stage_lines: &'static str,
    pub journey_create: &'static str,
    pub journey_metric: &'static str,
    pub journey_overall_hint: &'static str,
    pub journey_stage_left: &'static str,
    pub journey_stage_right: &'static str,
    pub journey_delete_stage: &'static str,
    pub journey_empty_stage: &'static str,
    pub journey_moment_of_truth: &'static str,
    pub journey_negative_comments: &'static str,
    pub journey_friction: &'static str,
    pub journey_points: &'static str,
    pub journey_up: &'static str,
    pub journey_down: &'static str,
    pub journey_remove: &'static str,
    pub journey_move_to: &'static str,
    pub journey_move: &'static str,
    pub journey_friction_ranking: &'static str,
    pub journey_friction_hint: &'static str,
    pub journey_no_friction: &'static str,
    pub journey_touchpoint: &'static str,
    pub journey_share: &'static str,
    pub journey_impact: &'static str,
    pub journey_not_significant: &'static str,
    pub journey_edit: &'static str,
    pub journey_stage_name: &'static str,
    pub journey_add_stage: &'static str,
    pub journey_stage: &'static str,
    pub journey_new_name: &'static str,
    pub journey_rename_stage: &'static str,
    pub journey_unplaced: &'static str,
    pub journey_place: &'static str,
    pub journey_not_in_journey: &'static str,
    pub tokens_nav: &'static str,
    pub tokens_intro: &'static str,
    pub tokens_new: &'static str,
    pub tokens_name: &'static str,
    pub tokens_scope: &'static str,
    pub tokens_read_only: &'static str,
    pub tokens_read_write: &'static str,
    pub tokens_resources: &'static str,
    pub tokens_all_resources: &'static str,
    pub tokens_valid_until: &'static str,
    pub tokens_create: &'static str,
    pub tokens_created: &'static str,
    pub tokens_none: &'static str,
    pub tokens_prefix: &'static str,
    pub tokens_owner: &'static str,
    pub tokens_last_used: &'static str,
    pub tokens_expires: &'static str,
    pub tokens_revoke: &'static str,
    pub tokens_is_revoked: &'static str,
    pub tokens_revoked: &'static str,
    pub retention_nav: &'static str,
    pub retention_intro: &'static str,
    pub retention_comments: &'static str,
    pub retention_comments_explained: &'static str,
    pub retention_responses: &'static str,
    pub retention_responses_explained: &'static str,
    pub retention_delete: &'static str,
    pub retention_anonymise: &'static str,
    pub retention_action: &'static str,
    pub retention_after_days: &'static str,
    pub retention_save: &'static str,
    pub retention_remove: &'static str,
    pub retention_kept_forever: &'static str,
    pub retention_runs: &'static str,
    pub retention_run_now: &'static str,
    pub retention_no_runs: &'static str,
    pub retention_nothing: &'static str,
    pub retention_older_than: &'static str,
    pub retention_saved: &'static str,
    pub retention_removed: &'static str,
    pub retention_queued: &'static str,
    pub retention_unknown_class: &'static str,
    pub retention_days_invalid: &'static str,
    pub retention_action_invalid: &'static str,
    pub comments_intro: &'static str,
    pub filters: &'static str,
    pub survey: &'static str,
    pub theme: &'static str,
    pub sentiment: &'static str,
    pub period: &'static str,
    pub page: &'static str,
    pub any: &'static str,
    pub last_30_days: &'static str,
    pub last_90_days: &'static str,
    pub last_365_days: &'static str,
    pub custom_period: &'static str,
    pub date_from: &'static str,
    pub date_to: &'static str,
    pub apply_filters: &'static str,
    pub reset_filters: &'static str,
    pub filters_ignored: &'static str,
    pub filter_invalid: &'static str,
    pub filter_date_order: &'static str,
    pub filter_dates_need_custom: &'static str,
    pub sentiment_negative: &'static str,
    pub sentiment_neutral: &'static str,
    pub sentiment_positive: &'static str,
    pub lang_de: &'static str,
    pub lang_en: &'static str,
    pub no_matching_comments: &'static str,
    pub more_comments: &'static str,
    pub evidence_marked: &'static str,
    pub evidence_hint: &'static str,
    pub themes_title: &'static str,
    pub mentions: &'static str,
    pub negative_share: &'static str,
    pub no_themes: &'static str,
    pub recurring_title: &'static str,
    pub recurring_hint: &'static str,
    pub weeks: &'static str,
    pub no_recurring: &'static str,
    pub pattern_persistent: &'static str,
    pub pattern_occasional: &'static str,
    pub pattern_spike: &'static str,
    pub pattern_none: &'static str,
    pub growing: &'static str,
    pub emerging_title: &'static str,
    pub emerging_hint: &'static str,
    pub comments_count: &'static str,
    pub no_emerging: &'static str,
    pub analysis_title: &'static str,
    pub reanalysis_running: &'static str,
    pub reanalysis_finished: &'static str,
    pub reanalysis_none: &'static str,
    pub pending_jobs: &'static str,
    pub of: &'static str,
    pub months: [&'static str; 12],
}

pub static DE: Texts = Texts {
    language_name: "Deutsch",
    language: "Sprache",
    required: "Pflichtfrage",
    submit: "Absenden",
    choose_any: "Mehrfachauswahl möglich",
    text_limit: "Höchstens 10.000 Zeichen",
    anonymous_note: "Diese Umfrage ist anonym: Wir speichern nichts, was Sie erkennbar macht. E-Mail-Adressen und Telefonnummern in Ihren Kommentaren werden vor dem Speichern entfernt.",
    errors_summary: "Bitte prüfen Sie die markierten Antworten.",
    honeypot_label: "Dieses Feld bitte leer lassen",
    thanks_title: "Vielen Dank!",
    thanks_body: "Ihre Antworten sind angekommen. Sie helfen uns, besser zu werden.",
    closed_title: "Diese Umfrage ist beendet",
    closed_body: "Sie nimmt keine Antworten mehr an. Vielen Dank für Ihr Interesse.",
    not_found_title: "Seite nicht gefunden",
    not_found_body: "Diesen Link gibt es nicht. Bitte prüfen Sie die Adresse.",
    error_title: "Etwas ist schiefgelaufen",
    error_body: "Bitte versuchen Sie es in einigen Minuten erneut.",
    too_many_title: "Zu viele Anfragen",
    too_many_body: "Von Ihrer Verbindung kamen gerade sehr viele Antworten. Bitte warten Sie eine Minute und senden Sie das Formular dann erneut.",
    forbidden_title: "Anfrage abgelehnt",
    forbidden_body: "Das Formular ist abgelaufen oder stammt nicht von dieser Seite. Bitte gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es noch einmal.",
    nps_low: "sehr unwahrscheinlich",
    nps_high: "äußerst wahrscheinlich",
    csat_low: "sehr unzufrieden",
    csat_high: "sehr zufrieden",
    ces_low: "sehr schwierig",
    ces_high: "sehr einfach",
    sign_in: "Anmelden",
    sign_in_intro: "Melden Sie sich mit Ihrer E-Mail-Adresse an.",
    email: "E-Mail",
    password: "Passwort",
    login_failed: "E-Mail oder Passwort ist nicht korrekt.",
    login_throttled: "Zu viele Anmeldeversuche. Aus Sicherheitsgründen ist die Anmeldung vorübergehend gesperrt; bitte versuchen Sie es in 15 Minuten erneut.",
    sign_out: "Abmelden",
    overview: "Übersicht",
    surveys: "Umfragen",
    no_surveys: "Noch keine Umfragen. Legen Sie eine über die API an (POST /api/v1/surveys).",
    last_12_months: "letzte 12 Monate",
    ci95: "95-%-KI",
    small_sample: "kleine Stichprobe",
    small_sample_hint: "Weniger als 30 Antworten: Der Wert ist unsicher.",
    no_data: "Noch keine Antworten",
    no_metric: "Keine NPS-, CSAT- oder CES-Frage",
    trend_up: "signifikant gestiegen",
    trend_down: "signifikant gesunken",
    trend_flat: "keine signifikante Änderung",
    versus: "gegenüber",
    latest_comments: "Neueste Kommentare",
    no_comments: "Noch keine Kommentare.",
    monthly_trend: "Monatlicher Verlauf",
    chart_legend: "Linie: Wert je Monat · Band: 95-%-Konfidenzintervall · hohler Punkt: unter 30 Antworten · Lücke: keine Antworten",
    by_touchpoint: "Nach Kontaktpunkt",
    trend_column: "Verlauf · letzter Monat",
    all_touchpoints: "Alle Kontaktpunkte",
    touchpoint: "Kontaktpunkt",
    no_touchpoint: "(ohne Kontaktpunkt)",
    value: "Wert",
    month: "Monat",
    public_link: "Öffentlicher Link",
    export_csv: "Antworten als CSV",
    data_table: "Werte als Tabelle",
    status_open: "offen",
    status_closed: "geschlossen",
    back: "Übersicht",
    question: "Frage",
    main_navigation: "Hauptnavigation",
    comments_nav: "Kommentare",
    audit_nav: "Audit-Log",
    audit_intro: "Jede Änderung an Umfragen, Touchpoints, Tokens und Anmeldungen, neueste zuerst. Einträge können nicht geändert oder gelöscht werden. Antworten von Kunden sind Daten, keine Konfiguration, und erscheinen hier nicht.",
    audit_when: "Zeit",
    audit_action: "Aktion",
    audit_actor: "Wer (Benutzer- oder Token-ID)",
    audit_target: "Objekt-ID",
    audit_address: "Adresse",
    audit_summary: "Vorher → nachher",
    audit_empty: "Keine Einträge.",
    audit_more: "Ältere Einträge",
    audit_export: "Als CSV exportieren",
    journeys_nav: "Journeys",
    journeys_intro: "Customer Journeys: Phasen in Reihenfolge, in jeder die Touchpoints, an denen Kunden Ihr Unternehmen erleben. Die Journey Map zeigt, wo es wehtut.",
    journeys_none: "Noch keine Journey.",
    journey_name: "Name",
    journey_stages: "Phasen",
    journey_touchpoints: "Touchpoints",
    journey_new: "Neue Journey",
    journey_stage_lines: "Phasen (eine pro Zeile)",
    journey_create: "Journey anlegen",
    journey_metric: "Kennzahl",
    journey_overall_hint: "Alle Antworten an den Touchpoints dieser Journey, letzte zwölf Monate.",
    journey_stage_left: "Phase nach links",
    journey_stage_right: "Phase nach rechts",
    journey_delete_stage: "Phase löschen",
    journey_empty_stage: "Noch keine Touchpoints.",
    journey_moment_of_truth: "Moment of Truth",
    journey_negative_comments: "negative Kommentare",
    journey_friction: "Reibung",
    journey_points: "Punkte",
    journey_up: "nach oben",
    journey_down: "nach unten",
    journey_remove: "aus der Journey nehmen",
    journey_move_to: "Verschieben nach",
    journey_move: "verschieben",
    journey_friction_ranking: "Reibungs-Ranking",
    journey_friction_hint: "Um wie viele Punkte der Wert der Journey stiege, wenn dieser Touchpoint so abschnitte wie der Rest der Journey (Anteil der Antworten × Abstand zum Rest), mit 95-%-Konfidenzintervall. Oben anfangen.",
    journey_no_friction: "Zu wenige Antworten an mindestens zwei Touchpoints für einen Vergleich.",
    journey_touchpoint: "Touchpoint",
    journey_share: "Anteil",
    journey_impact: "Wirkung (Punkte)",
    journey_not_significant: "Der Abstand zum Rest ist nicht signifikant (p ≥ 0,05).",
    journey_edit: "Journey bearbeiten",
    journey_stage_name: "Name der neuen Phase",
    journey_add_stage: "Phase hinzufügen",
    journey_stage: "Phase",
    journey_new_name: "Neuer Name",
    journey_rename_stage: "Phase umbenennen",
    journey_unplaced: "Touchpoint ohne Phase",
    journey_place: "Einordnen",
    journey_not_in_journey: "Diese Phase oder dieser Touchpoint gehört nicht (mehr) zu dieser Journey.",
    tokens_nav: "API-Tokens",
    tokens_intro: "Tokens erlauben anderen Systemen den Zugriff auf die API. Ein Token kann nie mehr als die Rolle seines Benutzers. Das Geheimnis wird nur einmal angezeigt; gespeichert wird nur ein Hash.",
    tokens_new: "Neues Token",
    tokens_name: "Name",
    tokens_scope: "Rechte",
    tokens_read_only: "nur lesen",
    tokens_read_write: "lesen und schreiben",
    tokens_resources: "Bereiche",
    tokens_all_resources: "alle (*)",
    tokens_valid_until: "Gültig bis (optional)",
    tokens_create: "Token erstellen",
    tokens_created: "Token erstellt. Kopieren Sie es jetzt – es wird nicht wieder angezeigt:",
    tokens_none: "Noch keine Tokens.",
    tokens_prefix: "Beginn",
    tokens_owner: "Benutzer",
    tokens_last_used: "Zuletzt benutzt",
    tokens_expires: "Läuft ab",
    tokens_revoke: "Widerrufen",
    tokens_is_revoked: "widerrufen",
    tokens_revoked: "Token widerrufen; es funktioniert ab sofort nicht mehr.",
    retention_nav: "Aufbewahrung",
    retention_intro: "Wie lange Touchpoint Kommentare und Antworten aufbewahrt und was danach mit ihnen geschieht. Ein Lauf pro Tag wendet die Regeln an; Kennzahlen werden für Gelöschtes korrigiert. Ohne Regel bleiben Daten unbegrenzt gespeichert.",
    retention_comments: "Freitext-Kommentare",
    retention_comments_explained: "Die Freitext-Antworten und ihr analysierter Text. Anonymisieren ersetzt E-Mail-Adressen, Telefon-, Kunden- und Kontonummern sowie Webadressen durch Platzhalter und behält die Analyse (Sprache, Stimmung, Themen); Löschen entfernt Text und Analyse.",
    retention_responses: "Ganze Antworten",
    retention_responses_explained: "Antworten mit allen Bewertungen, Kommentaren und Analysen. Die Kennzahlen zählen gelöschte Antworten nicht mehr mit.",
    retention_delete: "löschen",
    retention_anonymise: "anonymisieren",
    retention_action: "Danach",
    retention_after_days: "Nach Tagen",
    retention_save: "Regel speichern",
    retention_remove: "Regel entfernen",
    retention_kept_forever: "Derzeit unbegrenzt aufbewahrt.",
    retention_runs: "Letzte Läufe",
    retention_run_now: "Jetzt ausführen",
    retention_no_runs: "Noch kein Lauf.",
    retention_nothing: "keine Regeln",
    retention_older_than: "älter als",
    retention_saved: "Regel gespeichert. Der nächste Lauf wendet sie an.",
    retention_removed: "Regel entfernt; diese Daten bleiben nun unbegrenzt gespeichert.",
    retention_queued: "Lauf eingeplant; sein Bericht erscheint hier, sobald er fertig ist.",
    retention_unknown_class: "Unbekannte Datenart.",
    retention_days_invalid: "Die Anzahl der Tage muss eine ganze Zahl im erlaubten Bereich sein",
    retention_action_invalid: "Diese Aktion ist für diese Datenart nicht möglich.",
    comments_intro: "Freitext-Antworten mit Stimmung und Themen, neueste zuerst.",
    filters: "Filter",
    survey: "Umfrage",
    theme: "Thema",
    sentiment: "Stimmung",
    period: "Zeitraum",
    page: "Seite",
    any: "alle",
    last_30_days: "letzte 30 Tage",
    last_90_days: "letzte 90 Tage",
    last_365_days: "letzte 365 Tage",
    custom_period: "eigener Zeitraum (Daten unten)",
    date_from: "von",
    date_to: "bis",
    apply_filters: "Anwenden",
    reset_filters: "Filter zurücksetzen",
    filters_ignored: "Nicht alle Filter konnten verwendet werden:",
    filter_invalid: "unbekannter oder ungültiger Wert – dieser Filter wird ignoriert",
    filter_date_order: "„von“ liegt nach „bis“ – die Daten werden ignoriert",
    filter_dates_need_custom: "Daten gelten nur mit „eigener Zeitraum“ – sie werden ignoriert",
    sentiment_negative: "negativ",
    sentiment_neutral: "neutral",
    sentiment_positive: "positiv",
    lang_de: "Deutsch",
    lang_en: "Englisch",
    no_matching_comments: "Keine Kommentare für diese Filter.",
    more_comments: "Ältere Kommentare",
    evidence_marked: "Markiert",
    evidence_hint: "Textstellen, an denen ein Thema erkannt wurde.",
    themes_title: "Themen",
    mentions: "Nennungen",
    negative_share: "% neg.",
    no_themes: "Keine Themen im Zeitraum.",
    recurring_title: "Wiederkehrende kleine Probleme",
    recurring_hint: "Themen, die Woche für Woche in kleinem Umfang wiederkommen – über die letzten",
    weeks: "Wochen",
    no_recurring: "Keine wiederkehrenden Probleme erkannt.",
    pattern_persistent: "dauerhaft",
    pattern_occasional: "gelegentlich",
    pattern_spike: "einmaliger Ausschlag",
    pattern_none: "nicht aufgetreten",
    growing: "wachsend",
    emerging_title: "Neue Themen",
    emerging_hint: "Negative Kommentare, die kein Thema abdeckt, nach gemeinsamen Begriffen gruppiert – Kandidaten für die Taxonomie.",
    comments_count: "Kommentare",
    no_emerging: "Keine Kandidaten im Zeitraum.",
    analysis_title: "Analyse",
    reanalysis_running: "Neuanalyse läuft",
    reanalysis_finished: "Letzte Neuanalyse abgeschlossen am",
    reanalysis_none: "Noch keine Neuanalyse.",
    pending_jobs: "Wartende Hintergrundaufträge",
    of: "von",
    months: [
        "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
    ],
};

pub static EN: Texts = Texts {
    language_name: "English",
    language: "Language",
    required: "required",
    submit: "Submit",
    choose_any: "Choose any that apply",
    text_limit: "Up to 10,000 characters",
    anonymous_note: "This survey is anonymous: we store nothing that identifies you. E-mail addresses and phone numbers in your comments are removed before they are stored.",
    errors_summary: "Please check the marked answers.",
    honeypot_label: "Leave this field empty",
    thanks_title: "Thank you!",
    thanks_body: "Your answers have arrived. They help us get better.",
    closed_title: "This survey is closed",
    closed_body: "It no longer accepts responses. Thank you for your interest.",
    not_found_title: "Page not found",
    not_found_body: "This link does not exist. Please check the address.",
    error_title: "Something went wrong",
    error_body: "Please try again in a few minutes.",
    too_many_title: "Too many requests",
    too_many_body: "Very many responses just came from your connection. Please wait a minute, then send the form again.",
    forbidden_title: "Request refused",
    forbidden_body: "The form has expired or did not come from this site. Please go back, reload the page and try again.",
    nps_low: "not at all likely",
    nps_high: "extremely likely",
    csat_low: "very dissatisfied",
    csat_high: "very satisfied",
    ces_low: "very difficult",
    ces_high: "very easy",
    sign_in: "Sign in",
    sign_in_intro: "Sign in with your email address.",
    email: "Email",
    password: "Password",
    login_failed: "Email or password is incorrect.",
    login_throttled: "Too many sign-in attempts. For your security, signing in is paused; please try again in 15 minutes.",
    sign_out: "Sign out",
    overview: "Overview",
    surveys: "Surveys",
    no_surveys: "No surveys yet. Create one through the API (POST /api/v1/surveys).",
    last_12_months: "last 12 months",
    ci95: "95 % CI",
    small_sample: "small sample",
    small_sample_hint: "Fewer than 30 responses: the value is uncertain.",
    no_data: "No responses yet",
    no_metric: "No NPS, CSAT or CES question",
    trend_up: "significantly up",
    trend_down: "significantly down",
    trend_flat: "no significant change",
    versus: "vs",
    latest_comments: "Latest comments",
    no_comments: "No comments yet.",
    monthly_trend: "Monthly trend",
    chart_legend: "Line: value per month · band: 95 % confidence interval · hollow point: fewer than 30 responses · gap: no responses",
    by_touchpoint: "By touchpoint",
    trend_column: "Trend · last month",
    all_touchpoints: "All touchpoints",
    touchpoint: "Touchpoint",
    no_touchpoint: "(no touchpoint)",
    value: "Value",
    month: "Month",
    public_link: "Public link",
    export_csv: "Responses as CSV",
    data_table: "Values as a table",
    status_open: "open",
    status_closed: "closed",
    back: "Overview",
    question: "Question",
    main_navigation: "Main navigation",
    comments_nav: "Comments",
    audit_nav: "Audit log",
    audit_intro: "Every change to surveys, touchpoints, tokens and sign-ins, newest first. Entries cannot be changed or deleted. Customers' responses are data, not configuration, and do not appear here.",
    audit_when: "Time",
    audit_action: "Action",
    audit_actor: "Who (user or token id)",
    audit_target: "Object id",
    audit_address: "Address",
    audit_summary: "Before → after",
    audit_empty: "No entries.",
    audit_more: "Older entries",
    audit_export: "Export as CSV",
    journeys_nav: "Journeys",
    journeys_intro: "Customer journeys: stages in order, each with the touchpoints where customers experience your company. The journey map shows where it hurts.",
    journeys_none: "No journey yet.",
    journey_name: "Name",
    journey_stages: "Stages",
    journey_touchpoints: "Touchpoints",
    journey_new: "New journey",
    journey_stage_lines: "Stages (one per line)",
    journey_create: "Create journey",
    journey_metric: "Metric",
    journey_overall_hint: "Every answer at this journey's touchpoints, last twelve months.",
    journey_stage_left: "Move stage left",
    journey_stage_right: "Move stage right",
    journey_delete_stage: "Delete stage",
    journey_empty_stage: "No touchpoints yet.",
    journey_moment_of_truth: "Moment of truth",
    journey_negative_comments: "negative comments",
    journey_friction: "Friction",
    journey_points: "points",
    journey_up: "move up",
    journey_down: "move down",
    journey_remove: "take out of the journey",
    journey_move_to: "Move to",
    journey_move: "move",
    journey_friction_ranking: "Friction ranking",
    journey_friction_hint: "How many points the journey's score would gain if this touchpoint did as well as the rest of the journey (share of answers × gap to the rest), with its 95 % confidence interval. Start at the top.",
    journey_no_friction: "Too few answers at two or more touchpoints to compare.",
    journey_touchpoint: "Touchpoint",
    journey_share: "Share",
    journey_impact: "Impact (points)",
    journey_not_significant: "The gap to the rest is not significant (p ≥ 0.05).",
    journey_edit: "Edit journey",
    journey_stage_name: "Name of the new stage",
    journey_add_stage: "Add stage",
    journey_stage: "Stage",
    journey_new_name: "New name",
    journey_rename_stage: "Rename stage",
    journey_unplaced: "Touchpoint without a stage",
    journey_place: "Place",
    journey_not_in_journey: "This stage or touchpoint is not (or no longer) part of this journey.",
    tokens_nav: "API tokens",
    tokens_intro: "Tokens let other systems use the API. A token can never do more than its user's role. The secret is shown once; only a hash is stored.",
    tokens_new: "New token",
    tokens_name: "Name",
    tokens_scope: "Access",
    tokens_read_only: "read only",
    tokens_read_write: "read and write",
    tokens_resources: "Resources",
    tokens_all_resources: "all (*)",
    tokens_valid_until: "Valid until (optional)",
    tokens_create: "Create token",
    tokens_created: "Token created. Copy it now – it will not be shown again:",
    tokens_none: "No tokens yet.",
    tokens_prefix: "Starts with",
    tokens_owner: "User",
    tokens_last_used: "Last used",
    tokens_expires: "Expires",
    tokens_revoke: "Revoke",
    tokens_is_revoked: "revoked",
    tokens_revoked: "Token revoked; it stops working at once.",
    retention_nav: "Retention",
    retention_intro: "How long Touchpoint keeps comments and responses, and what happens to them afterwards. A daily run applies the policies; metrics are corrected for what is deleted. Without a policy, data is kept indefinitely.",
    retention_comments: "Free-text comments",
    retention_comments_explained: "The free-text answers and their analysed text. Anonymising replaces e-mail addresses, phone, customer and account numbers and web addresses with placeholders and keeps the analysis (language, sentiment, themes); deleting removes text and analysis.",
    retention_responses: "Whole responses",
    retention_responses_explained: "Responses with all their ratings, comments and analyses. Metrics no longer count deleted responses.",
    retention_delete: "delete",
    retention_anonymise: "anonymise",
    retention_action: "Then",
    retention_after_days: "After days",
    retention_save: "Save policy",
    retention_remove: "Remove policy",
    retention_kept_forever: "Currently kept indefinitely.",
    retention_runs: "Latest runs",
    retention_run_now: "Run now",
    retention_no_runs: "No run yet.",
    retention_nothing: "no policies",
    retention_older_than: "older than",
    retention_saved: "Policy saved. The next run applies it.",
    retention_removed: "Policy removed; this data is now kept indefinitely.",
    retention_queued: "Run queued; its report appears here when it is done.",
    retention_unknown_class: "Unknown data class.",
    retention_days_invalid: "The number of days must be a whole number in the allowed range",
    retention_action_invalid: "This action is not possible for this data class.",
    comments_intro: "Free-text answers with sentiment and themes, newest first.",
    filters: "Filters",
    survey: "Survey",
    theme: "Theme",
    sentiment: "Sentiment",
    period: "Period",
    page: "Page",
    any: "all",
    last_30_days: "last 30 days",
    last_90_days: "last 90 days",
    last_365_days: "last 365 days",
    custom_period: "custom (dates below)",
    date_from: "from",
    date_to: "to",
    apply_filters: "Apply",
    reset_filters: "Reset filters",
    filters_ignored: "Some filters could not be used:",
    filter_invalid: "unknown or invalid value – this filter is ignored",
    filter_date_order: "“from” is after “to” – the dates are ignored",
    filter_dates_need_custom: "dates apply only with “custom” – they are ignored",
    sentiment_negative: "negative",
    sentiment_neutral: "neutral",
    sentiment_positive: "positive",
    lang_de: "German",
    lang_en: "English",
    no_matching_comments: "No comments match these filters.",
    more_comments: "Older comments",
    evidence_marked: "Highlighted",
    evidence_hint: "where a theme was recognised.",
    themes_title: "Themes",
    mentions: "Mentions",
    negative_share: "% neg.",
    no_themes: "No themes in this period.",
    recurring_title: "Recurring small problems",
    recurring_hint: "Themes that keep coming back at low intensity, week after week – over the last",
    weeks: "weeks",
    no_recurring: "No recurring problems found.",
    pattern_persistent: "persistent",
    pattern_occasional: "occasional",
    pattern_spike: "one-off spike",
    pattern_none: "not seen",
    growing: "growing",
    emerging_title: "Emerging themes",
    emerging_hint: "Negative comments no theme covers, grouped by shared terms – candidates for the taxonomy.",
    comments_count: "comments",
    no_emerging: "No candidates in this period.",
    analysis_title: "Analysis",
    reanalysis_running: "Re-analysis in progress",
    reanalysis_finished: "Last re-analysis finished on",
    reanalysis_none: "No re-analysis yet.",
    pending_jobs: "Pending background jobs",
    of: "of",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
};

pub fn texts(language: Language) -> &'static Texts {
    match language {
        Language::De => &DE,
        Language::En => &EN,
    }
}

/// `?lang=` if offered, else the best `Accept-Language` match, else `fallback`.
pub fn pick_language(
    query: Option<&str>,
    accept_language: Option<&str>,
    offered: &[Language],
    fallback: Language,
) -> Language {
    query
        .and_then(Language::parse)
        .filter(|l| offered.contains(l))
        .or_else(|| accept_language.and_then(|h| Language::negotiate(h, offered)))
        .unwrap_or(fallback)
}

/// The name of a metric as users read it.
pub fn metric_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Nps => "NPS",
        MetricKind::Csat => "CSAT",
        MetricKind::Ces => "CES",
    }
}

/// A number with one decimal in the language's notation (`23,4` / `23.4`).
pub fn number(language: Language, x: f64) -> String {
    let rounded = touchpoint_domain::metrics::round1(x);
    let text = format!("{rounded:.1}").replace('-', "−");
    match language {
        Language::De => text.replace('.', ","),
        Language::En => text,
    }
}

/// A count with thousands separators (`20.431` / `20,431`).
pub fn count(language: Language, n: u64) -> String {
    let digits = n.to_string();
    let separator = match language {
        Language::De => '.',
        Language::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// A calendar date (`23.11.2026` / `2026-11-23`) from unix milliseconds.
pub fn date(language: Language, ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    match language {
        Language::De => t.format("%d.%m.%Y").to_string(),
        Language::En => t.format("%Y-%m-%d").to_string(),
    }
}

/// A calendar date as `YYYY-MM-DD` (for `<time datetime>`), from unix milliseconds.
pub fn iso_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A respondent-friendly version of a domain validation message. The domain speaks English
/// to API clients; the survey page speaks the respondent's language. Unknown messages are
/// passed through unchanged.
pub fn validation_message(language: Language, message: &str) -> String {
    let de = language == Language::De;
    if message == "an answer is required" {
        return if de {
            "Bitte beantworten Sie diese Frage."
        } else {
            "Please answer this question."
        }
        .to_owned();
    }
    if let Some(range) = message.strip_prefix("must be an integer from ") {
        let (min, max) = range.split_once(" to ").unwrap_or((range, ""));
        return if de {
            format!("Bitte wählen Sie einen Wert von {min} bis {max}.")
        } else {
            format!("Please choose a value from {min} to {max}.")
        };
    }
    if let Some((score, range)) = message.split_once(" is outside the scale ") {
        return if de {
            format!("{score} liegt außerhalb der Skala {range}.")
        } else {
            format!("{score} is outside the scale {range}.")
        };
    }
    if message.starts_with("text is longer than") {
        return if de {
            "Der Text ist länger als 10.000 Zeichen."
        } else {
            "The text is longer than 10,000 characters."
        }
        .to_owned();
    }
    if message.starts_with("unknown option") || message.starts_with("must be the id of") {
        return if de {
            "Bitte wählen Sie eine der Antworten."
        } else {
            "Please choose one of the answers."
        }
        .to_owned();
    }
    if message.ends_with("is chosen twice") {
        return if de {
            "Jede Antwort kann nur einmal gewählt werden."
        } else {
            "Each answer can be chosen only once."
        }
        .to_owned();
    }
    message.to_owned()
}

/// Texts of the departments and roles pages, in their own struct so the page family stays
/// together (a missing translation is still a compile error).
#[derive(Debug)]
pub struct AccessTexts {
    pub departments_nav: &'static str,
    pub departments_intro: &'static str,
    pub key: &'static str,
    pub name: &'static str,
    pub add_department: &'static str,
    pub rename: &'static str,
    pub roles_nav: &'static str,
    pub roles_intro: &'static str,
    pub user: &'static str,
    pub role: &'static str,
    pub departments: &'static str,
    pub all_departments: &'static str,
    pub save: &'static str,
    pub legend: &'static str,
    pub permission: &'static str,
    pub not_saved: &'static str,
}

pub static ACCESS_DE: AccessTexts = AccessTexts {
    departments_nav: "Abteilungen",
    departments_intro: "Kontaktpunkte gehören einer Abteilung; Benutzer können auf Abteilungen beschränkt werden. Eine Abteilung lässt sich löschen, solange ihr kein Kontaktpunkt und kein Benutzer zugeordnet ist.",
    key: "Schlüssel",
    name: "Name",
    add_department: "Abteilung anlegen",
    rename: "Umbenennen",
    roles_nav: "Rollen",
    roles_intro: "Die Rolle bestimmt, was ein Benutzer darf; Analysten, Agenten und Betrachter lassen sich auf Abteilungen beschränken (keine Auswahl: alle Abteilungen). Nur Inhaber vergeben oder entziehen die Inhaberrolle.",
    user: "Benutzer",
    role: "Rolle",
    departments: "Abteilungen",
    all_departments: "alle",
    save: "Speichern",
    legend: "Was jede Rolle darf",
    permission: "Berechtigung",
    not_saved: "Nicht gespeichert:",
};

pub static ACCESS_EN: AccessTexts = AccessTexts {
    departments_nav: "Departments",
    departments_intro: "Touchpoints belong to a department; users can be limited to departments. A department can be deleted while no touchpoint and no user belongs to it.",
    key: "Key",
    name: "Name",
    add_department: "Add department",
    rename: "Rename",
    roles_nav: "Roles",
    roles_intro: "The role decides what a user may do; analysts, agents and viewers can be limited to departments (none ticked: all departments). Only owners grant or revoke the owner role.",
    user: "User",
    role: "Role",
    departments: "Departments",
    all_departments: "all",
    save: "Save",
    legend: "What each role may do",
    permission: "Permission",
    not_saved: "Not saved:",
};

pub fn access_texts(language: Language) -> &'static AccessTexts {
    match language {
        Language::De => &ACCESS_DE,
        Language::En => &ACCESS_EN,
    }
}

/// A role's name on screen.
pub fn role_name(language: Language, role: touchpoint_domain::Role) -> &'static str {
    use touchpoint_domain::Role;
    match (language, role) {
        (Language::De, Role::Owner) => "Inhaber",
        (Language::De, Role::Admin) => "Administrator",
        (Language::De, Role::Analyst) => "Analyst",
        (Language::De, Role::Agent) => "Agent",
        (Language::De, Role::Viewer) => "Betrachter",
        (Language::En, Role::Owner) => "Owner",
        (Language::En, Role::Admin) => "Admin",
        (Language::En, Role::Analyst) => "Analyst",
        (Language::En, Role::Agent) => "Agent",
        (Language::En, Role::Viewer) => "Viewer",
    }
}

/// What a permission allows, on screen.
pub fn permission_text(
    language: Language,
    permission: touchpoint_domain::Permission,
) -> &'static str {
    use touchpoint_domain::Permission as P;
    match (language, permission) {
        (Language::De, P::ReadDashboards) => "Dashboards, Umfragen und Kontaktpunkte ansehen",
        (Language::De, P::ReadCxData) => "Antworten, Kommentare, Textanalyse und Exporte lesen",
        (Language::De, P::SubmitResponses) => "Antworten per API einliefern",
        (Language::De, P::ManageSurveys) => "Umfragen anlegen, ändern, schließen",
        (Language::De, P::ManageTouchpoints) => "Kontaktpunkte anlegen und ändern",
        (Language::De, P::ManageJourneys) => "Journeys und Dashboards gestalten",
        (Language::De, P::ReadCustomers) => "Kunden ansehen",
        (Language::De, P::ManageCustomers) => {
            "Kundenverzeichnis pflegen (Import, Attribute, Einstellungen)"
        }
        (Language::De, P::HandlePrivacyRequests) => {
            "Datenschutzanfragen: Kundendaten exportieren und löschen"
        }
        (Language::De, P::WorkCases) => "Fälle bearbeiten",
        (Language::De, P::ReadDepartments) => "Abteilungen ansehen",
        (Language::De, P::ManageDepartments) => "Abteilungen verwalten",
        (Language::De, P::ManageUsers) => "Rollen und Abteilungen der Benutzer ändern",
        (Language::De, P::ManageOwnTokens) => "Eigene API-Tokens verwalten",
        (Language::De, P::ManageAllTokens) => "Alle API-Tokens verwalten",
        (Language::De, P::ReadAudit) => "Audit-Log lesen",
        (Language::De, P::ManageRetention) => "Aufbewahrung regeln",
        (Language::De, P::ManageOrganisation) => "Organisation einstellen",
        (Language::De, P::ManageOwnership) => "Inhaberrolle vergeben und entziehen",
        (Language::De, P::ManageBilling) => "Abrechnung",
        (Language::En, P::ReadDashboards) => "See dashboards, surveys and touchpoints",
        (Language::En, P::ReadCxData) => "Read responses, comments, text analytics and exports",
        (Language::En, P::SubmitResponses) => "Submit responses through the API",
        (Language::En, P::ManageSurveys) => "Create, change and close surveys",
        (Language::En, P::ManageTouchpoints) => "Create and change touchpoints",
        (Language::En, P::ManageJourneys) => "Design journeys and dashboards",
        (Language::En, P::ReadCustomers) => "See customers",
        (Language::En, P::ManageCustomers) => {
            "Maintain the customer directory (imports, attributes, settings)"
        }
        (Language::En, P::HandlePrivacyRequests) => {
            "Privacy requests: export and erase a customer's data"
        }
        (Language::En, P::WorkCases) => "Work cases",
        (Language::En, P::ReadDepartments) => "See departments",
        (Language::En, P::ManageDepartments) => "Manage departments",
        (Language::En, P::ManageUsers) => "Change users' roles and departments",
        (Language::En, P::ManageOwnTokens) => "Manage one's own API tokens",
        (Language::En, P::ManageAllTokens) => "Manage every API token",
        (Language::En, P::ReadAudit) => "Read the audit log",
        (Language::En, P::ManageRetention) => "Set retention",
        (Language::En, P::ManageOrganisation) => "Configure the organisation",
        (Language::En, P::ManageOwnership) => "Grant and revoke the owner role",
        (Language::En, P::ManageBilling) => "Billing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_query_then_header_then_fallback() {
        let both = [Language::De, Language::En];
        assert_eq!(
            pick_language(Some("en"), Some("de"), &both, Language::De),
            Language::En
        );
        assert_eq!(
            pick_language(Some("fr"), Some("en-GB,de;q=0.5"), &both, Language::De),
            Language::En
        );
        assert_eq!(
            pick_language(Some("en"), None, &[Language::De], Language::De),
            Language::De
        );
        assert_eq!(
            pick_language(None, Some("fr"), &both, Language::En),
            Language::En
        );
    }

    #[test]
    fn formats_numbers_per_language() {
        assert_eq!(number(Language::De, 23.44), "23,4");
        assert_eq!(number(Language::En, -5.06), "−5.1");
        assert_eq!(count(Language::De, 20431), "20.431");
        assert_eq!(count(Language::En, 1_234_567), "1,234,567");
        assert_eq!(count(Language::En, 999), "999");
    }

    #[test]
    fn translates_common_validation_messages() {
        assert_eq!(
            validation_message(Language::De, "an answer is required"),
            "Bitte beantworten Sie diese Frage."
        );
        assert_eq!(
            validation_message(Language::De, "must be an integer from 0 to 10"),
            "Bitte wählen Sie einen Wert von 0 bis 10."
        );
        assert_eq!(
            validation_message(Language::De, "11 is outside the scale 0–10"),
            "11 liegt außerhalb der Skala 0–10."
        );
        assert_eq!(
            validation_message(Language::En, "something new"),
            "something new"
        );
    }
}

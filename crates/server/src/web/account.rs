//! The account pages: accepting an invitation (`/app/invite/{token}`), asking for and using
//! a password reset link (`/app/forgot`, `/app/reset/{token}`), and the signed-in user's own
//! account (`/app/account`: change password, sign out everywhere, TOTP on and off).
//!
//! Link pages answer 404 for a link that never existed and 410 for one that was used,
//! revoked or has expired; a rejected form changes nothing. Reset requests answer the same
//! whether or not the address has an account.

use super::account_texts::{self, AccountTexts};
use super::session::{same_origin, start_session};
use super::{Chrome, Form, SignedIn, WebError, render, ui_language, with_language_cookie};
use crate::AppState;
use crate::auth::{
    check_password_strength, hash_password, new_totp_secret, sha256_hex, verify_password,
};
use crate::i18n::{self, Texts};
use crate::limits::{ClientAddress, PeerAddress};
use crate::mail::{self, Notice};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use touchpoint_domain::{Language, totp};
use touchpoint_store::accounts::User;
use touchpoint_store::{AuditContext, Interface, StoreError};

const MAX_NAME_CHARS: usize = 100;

#[derive(askama::Template)]
#[template(path = "public/message.html")]
struct MessagePage {
    lang: &'static str,
    survey_name: &'static str,
    heading: &'static str,
    body: &'static str,
}

/// 404 for an unknown link, 410 for a spent one; anything else is ours.
fn link_error(language: Language, error: StoreError) -> Response {
    let a = account_texts::texts(language);
    match error {
        StoreError::NotFound => render(
            StatusCode::NOT_FOUND,
            &MessagePage {
                lang: language.as_str(),
                survey_name: "",
                heading: i18n::texts(language).not_found_title,
                body: a.link_unknown_body,
            },
        ),
        StoreError::Gone(_) => render(
            StatusCode::GONE,
            &MessagePage {
                lang: language.as_str(),
                survey_name: "",
                heading: a.link_gone_title,
                body: a.link_gone_body,
            },
        ),
        other => WebError::internal(language, other).into_response(),
    }
}

/// Tokens are 64 hex characters; anything else cannot be one (and is not looked up).
/// The stored hash of a link's token; `NotFound` for a token no link could carry (a link
/// token is 64 hex characters), answered without a database lookup.
fn link_hash(token: &str) -> Result<String, StoreError> {
    if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(sha256_hex(token))
    } else {
        Err(StoreError::NotFound)
    }
}

/// What a link's form post must pass before anything is looked up: it comes from our own
/// origin, and its token could be one. Refusals are complete responses.
fn posted_link_hash(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<String, Box<Response>> {
    let (language, _) = ui_language(None, headers, None);
    if !same_origin(headers, &state.settings.public_url) {
        return Err(Box::new(WebError::forbidden(language).into_response()));
    }
    link_hash(token).map_err(|error| Box::new(link_error(language, error)))
}

#[derive(askama::Template)]
#[template(path = "web/link_form.html")]
struct LinkFormPage {
    lang: &'static str,
    a: &'static AccountTexts,
    heading: &'static str,
    intro: &'static str,
    email: String,
    action: String,
    ask_name: bool,
    display_name: String,
    submit: &'static str,
    errors: Vec<String>,
}

/// Checks a new password and its repetition; the messages in `language`.
fn new_password_errors(language: Language, password: &str, repeated: &str) -> Vec<String> {
    let a = account_texts::texts(language);
    let mut errors = Vec::new();
    if let Err(e) = check_password_strength(password) {
        errors.push(match language {
            Language::En => e.to_owned(),
            Language::De => a.password_hint.to_owned(),
        });
    }
    if password != repeated {
        errors.push(a.passwords_differ.to_owned());
    }
    errors
}

async fn hash(language: Language, password: String) -> Result<String, Response> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| WebError::internal(language, e).into_response())?
        .map_err(|e| WebError::internal(language, e).into_response())
}

// ---------------------------------------------------------------------------------------------
// Invitations
// ---------------------------------------------------------------------------------------------

fn invitation_page(
    language: Language,
    token: &str,
    email: String,
    display_name: String,
    errors: Vec<String>,
) -> LinkFormPage {
    let a = account_texts::texts(language);
    LinkFormPage {
        lang: language.as_str(),
        a,
        heading: a.accept_title,
        intro: a.accept_intro,
        email,
        action: format!("/app/invite/{token}"),
        ask_name: true,
        display_name,
        submit: a.create_account,
        errors,
    }
}

pub async fn invitation_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (fallback, remember) = ui_language(raw.as_deref(), &headers, None);
    let token_hash = match link_hash(&token) {
        Ok(hash) => hash,
        Err(error) => return link_error(fallback, error),
    };
    match state
        .store
        .invitation_by_token(&token_hash, touchpoint_store::now_ms())
        .await
    {
        Ok(invitation) => {
            let language = if remember.is_some() {
                fallback
            } else {
                invitation.language
            };
            let page = invitation_page(
                language,
                &token,
                invitation.email,
                String::new(),
                Vec::new(),
            );
            with_language_cookie(render(StatusCode::OK, &page), remember)
        }
        Err(error) => link_error(fallback, error),
    }
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (language, _) = ui_language(None, &headers, None);
    let token_hash = match posted_link_hash(&state, &headers, &token) {
        Ok(hash) => hash,
        Err(refused) => return *refused,
    };
    let invitation = match state
        .store
        .invitation_by_token(&token_hash, touchpoint_store::now_ms())
        .await
    {
        Ok(invitation) => invitation,
        Err(error) => return link_error(language, error),
    };
    let language = invitation.language;
    let form = Form::parse(&body);
    let display_name = form.get("display_name").trim().to_owned();
    let password = form.get("password").to_owned();
    let mut errors = Vec::new();
    if display_name.is_empty()
        || display_name.chars().count() > MAX_NAME_CHARS
        || display_name.chars().any(char::is_control)
    {
        errors.push(account_texts::texts(language).name_required.to_owned());
    }
    errors.extend(new_password_errors(
        language,
        &password,
        form.get("password2"),
    ));
    if !errors.is_empty() {
        let page = invitation_page(language, &token, invitation.email, display_name, errors);
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let password_hash = match hash(language, password).await {
        Ok(hash) => hash,
        Err(response) => return response,
    };
    match state
        .store
        .accept_invitation(&token_hash, &display_name, &password_hash, peer.0.clone())
        .await
    {
        Ok(principal) => start_session(&state, principal, peer.0, language).await,
        Err(StoreError::Conflict { .. }) => {
            let errors = vec![
                "a user with this e-mail address exists already / ein Konto mit dieser Adresse existiert bereits"
                    .to_owned(),
            ];
            let page = invitation_page(language, &token, invitation.email, display_name, errors);
            render(StatusCode::CONFLICT, &page)
        }
        Err(error) => link_error(language, error),
    }
}

// ---------------------------------------------------------------------------------------------
// Password reset
// ---------------------------------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage {
    lang: &'static str,
    t: &'static Texts,
    a: &'static AccountTexts,
    message: &'static str,
}

pub async fn forgot_form(RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let (language, remember) = ui_language(raw.as_deref(), &headers, None);
    let page = ForgotPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a: account_texts::texts(language),
        message: "",
    };
    with_language_cookie(render(StatusCode::OK, &page), remember)
}

/// Queues a reset mail when the address has an active account; the answer is the same page
/// either way (and takes about as long: no password hashing on either path). Limited per
/// client address (429) and, silently, per account.
pub async fn forgot(
    State(state): State<AppState>,
    address: ClientAddress,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (language, _) = ui_language(None, &headers, None);
    if !same_origin(&headers, &state.settings.public_url) {
        return WebError::forbidden(language).into_response();
    }
    let a = account_texts::texts(language);
    let page = |message| ForgotPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a,
        message,
    };
    let limits = &state.limits;
    if let Some(retry_after) = limits
        .reset_address
        .hit(&address.0, limits.now_ms())
        .retry_after_secs()
    {
        let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page(a.forgot_throttled));
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return response;
    }
    let form = Form::parse(&body);
    if let Err(error) =
        crate::accounts::request_password_reset(&state, form.get("email"), peer.0).await
    {
        // Logged, but not shown: the answer must not depend on the account.
        tracing::error!(?error, "password reset request failed");
    }
    render(StatusCode::OK, &page(a.forgot_sent))
}

fn reset_page(language: Language, token: &str, errors: Vec<String>) -> LinkFormPage {
    let a = account_texts::texts(language);
    LinkFormPage {
        lang: language.as_str(),
        a,
        heading: a.reset_title,
        intro: a.password_hint,
        email: String::new(),
        action: format!("/app/reset/{token}"),
        ask_name: false,
        display_name: String::new(),
        submit: a.reset_save,
        errors,
    }
}

pub async fn reset_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (fallback, remember) = ui_language(raw.as_deref(), &headers, None);
    let token_hash = match link_hash(&token) {
        Ok(hash) => hash,
        Err(error) => return link_error(fallback, error),
    };
    match state
        .store
        .password_reset_target(&token_hash, touchpoint_store::now_ms())
        .await
    {
        Ok(user) => {
            let language = if remember.is_some() {
                fallback
            } else {
                user.language
            };
            with_language_cookie(
                render(StatusCode::OK, &reset_page(language, &token, Vec::new())),
                remember,
            )
        }
        Err(error) => link_error(fallback, error),
    }
}

pub async fn reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (language, _) = ui_language(None, &headers, None);
    let token_hash = match posted_link_hash(&state, &headers, &token) {
        Ok(hash) => hash,
        Err(refused) => return *refused,
    };
    let user = match state
        .store
        .password_reset_target(&token_hash, touchpoint_store::now_ms())
        .await
    {
        Ok(user) => user,
        Err(error) => return link_error(language, error),
    };
    let language = user.language;
    let form = Form::parse(&body);
    let password = form.get("password").to_owned();
    let errors = new_password_errors(language, &password, form.get("password2"));
    if !errors.is_empty() {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reset_page(language, &token, errors),
        );
    }
    let notice = match mail::notice(
        Notice::PasswordChanged,
        user.language,
        &user.email,
        &user.display_name,
    ) {
        Ok(notice) => notice,
        Err(e) => return WebError::internal(language, e).into_response(),
    };
    let password_hash = match hash(language, password).await {
        Ok(hash) => hash,
        Err(response) => return response,
    };
    match state
        .store
        .reset_password(&token_hash, &password_hash, &notice, peer.0)
        .await
    {
        Ok(_) => Redirect::to("/app/login?reset=1").into_response(),
        Err(error) => link_error(language, error),
    }
}

// ---------------------------------------------------------------------------------------------
// The signed-in user's account
// ---------------------------------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "web/account.html")]
struct AccountPage {
    lang: &'static str,
    t: &'static Texts,
    a: &'static AccountTexts,
    chrome: Chrome,
    email: String,
    message: &'static str,
    errors: Vec<String>,
    totp_on: bool,
    secret: String,
    uri: String,
}

fn account_page(
    language: Language,
    signed_in: &SignedIn,
    status: StatusCode,
    message: &'static str,
    errors: Vec<String>,
    secret: Option<String>,
) -> Response {
    let user = &signed_in.user;
    // A fresh secret each time the page shows it, until one is confirmed with a code.
    let secret = secret.unwrap_or_else(|| totp::base32_encode(&new_totp_secret()));
    let uri = totp::otpauth_uri("Touchpoint", &user.email, &secret);
    let page = AccountPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a: account_texts::texts(language),
        chrome: Chrome::new(language, signed_in, "/app/account"),
        email: user.email.clone(),
        message,
        errors,
        totp_on: user.totp_secret.is_some(),
        secret,
        uri,
    };
    render(status, &page)
}

fn context(signed_in: &SignedIn, peer: PeerAddress) -> AuditContext {
    AuditContext {
        user_id: Some(signed_in.user.id),
        token_id: None,
        interface: Interface::Web,
        address: peer.0,
    }
}

pub async fn page(signed_in: SignedIn, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let a = account_texts::texts(language);
    let message = match raw.as_deref().unwrap_or("") {
        q if q.contains("done=password") => a.password_changed,
        q if q.contains("done=totp_on") => a.totp_enabled,
        q if q.contains("done=totp_off") => a.totp_disabled,
        _ => "",
    };
    with_language_cookie(
        account_page(
            language,
            &signed_in,
            StatusCode::OK,
            message,
            Vec::new(),
            None,
        ),
        remember,
    )
}

/// Verifies `password` against the user's hash off the async workers.
async fn password_ok(user: &User, password: String) -> bool {
    let stored = user.password_hash.clone();
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false)
}

/// A wrong current password: 403, audited, nothing changed.
async fn wrong_password(
    state: &AppState,
    signed_in: &SignedIn,
    peer: PeerAddress,
    language: Language,
    secret: Option<String>,
) -> Response {
    let entry = touchpoint_store::AuditEntry {
        org_id: signed_in.user.org_id,
        action: "password.check_failed",
        target_type: Some("user"),
        target_id: Some(signed_in.user.id.to_string()),
        summary: serde_json::json!({"before": null, "after": null}),
    };
    if let Err(e) = state
        .store
        .append_audit(&context(signed_in, peer), &entry)
        .await
    {
        return WebError::internal(language, e).into_response();
    }
    let a = account_texts::texts(language);
    account_page(
        language,
        signed_in,
        StatusCode::FORBIDDEN,
        "",
        vec![a.current_password_wrong.to_owned()],
        secret,
    )
}

pub async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = Form::parse(&body);
    let limits = &state.limits;
    let account = signed_in.user.email.to_lowercase();
    if let Some(retry_after) = limits
        .signin_account
        .hit(&account, limits.now_ms())
        .retry_after_secs()
    {
        let mut response = WebError::forbidden(language).into_response();
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return response;
    }
    if !password_ok(&signed_in.user, form.get("current").to_owned()).await {
        return wrong_password(&state, &signed_in, peer, language, None).await;
    }
    limits.signin_account.forgive(&account);
    let password = form.get("password").to_owned();
    let errors = new_password_errors(language, &password, form.get("password2"));
    if !errors.is_empty() {
        return account_page(
            language,
            &signed_in,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            errors,
            None,
        );
    }
    let user = &signed_in.user;
    let notice = match mail::notice(
        Notice::PasswordChanged,
        user.language,
        &user.email,
        &user.display_name,
    ) {
        Ok(notice) => notice,
        Err(e) => return WebError::internal(language, e).into_response(),
    };
    let password_hash = match hash(language, password).await {
        Ok(hash) => hash,
        Err(response) => return response,
    };
    match state
        .store
        .change_password(
            user,
            &password_hash,
            &signed_in.session_hash,
            &notice,
            &context(&signed_in, peer),
        )
        .await
    {
        Ok(()) => Redirect::to("/app/account?done=password").into_response(),
        Err(e) => WebError::internal(language, e).into_response(),
    }
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
) -> Response {
    let (language, _) = signed_in.ui_language(None, &headers);
    match state
        .store
        .revoke_all_sessions(
            signed_in.user.org_id,
            signed_in.user.id,
            &context(&signed_in, peer),
        )
        .await
    {
        Ok(_) => Redirect::to("/app/login").into_response(),
        Err(e) => WebError::internal(language, e).into_response(),
    }
}

pub async fn enable_totp(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = Form::parse(&body);
    let secret_text = form.get("secret").trim().to_uppercase();
    let secret = totp::base32_decode(&secret_text)
        .filter(|s| s.len() >= totp::SECRET_BYTES && secret_text.len() <= 64);
    let now = touchpoint_store::now_ms().div_euclid(1000);
    let step = secret
        .as_deref()
        .and_then(|s| totp::verify(s, form.get("code"), now));
    let (Some(_), Some(step)) = (secret, step) else {
        let a = account_texts::texts(language);
        let keep = (!secret_text.is_empty()
            && secret_text.len() <= 64
            && totp::base32_decode(&secret_text).is_some())
        .then_some(secret_text);
        return account_page(
            language,
            &signed_in,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            vec![a.totp_code_wrong.to_owned()],
            keep,
        );
    };
    let user = &signed_in.user;
    let notice = match mail::notice(
        Notice::TotpEnabled,
        user.language,
        &user.email,
        &user.display_name,
    ) {
        Ok(notice) => notice,
        Err(e) => return WebError::internal(language, e).into_response(),
    };
    match state
        .store
        .enable_totp(
            user,
            &secret_text,
            step,
            &notice,
            &context(&signed_in, peer),
        )
        .await
    {
        Ok(()) => Redirect::to("/app/account?done=totp_on").into_response(),
        Err(e) => WebError::internal(language, e).into_response(),
    }
}

pub async fn disable_totp(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = Form::parse(&body);
    if !password_ok(&signed_in.user, form.get("current").to_owned()).await {
        return wrong_password(&state, &signed_in, peer, language, None).await;
    }
    match state
        .store
        .disable_totp(&signed_in.user, &context(&signed_in, peer))
        .await
    {
        Ok(()) => Redirect::to("/app/account?done=totp_off").into_response(),
        Err(e) => WebError::internal(language, e).into_response(),
    }
}

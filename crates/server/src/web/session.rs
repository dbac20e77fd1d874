//! Signing in and out, and the [`SignedIn`] extractor every app page takes.
//!
//! The cookie holds a random session id; the store keeps only its SHA-256, so a leaked
//! database does not leak live sessions.

use super::account_texts::{self, AccountTexts};
use super::{WebError, render, ui_language, with_language_cookie};
use crate::AppState;
use crate::auth::{new_session_id, sha256_hex, verify_password};
use crate::i18n::{self, Texts};
use crate::limits::{ClientAddress, Decision, PeerAddress};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::LazyLock;
use touchpoint_domain::{DepartmentScope, Language, Permission};
use touchpoint_domain::{OrgId, UserId};
use touchpoint_store::accounts::{Principal, User};
use touchpoint_store::{AuditContext, AuditEntry, Interface};

pub const COOKIE: &str = "tp_session";

/// The signed-in user of a request. Without a valid session the request is redirected to
/// the sign-in page.
///
/// It is also where the web app authorises: the page's permission comes from
/// [`super::PAGE_PERMISSIONS`] (by method and matched path; a page missing there is refused)
/// and the user's role must have it, else 403 (audited as `access.denied` on administrative
/// pages). The user's role and departments are read fresh with every request.
pub struct SignedIn {
    pub user: User,
    /// The departments the user is limited to.
    pub departments: DepartmentScope,
    /// The session's CSRF token (see [`super::csrf`]).
    pub csrf: String,
    /// The stored key of this session (kept when the password changes).
    pub session_hash: String,
}

impl SignedIn {
    /// The page's language for this user: `?lang=` in `query` (to be remembered in a cookie,
    /// the second value), else the language cookie, else the user's own, else the browser's.
    pub fn ui_language(
        &self,
        query: Option<&str>,
        headers: &axum::http::HeaderMap,
    ) -> (Language, Option<Language>) {
        super::ui_language(query, headers, Some(self.user.language))
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.user.role.may(permission)
    }

    /// Who the audit log names for a change made through the web app.
    pub fn audit(&self, address: Option<String>) -> AuditContext {
        AuditContext {
            user_id: Some(self.user.id),
            token_id: None,
            interface: Interface::Web,
            address,
        }
    }
}
/// The cookie that carries a sign-in challenge between password and TOTP code.
pub const CHALLENGE_COOKIE: &str = "tp_2fa";
/// How long the second step may take.
const CHALLENGE_MS: i64 = 5 * 60_000;
/// Wrong codes per challenge before the sign-in starts over.
const CHALLENGE_ATTEMPTS: i64 = 5;

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/app/login").into_response();
        let Some(id) = cookie(&parts.headers, COOKIE).filter(|v| !v.is_empty() && v.len() <= 128)
        else {
            return Err(to_login());
        };
        let store = &state.store;
        let session_hash = sha256_hex(id);
        let principal = match store
            .session(&session_hash, touchpoint_store::now_ms())
            .await
        {
            Ok(Some(principal)) => principal,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(WebError::internal(Language::En, e).into_response()),
        };
        let (user, access) = match tokio::try_join!(
            store.user(principal.org_id, principal.user_id),
            store.user_access(principal.org_id, principal.user_id)
        ) {
            Ok((user, _)) if !user.is_active() => return Err(to_login()),
            Ok(found) => found,
            Err(touchpoint_store::StoreError::NotFound) => return Err(to_login()),
            Err(e) => return Err(WebError::internal(Language::En, e).into_response()),
        };
        let signed_in = SignedIn {
            user,
            departments: access.departments,
            csrf: super::csrf::token(id),
            session_hash,
        };
        let path = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let method = if parts.method == axum::http::Method::HEAD {
            "get".to_owned()
        } else {
            parts.method.as_str().to_ascii_lowercase()
        };
        let (language, _) = ui_language(
            parts.uri.query(),
            &parts.headers,
            Some(signed_in.user.language),
        );
        let Some(permission) = super::page_permission(&method, &path) else {
            return Err(WebError::forbidden(language).into_response());
        };
        if !signed_in.may(permission) {
            let address = PeerAddress::from_parts(parts).0;
            crate::access::record_denial(
                state,
                principal.org_id,
                &signed_in.audit(address),
                format!("{} {path}", parts.method),
                signed_in.user.role,
                permission,
            )
            .await;
            return Err(WebError::forbidden(language).into_response());
        }
        Ok(signed_in)
    }
}

#[derive(askama::Template)]
#[template(path = "web/login.html")]
struct LoginPage {
    lang: &'static str,
    t: &'static Texts,
    a: &'static AccountTexts,
    email: String,
    failed: bool,
    throttled: bool,
    /// A message above the form (account deactivated, password changed, welcome).
    notice: &'static str,
    switch: Vec<crate::public::LanguageLink>,
}

fn login_page(language: Language, email: String, failed: bool, status: StatusCode) -> Response {
    login_page_with(language, email, failed, "", status)
}

fn login_page_with(
    language: Language,
    email: String,
    failed: bool,
    notice: &'static str,
    status: StatusCode,
) -> Response {
    let page = LoginPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a: account_texts::texts(language),
        email,
        failed,
        throttled: false,
        notice,
        switch: super::language_links("/app/login", language),
    };
    render(status, &page)
}

#[derive(askama::Template)]
#[template(path = "web/totp_step.html")]
struct TotpStepPage {
    lang: &'static str,
    a: &'static AccountTexts,
    failed: bool,
}

fn totp_step_page(language: Language, failed: bool, status: StatusCode) -> Response {
    render(
        status,
        &TotpStepPage {
            lang: language.as_str(),
            a: account_texts::texts(language),
            failed,
        },
    )
}

/// Whether a form post comes from this site. Browsers send `Origin` with every POST; a
/// foreign one is refused (defence in depth next to `SameSite=Lax`). Requests without the
/// header (non-browser clients) pass.
pub(crate) fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let authority = |url: &str| {
        url.split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or("").to_ascii_lowercase())
    };
    let origin_host = authority(origin);
    let public_host = authority(public_url);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    origin_host.is_some() && (origin_host == public_host || origin_host == host)
}

fn forbidden(language: Language) -> Response {
    tracing::warn!("cross-site form post refused");
    WebError::forbidden(language).into_response()
}

pub async fn login_form(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (language, remember) = ui_language(query.as_deref(), &headers, None);
    let a = account_texts::texts(language);
    let notice = match query.as_deref().unwrap_or("") {
        q if q.contains("reset=1") => a.reset_done,
        q if q.contains("changed=1") => a.password_changed,
        _ => "",
    };
    if let Some(id) = cookie(&headers, COOKIE).filter(|v| !v.is_empty() && v.len() <= 128)
        && let Ok(Some(_)) = state
            .store
            .session(&sha256_hex(id), touchpoint_store::now_ms())
            .await
    {
        return with_language_cookie(Redirect::to("/app").into_response(), remember);
    }
    with_language_cookie(
        login_page_with(language, String::new(), false, notice, StatusCode::OK),
        remember,
    )
}

/// The answer to a throttled sign-in: 429, `Retry-After`, and the sign-in page saying why.
fn throttled(language: Language, email: String, retry_after_secs: u64) -> Response {
    let page = LoginPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        email,
        a: account_texts::texts(language),
        failed: false,
        throttled: true,
        notice: "",
        switch: super::language_links("/app/login", language),
    };
    let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// A real Argon2id hash to verify against when the email is unknown, so a failed sign-in
/// takes as long whether or not the account exists.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| crate::auth::hash_password("touchpoint timing equaliser").unwrap_or_default());

/// Signs in. Attempts are throttled per account (failed ones, in any 15 minutes) and per
/// client address (all but successful ones); a throttled attempt gets 429 before the password
/// is even looked at, so a right password then does not reveal itself either. A successful
/// sign-in clears its account's count (its owner is back) but not its address's: an address
/// that guessed at many accounts stays slowed down even if one guess was right.
pub async fn login(
    State(state): State<AppState>,
    address: ClientAddress,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = super::form::Form::parse(&body);
    let (email, password) = (form.text("email"), form.raw("password"));
    let (language, _) = ui_language(None, &headers, None);
    if !same_origin(&headers, &state.settings.public_url) {
        return forbidden(language);
    }

    // Count the attempt before checking it, so concurrent guesses cannot slip past the limit.
    let limits = &state.limits;
    let account = email.to_lowercase();
    let now = limits.now_ms();
    let decision = match limits.signin_account.hit(&account, now) {
        Decision::Allowed => {
            let by_address = limits.signin_address.hit(&address.0, now);
            if by_address != Decision::Allowed {
                limits.signin_account.forgive(&account);
            }
            by_address
        }
        limited => limited,
    };
    if let Some(retry_after) = decision.retry_after_secs() {
        tracing::warn!(address = %address.0, "sign-in throttled");
        return throttled(language, email, retry_after);
    }

    let user = match state.store.user_by_email(&email).await {
        Ok(user) => user,
        Err(e) => return WebError::internal(language, e).into_response(),
    };
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    // Argon2 is deliberately slow: keep it off the async workers.
    let verified = tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false);
    let audit = |user_id| AuditContext {
        user_id,
        token_id: None,
        interface: Interface::Web,
        address: peer.0.clone(),
    };
    let known = user.as_ref().map(|u| (u.org_id, u.id));
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!("failed sign-in");
        // Only an existing account's organisation learns of the attempt, named by the user id:
        // a guessed e-mail address is never stored, and belongs to no organisation anyway.
        if let Some((org_id, user_id)) = known {
            let entry = session_entry(org_id, "session.sign_in_failed", user_id);
            if let Err(e) = state.store.append_audit(&audit(None), &entry).await {
                return WebError::internal(language, e).into_response();
            }
        }
        return login_page(language, email, true, StatusCode::UNAUTHORIZED);
    };
    let principal = Principal {
        org_id: user.org_id,
        user_id: user.id,
    };
    // Checked after the password, so only someone who knows it learns of the deactivation.
    if !user.is_active() {
        let entry = session_entry(user.org_id, "session.sign_in_refused", user.id);
        if let Err(e) = state.store.append_audit(&audit(None), &entry).await {
            return WebError::internal(language, e).into_response();
        }
        let a = account_texts::texts(language);
        return login_page_with(
            language,
            email,
            false,
            a.deactivated_signin,
            StatusCode::FORBIDDEN,
        );
    }
    if user.totp_secret.is_some() {
        // The password was right; the session waits for the code. The account's count of
        // failures stays until the code is right too.
        limits.signin_address.forgive(&address.0);
        let (challenge, challenge_hash) = crate::auth::new_link_token();
        let expires_at = touchpoint_store::now_ms() + CHALLENGE_MS;
        if let Err(e) = state
            .store
            .create_signin_challenge(&challenge_hash, principal, expires_at)
            .await
        {
            return WebError::internal(language, e).into_response();
        }
        let mut response = totp_step_page(language, false, StatusCode::OK);
        set_cookie(
            &mut response,
            &format!(
                "{CHALLENGE_COOKIE}={challenge}; HttpOnly; SameSite=Strict; Path=/app/login; Max-Age={}{}",
                CHALLENGE_MS / 1000,
                secure_attribute(&state)
            ),
        );
        return response;
    }
    limits.signin_account.reset(&account);
    limits.signin_address.forgive(&address.0);
    start_session(&state, principal, peer.0.clone(), language).await
}

fn secure_attribute(state: &AppState) -> &'static str {
    if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    }
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Creates a session for `principal`, records the sign-in, sets the cookie and sends the
/// browser to the overview.
pub(crate) async fn start_session(
    state: &AppState,
    principal: Principal,
    address: Option<String>,
    language: Language,
) -> Response {
    let (session_id, session_hash) = new_session_id();
    let hours = state.settings.session_hours.clamp(1, 24 * 365);
    let expires_at = touchpoint_store::now_ms() + hours * 3_600_000;
    if let Err(e) = state
        .store
        .create_session(&session_hash, principal, expires_at)
        .await
    {
        return WebError::internal(language, e).into_response();
    }
    let context = AuditContext {
        user_id: Some(principal.user_id),
        token_id: None,
        interface: Interface::Web,
        address,
    };
    let entry = session_entry(principal.org_id, "session.sign_in", principal.user_id);
    if let Err(e) = state.store.append_audit(&context, &entry).await {
        return WebError::internal(language, e).into_response();
    }
    let mut response = Redirect::to("/app").into_response();
    set_cookie(
        &mut response,
        &format!(
            "{COOKIE}={session_id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}",
            hours * 3600,
            secure_attribute(state)
        ),
    );
    response
}

/// The second step of a sign-in with TOTP: the code for the challenge in the cookie. Wrong
/// codes count against the account's sign-in limit and the challenge (five, then the
/// sign-in starts over); a code is accepted once (its time step is spent).
pub async fn login_totp(
    State(state): State<AppState>,
    address: ClientAddress,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let code = fields
        .iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let (language, _) = ui_language(None, &headers, None);
    if !same_origin(&headers, &state.settings.public_url) {
        return forbidden(language);
    }
    let restart = || Redirect::to("/app/login").into_response();
    let Some(challenge) =
        cookie(&headers, CHALLENGE_COOKIE).filter(|v| !v.is_empty() && v.len() <= 128)
    else {
        return restart();
    };
    let challenge_hash = sha256_hex(challenge);
    let now = touchpoint_store::now_ms();
    let (principal, attempts) = match state
        .store
        .signin_challenge_attempt(&challenge_hash, now)
        .await
    {
        Ok(Some(found)) => found,
        Ok(None) => return restart(),
        Err(e) => return WebError::internal(language, e).into_response(),
    };
    let user = match state.store.user(principal.org_id, principal.user_id).await {
        Ok(user) => user,
        Err(e) => return WebError::internal(language, e).into_response(),
    };
    let limits = &state.limits;
    let account = user.email.to_lowercase();
    if let Some(retry_after) = limits
        .signin_address
        .hit(&address.0, limits.now_ms())
        .retry_after_secs()
    {
        return throttled(language, String::new(), retry_after);
    }
    let secret = user
        .totp_secret
        .as_deref()
        .and_then(touchpoint_domain::totp::base32_decode);
    let step = secret
        .as_deref()
        .and_then(|secret| touchpoint_domain::totp::verify(secret, &code, now.div_euclid(1000)));
    let spent = match step {
        Some(step) if user.is_active() => state
            .store
            .spend_totp_step(user.org_id, user.id, step)
            .await
            .unwrap_or(false),
        _ => false,
    };
    let context = AuditContext {
        user_id: None,
        token_id: None,
        interface: Interface::Web,
        address: peer.0.clone(),
    };
    if !spent {
        let entry = session_entry(user.org_id, "session.totp_failed", user.id);
        if let Err(e) = state.store.append_audit(&context, &entry).await {
            return WebError::internal(language, e).into_response();
        }
        let by_account = limits.signin_account.hit(&account, limits.now_ms());
        if attempts >= CHALLENGE_ATTEMPTS || by_account != Decision::Allowed {
            let _ = state.store.delete_signin_challenge(&challenge_hash).await;
            return match by_account.retry_after_secs() {
                Some(retry_after) => throttled(language, String::new(), retry_after),
                None => restart(),
            };
        }
        return totp_step_page(language, true, StatusCode::UNAUTHORIZED);
    }
    if let Err(e) = state.store.delete_signin_challenge(&challenge_hash).await {
        return WebError::internal(language, e).into_response();
    }
    limits.signin_account.reset(&account);
    limits.signin_address.forgive(&address.0);
    let mut response = start_session(&state, principal, peer.0, language).await;
    set_cookie(
        &mut response,
        &format!(
            "{CHALLENGE_COOKIE}=; HttpOnly; SameSite=Strict; Path=/app/login; Max-Age=0{}",
            secure_attribute(&state)
        ),
    );
    response
}

/// A sign-in or sign-out entry: the session's user is the target; no e-mail, no session id.
fn session_entry(org_id: OrgId, action: &'static str, user_id: UserId) -> AuditEntry {
    AuditEntry {
        org_id,
        action,
        target_type: Some("user"),
        target_id: Some(user_id.to_string()),
        summary: serde_json::json!({"before": null, "after": null}),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    peer: PeerAddress,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&headers, &state.settings.public_url) {
        return forbidden(ui_language(None, &headers, None).0);
    }
    if let Some(id) = cookie(&headers, COOKIE).filter(|v| !v.is_empty()) {
        let hash = sha256_hex(id);
        // Only a live session's sign-out is a change worth recording.
        let principal = state
            .store
            .session(&hash, touchpoint_store::now_ms())
            .await
            .ok()
            .flatten();
        if let Err(e) = state.store.delete_session(&hash).await {
            tracing::warn!(error = %e, "could not delete a session on sign-out");
        } else if let Some(principal) = principal {
            let context = AuditContext {
                user_id: Some(principal.user_id),
                token_id: None,
                interface: Interface::Web,
                address: peer.0,
            };
            let entry = session_entry(principal.org_id, "session.sign_out", principal.user_id);
            if let Err(e) = state.store.append_audit(&context, &entry).await {
                tracing::error!(error = %e, "could not record a sign-out in the audit log");
            }
        }
    }
    let mut response = Redirect::to("/app/login").into_response();
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let expired = format!("{COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; tp_session=abc ; b=2"),
        );
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn accepts_only_our_own_origin() {
        let public = "https://cx.example.com";
        let mut headers = HeaderMap::new();
        assert!(
            same_origin(&headers, public),
            "no Origin: not a browser form post"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://cx.example.com"),
        );
        assert!(same_origin(&headers, public));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&headers, public));
        headers.insert(header::HOST, HeaderValue::from_static("evil.example"));
        assert!(same_origin(&headers, public), "the Host it was sent to");
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&headers, public));
    }
}

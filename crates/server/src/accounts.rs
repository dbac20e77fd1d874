//! The account flows both surfaces share (the API and the web app): inviting a user,
//! resending an invitation and requesting a password reset. Each validates its input, renders
//! its mail and hands both to one store call, which stores the change, the mail and its
//! delivery job in one transaction.

use crate::AppState;
use crate::api::error::ApiError;
use crate::auth::new_link_token;
use crate::mail;
use serde::Deserialize;
use touchpoint_domain::{FieldError, InvitationId, Language, Role};
use touchpoint_store::accounts::User;
use touchpoint_store::lifecycle::NewInvitation;
use touchpoint_store::{AuditContext, StoreError, now_ms};

const MAX_EMAIL_CHARS: usize = 254;
const MAX_DEPARTMENTS: usize = 50;

/// Why a flow refused or failed.
#[derive(Debug)]
pub enum FlowError {
    Validation(Vec<FieldError>),
    Conflict(String),
    NotFound,
    Forbidden(String),
    Internal(String),
}

impl From<StoreError> for FlowError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => FlowError::NotFound,
            StoreError::Conflict { constraint } => FlowError::Conflict(match constraint.as_str() {
                "users.email" => "a user with this e-mail address exists already".to_owned(),
                "invitations.pending_email" => {
                    "this address has a pending invitation; resend or revoke it".to_owned()
                }
                "invitations.accepted" => "the invitation was accepted already".to_owned(),
                "invitations.revoked" => "the invitation was revoked".to_owned(),
                other => format!("conflicts with existing data ({other})"),
            }),
            other => FlowError::Internal(other.to_string()),
        }
    }
}

impl From<mail::RenderError> for FlowError {
    fn from(error: mail::RenderError) -> Self {
        FlowError::Internal(error.to_string())
    }
}

impl From<FlowError> for ApiError {
    fn from(error: FlowError) -> Self {
        match error {
            FlowError::Validation(errors) => ApiError::Validation(errors),
            FlowError::Conflict(detail) => ApiError::Conflict(detail),
            FlowError::NotFound => ApiError::NotFound("invitation"),
            FlowError::Forbidden(detail) => ApiError::Forbidden(detail),
            FlowError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

/// A plausible mailbox address: one `@`, a dotted domain, only the characters addresses
/// actually use (no spaces, quotes, angle brackets or control characters), lower-cased.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let allowed_local =
        |c: char| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c) || !c.is_ascii();
    let allowed_domain =
        |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-' || !c.is_ascii();
    let ok = !local.is_empty()
        && email.chars().count() <= MAX_EMAIL_CHARS
        && local.chars().all(allowed_local)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(allowed_domain)
        && !email.chars().any(char::is_control);
    ok.then_some(email)
}

/// The body of `POST /invitations` (and the web form), before validation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationDraft {
    pub email: Option<String>,
    pub role: Option<String>,
    pub language: Option<String>,
    pub department_ids: Option<Vec<String>>,
}

/// An invitation that passed validation.
#[derive(Debug, Clone)]
pub struct InvitationRequest {
    pub email: String,
    pub role: Role,
    pub language: Language,
    pub department_ids: Vec<String>,
}

impl InvitationDraft {
    /// Every field checked, every error reported at once. Only an owner may invite an owner.
    pub fn validate(self, inviter: &User) -> Result<InvitationRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = match self.email.as_deref().map(normalise_email) {
            Some(Some(email)) => Some(email),
            _ => {
                errors.push(FieldError::new("email", "a valid e-mail address"));
                None
            }
        };
        let role = match self.role.as_deref().map(Role::parse) {
            Some(Some(Role::Owner)) if inviter.role != Role::Owner => {
                errors.push(FieldError::new("role", "only an owner may invite an owner"));
                None
            }
            Some(Some(role)) => Some(role),
            _ => {
                errors.push(FieldError::new(
                    "role",
                    "one of owner, admin, analyst, agent, viewer",
                ));
                None
            }
        };
        let language = match self.language.as_deref() {
            None | Some("") => Some(inviter.language),
            Some(raw) => Language::parse(raw).or_else(|| {
                errors.push(FieldError::new("language", "de or en"));
                None
            }),
        };
        let department_ids = self.department_ids.unwrap_or_default();
        if department_ids.len() > MAX_DEPARTMENTS
            || department_ids
                .iter()
                .any(|d| d.parse::<uuid::Uuid>().is_err())
        {
            errors.push(FieldError::new(
                "department_ids",
                format!("at most {MAX_DEPARTMENTS} department ids (UUIDs)"),
            ));
        }
        match (email, role, language) {
            (Some(email), Some(role), Some(language)) if errors.is_empty() => {
                Ok(InvitationRequest {
                    email,
                    role,
                    language,
                    department_ids,
                })
            }
            _ => Err(errors),
        }
    }
}

fn display_name(user: &User) -> &str {
    if user.display_name.trim().is_empty() {
        &user.email
    } else {
        &user.display_name
    }
}

fn invitation_mail(
    state: &AppState,
    inviter: &User,
    org_name: &str,
    to: &str,
    role: &str,
    language: Language,
    token: &str,
) -> Result<touchpoint_store::mail::NewMail, FlowError> {
    let link = state.settings.app_url(&format!("/app/invite/{token}"));
    Ok(mail::invitation(
        language,
        to,
        org_name,
        display_name(inviter),
        role,
        &link,
        state.settings.invitation_valid_hours.max(1),
    )?)
}

/// Creates an invitation and queues its mail.
pub async fn invite(
    state: &AppState,
    inviter: &User,
    request: &InvitationRequest,
    context: &AuditContext,
) -> Result<InvitationId, FlowError> {
    let org = state.store.organisation(inviter.org_id).await?;
    let (token, token_hash) = new_link_token();
    let mail = invitation_mail(
        state,
        inviter,
        &org.name,
        &request.email,
        request.role.as_str(),
        request.language,
        &token,
    )?;
    let expires_at = now_ms() + state.settings.invitation_valid_hours.max(1) * 3_600_000;
    let invitation = NewInvitation {
        email: request.email.clone(),
        role: request.role,
        language: request.language,
        department_ids: request.department_ids.clone(),
        token_hash,
        expires_at,
    };
    Ok(state
        .store
        .create_invitation(inviter.org_id, &invitation, &mail, context)
        .await?)
}

/// Sends an invitation again with a fresh link (the old one stops working).
pub async fn resend(
    state: &AppState,
    inviter: &User,
    id: InvitationId,
    context: &AuditContext,
) -> Result<(), FlowError> {
    let invitation = state.store.invitation(inviter.org_id, id).await?;
    let org = state.store.organisation(inviter.org_id).await?;
    let (token, token_hash) = new_link_token();
    let mail = invitation_mail(
        state,
        inviter,
        &org.name,
        &invitation.email,
        &invitation.role,
        invitation.language,
        &token,
    )?;
    let expires_at = now_ms() + state.settings.invitation_valid_hours.max(1) * 3_600_000;
    state
        .store
        .resend_invitation(inviter.org_id, id, &token_hash, expires_at, &mail, context)
        .await?;
    Ok(())
}

/// Queues a reset mail if `email` belongs to an active account and that account has not had
/// too many lately. Says nothing either way: the caller answers the same in every case.
pub async fn request_password_reset(
    state: &AppState,
    email: &str,
    address: Option<String>,
) -> Result<(), FlowError> {
    let Some(email) = normalise_email(email) else {
        return Ok(());
    };
    let Some(user) = state.store.user_by_email(&email).await? else {
        return Ok(());
    };
    if !user.is_active() {
        return Ok(());
    }
    let limits = &state.limits;
    if limits.reset_account.hit(&email, limits.now_ms()) != crate::limits::Decision::Allowed {
        tracing::warn!("password reset mails for one account throttled");
        return Ok(());
    }
    let (token, token_hash) = new_link_token();
    let minutes = state.settings.password_reset_valid_minutes.max(1);
    let link = state.settings.app_url(&format!("/app/reset/{token}"));
    let mail = mail::password_reset(
        user.language,
        &user.email,
        &user.display_name,
        &link,
        minutes,
    )?;
    let context = AuditContext {
        user_id: None,
        token_id: None,
        interface: touchpoint_store::Interface::Web,
        address,
    };
    state
        .store
        .request_password_reset(
            &user,
            &token_hash,
            now_ms() + minutes * 60_000,
            &mail,
            &context,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalise_email(" Ann@Example.COM ").as_deref(),
            Some("ann@example.com")
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "<script>@example.com",
            "ann@example.com\r\nBcc: x@y.z",
            "\"ann\"@example.com",
            "ann@ex ample.com",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad:?}");
        }
    }
}

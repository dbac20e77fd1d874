//! `mail.send`: delivers one outbox row over SMTP (lettre, rustls with ring; no OpenSSL).
//!
//! A failed attempt is retried after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h; after
//! [`MAIL_MAX_ATTEMPTS`] the mail is `failed` with the last error, and audited. Without a
//! configured SMTP host a mail stays `queued` with the error "not configured" and is looked at
//! again every few minutes without using up its attempts, so nothing is lost while an
//! operator sets `[mail]` up.
//!
//! Delivery is at least once: a worker that dies between the server's acceptance and the
//! `sent` record leaves the job's lease to expire, and the mail is sent again.

use crate::JobError;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use touchpoint_domain::MailId;
use touchpoint_store::jobs::Job;
use touchpoint_store::mail::{MAIL_MAX_ATTEMPTS, OutboxMail};
use touchpoint_store::{Store, now_ms};

pub use touchpoint_store::mail::MAIL_SEND;

/// What a queued mail shows while no SMTP host is configured.
pub const NOT_CONFIGURED: &str = "not configured: set [mail] host to send mail";
/// How often an unconfigured instance looks at queued mail again.
const NOT_CONFIGURED_RETRY_MS: i64 = 5 * 60_000;

/// How to talk to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (only for a relay on the same host or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `[mail]` in the configuration.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The SMTP server. Empty: mail is queued but not sent (the outbox says "not configured").
    pub host: String,
    /// The SMTP port; 0 picks the usual one for `tls` (25, 587 or 465).
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub tls: TlsMode,
    /// SMTP user name; empty for no authentication.
    pub username: String,
    /// SMTP password (never logged).
    pub password: String,
    /// The sender, e.g. `Touchpoint <touchpoint@example.com>`.
    pub from: String,
    /// Seconds to wait for the SMTP server per command.
    pub timeout_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            host: String::new(),
            port: 0,
            tls: TlsMode::Starttls,
            username: String::new(),
            password: String::new(),
            from: "Touchpoint <touchpoint@localhost>".to_owned(),
            timeout_seconds: 30,
        }
    }
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("from", &self.from)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("[mail] from '{0}' is not a valid address")]
    From(String),
    #[error("[mail] host '{host}': {reason}")]
    Host { host: String, reason: String },
}

/// An SMTP connection pool and the sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// `Ok(None)` when no host is configured.
    pub fn from_settings(settings: &MailSettings) -> Result<Option<Mailer>, MailConfigError> {
        let host = settings.host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| MailConfigError::From(settings.from.clone()))?;
        let tls_parameters = || {
            TlsParameters::new(host.to_owned()).map_err(|e| MailConfigError::Host {
                host: host.to_owned(),
                reason: e.to_string(),
            })
        };
        let (tls, default_port) = match settings.tls {
            TlsMode::None => (Tls::None, 25),
            TlsMode::Starttls => (Tls::Required(tls_parameters()?), 587),
            TlsMode::Tls => (Tls::Wrapper(tls_parameters()?), 465),
        };
        let port = if settings.port == 0 {
            default_port
        } else {
            settings.port
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(settings.timeout_seconds.max(1))));
        if !settings.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                settings.username.clone(),
                settings.password.clone(),
            ));
        }
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one mail: `Err` carries a message for the outbox (no secrets in it).
    async fn send(&self, mail: &OutboxMail) -> Result<(), Failure> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| Failure::Permanent("the recipient address is invalid".to_owned()))?;
        // Subjects are built from fixed texts and names; line breaks never reach a header.
        let subject: String = mail
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.text_body.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.html_body.clone()),
                    ),
            )
            .map_err(|e| Failure::Permanent(format!("cannot build the message: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| Failure::Transient(format!("SMTP: {e}")))
    }
}

enum Failure {
    Transient(String),
    Permanent(String),
}

/// Wait before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff_ms(attempts: i64) -> i64 {
    const STEPS_MS: [i64; 7] = [
        60_000,
        5 * 60_000,
        30 * 60_000,
        2 * 3_600_000,
        6 * 3_600_000,
        12 * 3_600_000,
        24 * 3_600_000,
    ];
    let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    STEPS_MS[index.min(STEPS_MS.len() - 1)]
}

/// Runs one `mail.send` job.
pub(crate) async fn deliver(
    store: &Store,
    mailer: Option<&Mailer>,
    job: &Job,
) -> Result<(), JobError> {
    let org_id = job
        .org_id
        .ok_or_else(|| JobError::Permanent("mail job without an organisation".to_owned()))?;
    let id: MailId = job
        .payload
        .get("mail_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| JobError::Permanent("mail job without a mail id".to_owned()))?;
    let secret = job
        .payload
        .get("secret")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let Some(mailer) = mailer else {
        let retry_at = now_ms() + NOT_CONFIGURED_RETRY_MS;
        store
            .mail_retry(org_id, id, NOT_CONFIGURED, retry_at)
            .await?;
        return Err(JobError::Postpone {
            reason: NOT_CONFIGURED.to_owned(),
            retry_at,
        });
    };
    if !store.mail_sending(org_id, id, job.attempts).await? {
        return Ok(());
    }
    let mail = store.outbox_mail(org_id, id).await?;
    match mailer.send(&mail).await {
        Ok(()) => {
            store.mail_sent(org_id, id, secret).await?;
            tracing::info!(mail = %id, template = mail.template, "mail sent");
            Ok(())
        }
        Err(Failure::Transient(error))
            if job.attempts < job.max_attempts.min(MAIL_MAX_ATTEMPTS) =>
        {
            let retry_at = now_ms() + backoff_ms(job.attempts);
            store.mail_retry(org_id, id, &error, retry_at).await?;
            Err(JobError::Retry { error, retry_at })
        }
        Err(Failure::Transient(error) | Failure::Permanent(error)) => {
            store.mail_failed(org_id, id, &error).await?;
            Err(JobError::Permanent(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_stays_at_a_day() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 300_000);
        assert_eq!(backoff_ms(4), 7_200_000);
        assert_eq!(backoff_ms(100), 86_400_000);
        assert_eq!(backoff_ms(0), 60_000);
    }

    #[test]
    fn settings_debug_hides_the_password() {
        let settings = MailSettings {
            password: "hunter2".into(),
            ..MailSettings::default()
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert!(Mailer::from_settings(&settings).expect("ok").is_none());
        let bad = MailSettings {
            host: "smtp.example.com".into(),
            from: "not an address".into(),
            ..MailSettings::default()
        };
        assert!(Mailer::from_settings(&bad).is_err());
    }
}

//! Settings the HTTP layer needs; the CLI fills them from the config file and environment.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// The address to listen on.
    pub listen: String,
    /// The URL users reach Touchpoint at; public survey links are built from it.
    pub public_url: String,
    /// Largest accepted request body in bytes (larger bodies get 413).
    pub max_body_bytes: usize,
    /// How long a web session lasts without signing in again, in hours.
    pub session_hours: i64,
    /// Failed sign-ins allowed per account (e-mail) in any 15 minutes; more answer 429.
    /// A successful sign-in clears the account's count. 0 switches the limit off.
    pub signin_attempts_per_15min_per_account: u32,
    /// Sign-in attempts allowed per client address in any 15 minutes (successful ones do
    /// not count); more answer 429. 0 switches the limit off.
    pub signin_attempts_per_15min_per_address: u32,
    /// Public survey submissions (`POST /s/{token}`) allowed per client address in any
    /// minute; more answer 429 and store nothing. 0 switches the limit off.
    pub public_submissions_per_minute_per_address: u32,
    /// How long an invitation link works, in hours.
    pub invitation_valid_hours: i64,
    /// How long a password reset link works, in minutes.
    pub password_reset_valid_minutes: i64,
    /// Password reset requests allowed per client address in any hour; more answer 429.
    /// Per account at most 3 mails go out in any hour, silently (the answer never tells
    /// whether an address has an account). 0 switches the limit off.
    pub password_resets_per_hour_per_address: u32,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: "127.0.0.1:8080".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            max_body_bytes: 256 * 1024,
            session_hours: 12,
            signin_attempts_per_15min_per_account: 5,
            signin_attempts_per_15min_per_address: 20,
            public_submissions_per_minute_per_address: 30,
            invitation_valid_hours: 7 * 24,
            password_reset_valid_minutes: 60,
            password_resets_per_hour_per_address: 10,
        }
    }
}

impl ServerSettings {
    /// Cookies get `Secure` when users reach Touchpoint over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.tls()
    }

    /// Whether users reach Touchpoint over TLS (cookies get `Secure`, responses HSTS).
    pub fn tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// A link into the web app, e.g. `app_url("/app/invite/…")`.
    pub fn app_url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    pub fn survey_url(&self, token: &str) -> String {
        format!("{}/s/{token}", self.public_url.trim_end_matches('/'))
    }
}

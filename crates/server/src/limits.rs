//! In-memory rate limits: sign-in throttling and public submission limits.
//!
//! A [`Limiter`] keeps, per key (an account, a client address), the times of the hits inside
//! its window — a sliding log, so it never allows more than `max` hits in *any* window of
//! `window_ms`, unlike fixed windows that allow a double burst at a boundary. The log per key
//! holds at most `max` entries and the map at most `capacity` keys (expired keys go first,
//! then the least recently hit), so memory stays bounded under an address-rotating flood.
//!
//! Time is passed in as milliseconds on a monotonic clock, which keeps the logic pure and
//! testable; [`Limits::now_ms`] supplies it in the server.
//!
//! The counters live in the process: several instances behind a load balancer each limit
//! separately, so the effective limit is the configured one times the number of instances.

use crate::ServerSettings;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

/// How many hits a key may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Hits allowed per window; 0 switches the limit off.
    pub max: u32,
    pub window_ms: u64,
}

/// The answer to a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused; the next hit is allowed in this many milliseconds.
    Limited {
        retry_after_ms: u64,
    },
}

impl Decision {
    /// Seconds for a `Retry-After` header (rounded up, at least 1), if refused.
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            Decision::Allowed => None,
            Decision::Limited { retry_after_ms } => Some(retry_after_ms.div_ceil(1000).max(1)),
        }
    }
}

/// A sliding-log limiter keyed by string.
#[derive(Debug)]
pub struct Limiter {
    limit: Limit,
    capacity: usize,
    logs: Mutex<HashMap<String, VecDeque<u64>>>,
}

impl Limiter {
    pub fn new(limit: Limit, capacity: usize) -> Limiter {
        Limiter {
            limit,
            capacity: capacity.max(1),
            logs: Mutex::new(HashMap::new()),
        }
    }

    pub fn limit(&self) -> Limit {
        self.limit
    }

    fn logs(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<u64>>> {
        // A panic while holding the lock leaves only counters behind; they stay usable.
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a hit for `key` at `now_ms` if it is within the limit; a refused hit is not
    /// counted (so a client that keeps knocking is let in again once its window moves on).
    pub fn hit(&self, key: &str, now_ms: u64) -> Decision {
        if self.limit.max == 0 {
            return Decision::Allowed;
        }
        let key = &*bounded(key);
        let window = self.limit.window_ms;
        let max = self.limit.max as usize;
        let mut logs = self.logs();
        if !logs.contains_key(key) && logs.len() >= self.capacity {
            evict(&mut logs, now_ms, window);
        }
        let log = logs.entry(key.to_owned()).or_default();
        while log
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) >= window)
        {
            log.pop_front();
        }
        if log.len() >= max {
            let oldest = log.front().copied().unwrap_or(now_ms);
            let retry_after_ms = (oldest + window).saturating_sub(now_ms).max(1);
            return Decision::Limited { retry_after_ms };
        }
        log.push_back(now_ms);
        Decision::Allowed
    }

    /// Takes back the newest hit of `key` (a sign-in that turned out to be right).
    pub fn forgive(&self, key: &str) {
        let key = &*bounded(key);
        let mut logs = self.logs();
        if let Some(log) = logs.get_mut(key) {
            log.pop_back();
            if log.is_empty() {
                logs.remove(key);
            }
        }
    }

    /// Forgets every hit of `key`.
    pub fn reset(&self, key: &str) {
        self.logs().remove(&*bounded(key));
    }

    /// Keys currently tracked.
    pub fn len(&self) -> usize {
        self.logs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Longest key kept as it is; longer ones (a megabyte "e-mail address") are kept as their
/// SHA-256, so a key costs at most this much memory whatever a client sends.
const MAX_KEY_BYTES: usize = 128;

fn bounded(key: &str) -> std::borrow::Cow<'_, str> {
    if key.len() <= MAX_KEY_BYTES {
        std::borrow::Cow::Borrowed(key)
    } else {
        std::borrow::Cow::Owned(crate::auth::sha256_hex(key))
    }
}

/// Makes room for one key: drops every expired key, and if none expired, the key hit least
/// recently. Linear in the number of keys, and only run when the map is full.
fn evict(logs: &mut HashMap<String, VecDeque<u64>>, now_ms: u64, window: u64) {
    let before = logs.len();
    logs.retain(|_, log| {
        log.back()
            .is_some_and(|newest| now_ms.saturating_sub(*newest) < window)
    });
    if logs.len() < before {
        return;
    }
    let stalest = logs
        .iter()
        .min_by_key(|(_, log)| log.back().copied().unwrap_or(0))
        .map(|(key, _)| key.clone());
    if let Some(key) = stalest {
        logs.remove(&key);
    }
}

/// Keys each limiter tracks at most.
const KEYS_PER_LIMITER: usize = 100_000;
const FIFTEEN_MINUTES_MS: u64 = 15 * 60 * 1000;
const ONE_MINUTE_MS: u64 = 60 * 1000;
const ONE_HOUR_MS: u64 = 60 * ONE_MINUTE_MS;

/// The server's limiters, built from the settings.
#[derive(Debug)]
pub struct Limits {
    epoch: Instant,
    /// Failed sign-ins per account (lower-cased e-mail).
    pub signin_account: Limiter,
    /// Sign-in attempts per client address.
    pub signin_address: Limiter,
    /// Public survey submissions (`POST /s/{token}`) per client address.
    pub public_submit: Limiter,
    /// Password reset requests per client address.
    pub reset_address: Limiter,
    /// Password reset mails per account (lower-cased e-mail); over it, silently none.
    pub reset_account: Limiter,
}

impl Limits {
    pub fn from_settings(settings: &ServerSettings) -> Limits {
        let limiter = |max, window_ms| Limiter::new(Limit { max, window_ms }, KEYS_PER_LIMITER);
        Limits {
            epoch: Instant::now(),
            signin_account: limiter(
                settings.signin_attempts_per_15min_per_account,
                FIFTEEN_MINUTES_MS,
            ),
            signin_address: limiter(
                settings.signin_attempts_per_15min_per_address,
                FIFTEEN_MINUTES_MS,
            ),
            public_submit: limiter(
                settings.public_submissions_per_minute_per_address,
                ONE_MINUTE_MS,
            ),
            reset_address: limiter(settings.password_resets_per_hour_per_address, ONE_HOUR_MS),
            reset_account: limiter(3, ONE_HOUR_MS),
        }
    }

    /// Milliseconds on a monotonic clock (wall-clock jumps do not open or close windows).
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The peer's full IP address, for the audit log; `None` when the server was not started
/// with connect info (in-process tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerAddress(pub Option<String>);

impl PeerAddress {
    pub fn from_parts(parts: &Parts) -> PeerAddress {
        // Also finds `MockConnectInfo`, which in-process tests use to play several clients.
        PeerAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip().to_canonical().to_string()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PeerAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerAddress::from_parts(parts))
    }
}

/// The client's address as a limiter key: the peer's IP (IPv6 by its /64, which one
/// subscriber usually owns whole), or `unknown` when the server was not started with
/// connect info (in-process tests). Behind a reverse proxy every client shares the proxy's
/// address; the limit then applies to all of them together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    pub fn from_ip(ip: IpAddr) -> ClientAddress {
        let key = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        };
        ClientAddress(key)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Also finds `MockConnectInfo`, which in-process tests use to play several clients.
        Ok(ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map(|ConnectInfo(peer)| ClientAddress::from_ip(peer.ip()))
            .unwrap_or_else(|_| ClientAddress("unknown".to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn limiter(max: u32, window_ms: u64) -> Limiter {
        Limiter::new(Limit { max, window_ms }, 1000)
    }

    #[test]
    fn allows_max_then_refuses_until_the_oldest_hit_leaves_the_window() {
        let l = limiter(3, 1000);
        for t in [0, 10, 20] {
            assert_eq!(l.hit("a", t), Decision::Allowed);
        }
        assert_eq!(
            l.hit("a", 500),
            Decision::Limited {
                retry_after_ms: 500
            }
        );
        assert_eq!(l.hit("b", 500), Decision::Allowed, "keys are separate");
        assert_eq!(l.hit("a", 999), Decision::Limited { retry_after_ms: 1 });
        assert_eq!(l.hit("a", 1000), Decision::Allowed, "the hit at 0 left");
        assert!(matches!(l.hit("a", 1005), Decision::Limited { .. }));
        assert_eq!(l.hit("a", 1010), Decision::Allowed);
    }

    #[test]
    fn refused_hits_do_not_extend_the_wait() {
        let l = limiter(1, 1000);
        assert_eq!(l.hit("a", 0), Decision::Allowed);
        for t in (100..1000).step_by(100) {
            assert!(matches!(l.hit("a", t), Decision::Limited { .. }));
        }
        assert_eq!(l.hit("a", 1000), Decision::Allowed);
    }

    #[test]
    fn forgive_takes_the_newest_hit_back_and_reset_all() {
        let l = limiter(2, 1000);
        l.hit("a", 0);
        l.hit("a", 1);
        assert_eq!(
            l.hit("a", 2),
            Decision::Limited {
                retry_after_ms: 998
            }
        );
        l.forgive("a");
        assert_eq!(l.hit("a", 3), Decision::Allowed);
        assert_eq!(
            l.hit("a", 4),
            Decision::Limited {
                retry_after_ms: 996
            }
        );
        l.reset("a");
        assert!(l.is_empty());
        assert_eq!(l.hit("a", 5), Decision::Allowed);
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let l = limiter(0, 1000);
        for t in 0..100 {
            assert_eq!(l.hit("a", t), Decision::Allowed);
        }
        assert!(l.is_empty());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let d = |ms| Decision::Limited { retry_after_ms: ms }.retry_after_secs();
        assert_eq!(d(1), Some(1));
        assert_eq!(d(1000), Some(1));
        assert_eq!(d(1001), Some(2));
        assert_eq!(Decision::Allowed.retry_after_secs(), None);
    }

    #[test]
    fn the_map_stays_bounded_expired_keys_first() {
        let l = Limiter::new(
            Limit {
                max: 1,
                window_ms: 100,
            },
            3,
        );
        l.hit("old", 0);
        l.hit("b", 150);
        l.hit("c", 160);
        l.hit("d", 170);
        assert_eq!(l.len(), 3);
        assert!(
            matches!(l.hit("b", 171), Decision::Limited { .. }),
            "live keys kept"
        );
        l.hit("e", 180);
        assert_eq!(l.len(), 3, "the least recently hit live key made room");
        assert!(matches!(l.hit("e", 181), Decision::Limited { .. }));
    }

    #[test]
    fn long_keys_are_stored_hashed_and_still_counted() {
        let l = limiter(1, 1000);
        let long = "x".repeat(100_000);
        assert_eq!(l.hit(&long, 0), Decision::Allowed);
        assert!(matches!(l.hit(&long, 1), Decision::Limited { .. }));
        assert!(
            l.logs().keys().all(|k| k.len() <= MAX_KEY_BYTES),
            "no key longer than the bound"
        );
        l.reset(&long);
        assert!(l.is_empty());
    }

    #[test]
    fn addresses_as_keys() {
        let key = |s: &str| ClientAddress::from_ip(s.parse().expect("ip")).0;
        assert_eq!(key("192.0.2.1"), "192.0.2.1");
        assert_eq!(key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
    }

    proptest! {
        /// Whatever the sequence of hits over several keys, no window of `window` ms holds
        /// more than `max` allowed hits of one key, and a refusal only comes when it is full.
        #[test]
        fn never_more_than_max_in_any_window(
            max in 1u32..6,
            window in 1u64..500,
            gaps in proptest::collection::vec((0u64..200, 0usize..3), 1..200),
        ) {
            let keys = ["a", "b", "c"];
            let l = Limiter::new(Limit { max, window_ms: window }, keys.len());
            let mut now = 0;
            let mut allowed: Vec<Vec<u64>> = vec![Vec::new(); keys.len()];
            for (gap, k) in gaps {
                now += gap;
                let in_window = allowed[k].iter().filter(|t| now - **t < window).count();
                match l.hit(keys[k], now) {
                    Decision::Allowed => allowed[k].push(now),
                    Decision::Limited { retry_after_ms } => {
                        prop_assert!(in_window >= max as usize);
                        prop_assert!(retry_after_ms >= 1 && retry_after_ms <= window);
                    }
                }
                for times in &allowed {
                    for start in times {
                        let n = times.iter().filter(|t| **t >= *start && **t < start + window).count();
                        prop_assert!(n <= max as usize);
                    }
                }
            }
        }

        #[test]
        fn never_more_than_max_in_any_window_without_eviction(
            max in 1u32..6,
            window in 1u64..500,
            gaps in proptest::collection::vec(0u64..200, 1..300),
        ) {
            let l = limiter(max, window);
            let mut now = 0;
            let mut allowed = Vec::new();
            for gap in gaps {
                now += gap;
                if l.hit("k", now) == Decision::Allowed {
                    allowed.push(now);
                }
            }
            for start in &allowed {
                let n = allowed.iter().filter(|t| **t >= *start && **t < start + window).count();
                prop_assert!(n <= max as usize, "{n} hits in the window from {start}");
            }
        }
    }
}

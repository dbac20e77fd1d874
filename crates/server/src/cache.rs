//! A small time-bounded cache for the hot submission path (API token → principal, survey by
//! id). Entries live a few seconds, so several instances on one database agree quickly; this
//! instance's own changes (survey update or close) evict at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                let ttl = self.ttl;
                entries.retain(|_, (_, at)| at.elapsed() < ttl);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(key, (value, Instant::now()));
        }
    }

    pub fn remove(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    /// Evicts every entry whose value matches, for changes known by something other than the
    /// key (a token revoked by id while the cache is keyed by its hash). Linear, and rare.
    pub fn remove_where(&self, matches: impl Fn(&V) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (value, _)| !matches(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_capacity_is_bounded() {
        let cache = TtlCache::new(Duration::from_millis(30), 2);
        cache.insert(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&1), None);
        for k in 0..10 {
            cache.insert(k, "x");
        }
        assert!(cache.entries.lock().expect("lock").len() <= 2);
        cache.remove(&9);
        assert_eq!(cache.get(&9), None);
        cache.insert(20, "y");
        cache.insert(21, "z");
        cache.remove_where(|v| *v == "y");
        assert_eq!((cache.get(&20), cache.get(&21)), (None, Some("z")));
    }
}

//! Cursor pagination: lists are ordered by a (time, id) key, newest first; the cursor is the
//! key of the last row a client has seen. Opaque to clients, validated when parsed.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub time_ms: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.time_ms, self.id)
    }

    pub fn parse(raw: &str) -> Option<Cursor> {
        let (time, id) = raw.split_once('_')?;
        let time_ms = time.parse().ok()?;
        uuid::Uuid::parse_str(id).ok()?;
        Some(Cursor {
            time_ms,
            id: id.to_owned(),
        })
    }

    /// The cursor after which the first page starts.
    pub fn start() -> Cursor {
        Cursor {
            time_ms: i64::MAX,
            id: "ffffffff-ffff-ffff-ffff-ffffffffffff".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says "there is more".
    pub fn from_rows(mut rows: Vec<T>, limit: usize, key: impl Fn(&T) -> Cursor) -> Page<T> {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| key(r).encode())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            time_ms: 42,
            id: "0190a5c4-0000-7000-8000-000000000000".into(),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        assert_eq!(Cursor::parse("42_nope"), None);
        assert_eq!(
            Cursor::parse("x_0190a5c4-0000-7000-8000-000000000000"),
            None
        );
    }
}

//! A tiny builder for optional `AND …` conditions with numbered placeholders, so list queries
//! with many optional filters are still written once.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use touchpoint_domain::DepartmentScope;

pub(crate) enum Value {
    Text(String),
    Int(i64),
    Float(f64),
}

pub(crate) struct Conditions {
    sql: String,
    values: Vec<Value>,
    first: usize,
}

impl Conditions {
    /// `first` is the number of the first placeholder these conditions may use.
    pub(crate) fn new(first: usize) -> Conditions {
        Conditions {
            sql: String::new(),
            values: Vec::new(),
            first,
        }
    }

    /// Adds ` AND <condition>`, where `?` in `condition` becomes the next placeholder.
    pub(crate) fn push(&mut self, condition: &str, value: Value) {
        let placeholder = format!("${}", self.first + self.values.len());
        self.sql.push_str(" AND ");
        self.sql.push_str(&condition.replace('?', &placeholder));
        self.values.push(value);
    }

    /// Adds ` AND <condition>` with several values: the n-th `?` takes the n-th value.
    pub(crate) fn push_values(&mut self, condition: &str, values: Vec<Value>) {
        self.sql.push_str(" AND ");
        let mut values = values.into_iter();
        for (i, part) in condition.split('?').enumerate() {
            if i > 0 {
                let placeholder = format!("${}", self.first + self.values.len());
                self.sql.push_str(&placeholder);
                if let Some(v) = values.next() {
                    self.values.push(v);
                }
            }
            self.sql.push_str(part);
        }
    }

    pub(crate) fn push_text(&mut self, condition: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.push(condition, Value::Text(v.to_owned()));
        }
    }

    pub(crate) fn push_int(&mut self, condition: &str, value: Option<i64>) {
        if let Some(v) = value {
            self.push(condition, Value::Int(v));
        }
    }

    /// Limits rows to a department scope: nothing for `All`; for `Only(ids)` adds
    /// ` AND <condition>` where `(?)` in `condition` becomes the list of ids' placeholders.
    pub(crate) fn push_scope(&mut self, condition: &str, scope: &DepartmentScope) {
        let ids = scope.ids();
        if ids.is_empty() {
            return;
        }
        let placeholders: Vec<String> = (0..ids.len())
            .map(|i| format!("${}", self.first + self.values.len() + i))
            .collect();
        self.sql.push_str(" AND ");
        self.sql
            .push_str(&condition.replace("(?)", &format!("({})", placeholders.join(", "))));
        self.values
            .extend(ids.iter().map(|id| Value::Text(id.to_string())));
    }

    /// The number of the placeholder after these conditions' own.
    pub(crate) fn next_placeholder(&self) -> usize {
        self.first + self.values.len()
    }

    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    pub(crate) fn bind<'q>(
        &self,
        mut query: Query<'q, sqlx::Any, AnyArguments>,
    ) -> Query<'q, sqlx::Any, AnyArguments> {
        for value in &self.values {
            query = match value {
                Value::Text(t) => query.bind(t.clone()),
                Value::Int(i) => query.bind(*i),
                Value::Float(f) => query.bind(*f),
            };
        }
        query
    }
}

/// Parameters per multi-row statement or key list. Far below the limits (SQLite 32,766,
/// PostgreSQL 65,535) on purpose: sqlx binds SQLite parameters by name, and looking a name up
/// walks the statement's parameter list, so binding grows with the square of the parameter
/// count (7,500 per statement made binding 63 % of a customer import's CPU time, 2,400 a third
/// of the event writer's). A hundred-odd still write ten customers per statement. A statement
/// whose only parameters are its rows can bind in linear time instead and be larger: see
/// `Backend::only_row_placeholders` (the event insert, 288 values).
pub(crate) const PARAMETERS_PER_STATEMENT: usize = 150;

/// Rows of `columns` values each per multi-row statement.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (PARAMETERS_PER_STATEMENT / columns.max(1)).max(1)
}

/// `($first, …), (…)`: placeholders for `rows` rows of `columns` values each.
pub(crate) fn row_placeholders(rows: usize, columns: usize, first: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (0..columns)
                .map(|c| format!("${}", first + r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows of `select` for the given keys, asked in chunks: `select` ends right before the
/// key list (`… WHERE org_id = $1 AND external_id IN`) and `$1` is the organisation.
pub(crate) async fn rows_with_keys(
    conn: &mut sqlx::AnyConnection,
    select: &str,
    org_id: touchpoint_domain::OrgId,
    keys: &[&str],
) -> crate::Result<Vec<sqlx::any::AnyRow>> {
    let mut rows = Vec::new();
    for chunk in keys.chunks(PARAMETERS_PER_STATEMENT - 1) {
        let list: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!("{select} ({})", list.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id.to_string());
        for key in chunk {
            query = query.bind(key.to_string());
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut c = Conditions::new(3);
        c.push_text("a = ?", Some("x"));
        c.push_text("b = ?", None);
        c.push_int("c >= ?", Some(5));
        assert_eq!(c.sql(), " AND a = $3 AND c >= $4");
        c.push_values("(d = ? OR e < ?)", vec![Value::Int(1), Value::Float(2.0)]);
        assert_eq!(c.sql(), " AND a = $3 AND c >= $4 AND (d = $5 OR e < $6)");
        let a = touchpoint_domain::DepartmentId::from_uuid(uuid::Uuid::from_u128(1));
        let b = touchpoint_domain::DepartmentId::from_uuid(uuid::Uuid::from_u128(2));
        c.push_scope("f IN (?)", &DepartmentScope::All);
        c.push_scope("f IN (?)", &DepartmentScope::from_ids(vec![a, b]));
        c.push_text("g = ?", Some("y"));
        assert_eq!(
            c.sql(),
            " AND a = $3 AND c >= $4 AND (d = $5 OR e < $6) AND f IN ($7, $8) AND g = $9"
        );
    }
}

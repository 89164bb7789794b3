//! The SQL of a sorted list and of a page's position.
//!
//! A page is read by key: after the last row of the page before, in the
//! list's order (the sort column, then the row's id to break ties), so page
//! 4,000 costs what page 1 does. A position reads `value~id` in the URL.

use super::{Direction, Page, COUNT_LIMIT, PAGE_SIZE, PAGE_SIZES};
use crate::db::Db;
use crate::error::AppError;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::Any;

/// What a sortable column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
}

/// A column a list sorts by: its name in the URL and its SQL expression,
/// which is never NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub sql: &'static str,
    pub kind: Kind,
}

/// A sort column's value, as a position holds it; also a value bound to a
/// count query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Integer(i64),
}

/// A list's sort, and the position its page starts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sorting {
    pub column: Column,
    pub direction: Direction,
    after: Option<(Value, i64)>,
    /// Rows per page.
    size: i64,
}

/// The query that counts the rows of `from_where` (a `FROM … WHERE …`
/// clause) up to one more than [`COUNT_LIMIT`]: [`Sorting::page`] says
/// "more than" beyond it.
pub fn count_sql(from_where: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 AS one {from_where} LIMIT {}) AS counted",
        COUNT_LIMIT + 1
    )
}

/// Counts the rows of `from_where` (see [`count_sql`]), `args` bound in order
/// as `$1`, `$2`… A list past [`COUNT_LIMIT`] shows "more than" that, which
/// stays true until nearly all of its rows go, so such a count is remembered
/// for [`LARGE_COUNT_KEPT`](crate::db::LARGE_COUNT_KEPT): a list of a million rows does not count ten
/// thousand of them for every page. Smaller counts are always made afresh, so
/// a row added or removed shows at once. At worst, a list that fell just below
/// the limit shows "more than" for up to a minute more.
pub async fn count(db: &Db, from_where: &str, args: &[Value]) -> Result<i64, AppError> {
    let sql = count_sql(from_where);
    // The arguments written out (`Debug` quotes text), after the query.
    let key = format!("{sql}\n{args:?}");
    if db.large_counts().known(&key) {
        return Ok(COUNT_LIMIT + 1);
    }
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for arg in args {
        query = match arg {
            Value::Integer(n) => query.bind(*n),
            Value::Text(t) => query.bind(t.clone()),
        };
    }
    let total = query.fetch_one(db.pool()).await?;
    if total > COUNT_LIMIT {
        db.large_counts().note(key);
    }
    Ok(total)
}

/// A list's search words (`q`), trimmed: at most 100 characters.
pub fn search_words(q: Option<&str>) -> Result<String, AppError> {
    let words = q.unwrap_or_default().trim().to_string();
    if words.chars().count() > 100 {
        return Err(AppError::invalid("q", "Search for at most 100 characters."));
    }
    Ok(words)
}

/// The `LIKE` pattern of search words: any case, anywhere, the pattern's own
/// wildcards taken out.
pub fn like_pattern(words: &str) -> String {
    format!("%{}%", words.to_lowercase().replace(['%', '_'], ""))
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl Sorting {
    /// Reads `sort`, `dir` and `after` from the URL against the list's
    /// `columns`; `default` when the URL names no sort.
    pub fn parse(
        columns: &[Column],
        default: (&str, Direction),
        sort: Option<&str>,
        dir: Option<&str>,
        after: Option<&str>,
    ) -> Result<Self, AppError> {
        let key = given(sort).unwrap_or(default.0);
        let column = *columns
            .iter()
            .find(|c| c.key == key)
            .ok_or_else(|| AppError::invalid("sort", "Sort by one of the list's columns."))?;
        let direction = match given(dir) {
            Some(d) => Direction::parse(d)
                .ok_or_else(|| AppError::invalid("dir", "Sort the list up or down."))?,
            None if given(sort).is_some() => Direction::Ascending,
            None => default.1,
        };
        let after = match given(after) {
            None => None,
            Some(raw) => Some(read_position(raw, column.kind).ok_or_else(|| {
                AppError::invalid(
                    "after",
                    "This page of the list does not exist: start again from the first page.",
                )
            })?),
        };
        Ok(Sorting {
            column,
            direction,
            after,
            size: PAGE_SIZE,
        })
    }

    /// The same with `per` rows a page, when the URL asks for one of
    /// [`PAGE_SIZES`].
    pub fn per_page(mut self, per: Option<&str>) -> Result<Self, AppError> {
        if let Some(per) = given(per) {
            self.size = per
                .parse::<i64>()
                .ok()
                .filter(|n| PAGE_SIZES.contains(n))
                .ok_or_else(|| AppError::invalid("per", "Show 10, 25, 50 or 100 rows a page."))?;
        }
        Ok(self)
    }

    /// The condition that starts the page after its position (nothing on the
    /// first page), with the parameters `$first` and `$first + 1`; `id` is the
    /// row's id.
    pub fn after_condition(&self, id: &str, first: usize) -> String {
        if self.after.is_none() {
            return String::new();
        }
        let (op, or_equal) = match self.direction {
            Direction::Ascending => (">", ">="),
            Direction::Descending => ("<", "<="),
        };
        let column = self.column.sql;
        // The first comparison alone lets either database start the index
        // walk at the position's value; the row comparison breaks the tie by
        // id, and PostgreSQL seeks with it straight to the position itself
        // (SQLite walks the rows of equal value before it).
        format!(
            " AND {column} {or_equal} ${first} AND ({column}, {id}) {op} (${first}, ${})",
            first + 1
        )
    }

    /// The order and the limit: one row more than a page, to know whether
    /// another page follows.
    pub fn order_by(&self, id: &str) -> String {
        let d = match self.direction {
            Direction::Ascending => "ASC",
            Direction::Descending => "DESC",
        };
        format!(
            " ORDER BY {} {d}, {id} {d} LIMIT {}",
            self.column.sql,
            self.size + 1
        )
    }

    /// The same order without the limit, on the columns of an outer query
    /// that reads the page (`column` for the sort column, `id` for the id).
    pub fn order_again(&self, column: &str, id: &str) -> String {
        let d = match self.direction {
            Direction::Ascending => "ASC",
            Direction::Descending => "DESC",
        };
        format!(" ORDER BY {column} {d}, {id} {d}")
    }

    /// Binds the position's parameters, if the page has one.
    pub fn bind<'q, O>(
        &self,
        query: QueryAs<'q, Any, O, AnyArguments<'q>>,
    ) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
        match &self.after {
            None => query,
            Some((Value::Text(t), id)) => query.bind(t.clone()).bind(*id),
            Some((Value::Integer(n), id)) => query.bind(*n).bind(*id),
        }
    }

    /// The page of `rows` (read with [`Sorting::order_by`]'s limit), the
    /// position after its last row when more follow, each row made an item.
    pub fn page<R, T>(
        &self,
        mut rows: Vec<R>,
        total: i64,
        position: impl Fn(&R) -> (Value, i64),
        item: impl FnMut(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > self.size;
        rows.truncate(self.size as usize);
        let next_after = more
            .then(|| rows.last().map(|r| write_position(position(r))))
            .flatten();
        Page {
            items: rows.into_iter().map(item).collect(),
            total: total.min(COUNT_LIMIT),
            at_least: total > COUNT_LIMIT,
            next_after,
        }
    }
}

fn read_position(raw: &str, kind: Kind) -> Option<(Value, i64)> {
    let (value, id) = raw.rsplit_once('~')?;
    let id = id.parse().ok()?;
    let value = match kind {
        Kind::Text => Value::Text(value.to_string()),
        Kind::Integer => Value::Integer(value.parse().ok()?),
    };
    Some((value, id))
}

fn write_position((value, id): (Value, i64)) -> String {
    match value {
        Value::Text(t) => format!("{t}~{id}"),
        Value::Integer(n) => format!("{n}~{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 2] = [
        Column {
            key: "name",
            sql: "e.name",
            kind: Kind::Text,
        },
        Column {
            key: "opened",
            sql: "t.opened_at",
            kind: Kind::Integer,
        },
    ];

    #[test]
    fn the_url_names_the_sort_and_the_position() {
        let s = Sorting::parse(&COLUMNS, ("name", Direction::Ascending), None, None, None).unwrap();
        assert_eq!(s.column.key, "name");
        assert_eq!(s.after_condition("e.id", 3), "");
        assert_eq!(
            s.order_by("e.id"),
            " ORDER BY e.name ASC, e.id ASC LIMIT 26"
        );

        let s = Sorting::parse(
            &COLUMNS,
            ("name", Direction::Ascending),
            Some("opened"),
            Some("desc"),
            Some("1700000000~42"),
        )
        .unwrap();
        assert_eq!(
            s.after_condition("t.id", 2),
            " AND t.opened_at <= $2 AND (t.opened_at, t.id) < ($2, $3)"
        );
        assert_eq!(s.after, Some((Value::Integer(1_700_000_000), 42)));
        // A name may hold the separator: the id is after the last one.
        let s = Sorting::parse(
            &COLUMNS,
            ("name", Direction::Ascending),
            None,
            None,
            Some("a~b~7"),
        )
        .unwrap();
        assert_eq!(s.after, Some((Value::Text("a~b".into()), 7)));
    }

    #[test]
    fn a_list_sorted_by_the_url_and_a_default_direction() {
        let by_default = ("opened", Direction::Descending);
        let s = Sorting::parse(&COLUMNS, by_default, None, None, None).unwrap();
        assert_eq!(s.direction, Direction::Descending);
        // Naming a column without a direction sorts it up.
        let s = Sorting::parse(&COLUMNS, by_default, Some("name"), None, None).unwrap();
        assert_eq!(s.direction, Direction::Ascending);
    }

    #[test]
    fn a_bad_sort_direction_or_position_is_named() {
        let d = ("name", Direction::Ascending);
        let field = |r: Result<Sorting, AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(Sorting::parse(&COLUMNS, d, Some("password"), None, None)),
            "sort"
        );
        assert_eq!(
            field(Sorting::parse(&COLUMNS, d, None, Some("sideways"), None)),
            "dir"
        );
        assert_eq!(
            field(Sorting::parse(
                &COLUMNS,
                d,
                Some("opened"),
                None,
                Some("abc~1")
            )),
            "after"
        );
        assert_eq!(
            field(Sorting::parse(&COLUMNS, d, None, None, Some("no-id"))),
            "after"
        );
    }

    #[test]
    fn a_page_ends_with_the_position_of_its_last_row_when_more_follow() {
        let s =
            Sorting::parse(&COLUMNS, ("opened", Direction::Ascending), None, None, None).unwrap();
        let rows: Vec<(i64, i64)> = (1..=PAGE_SIZE + 1).map(|i| (i * 10, i)).collect();
        let page = s.page(rows, 99, |r| (Value::Integer(r.0), r.1), |r| r.1);
        assert_eq!(page.items.len() as i64, PAGE_SIZE);
        assert_eq!(page.total, 99);
        assert_eq!(page.next_after.as_deref(), Some("250~25"));
        let last = s.page(vec![(10, 1)], 1, |r| (Value::Integer(r.0), r.1), |r| r.1);
        assert_eq!(last.next_after, None);
        let ten = s.clone().per_page(Some("10")).unwrap();
        assert!(ten.order_by("t.id").ends_with("LIMIT 11"));
        assert!(
            matches!(s.per_page(Some("1000")), Err(AppError::Invalid { field, .. }) if field == "per")
        );
    }
}

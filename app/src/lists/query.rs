//! A list's state as the URL's query holds it.

use crate::ui::urlencode;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use serde::{Deserialize, Serialize};

/// The order of a sorted column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    /// The URL's word for it.
    pub fn code(self) -> &'static str {
        match self {
            Direction::Ascending => "asc",
            Direction::Descending => "desc",
        }
    }

    /// Reads the URL's word; `None` for anything else.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "asc" => Some(Direction::Ascending),
            "desc" => Some(Direction::Descending),
            _ => None,
        }
    }

    /// The other way round.
    pub fn reversed(self) -> Self {
        match self {
            Direction::Ascending => Direction::Descending,
            Direction::Descending => Direction::Ascending,
        }
    }
}

/// The query of the page being shown: what a list reads, and the links that
/// change one part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    path: String,
    params: Vec<(String, String)>,
}

impl ListQuery {
    /// The current page's path and query.
    pub fn current() -> Memo<ListQuery> {
        let query = use_query_map();
        let location = use_location();
        Memo::new(move |_| ListQuery {
            path: location.pathname.get(),
            params: query
                .get()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }

    /// A query made of `params`, for tests and for links built elsewhere.
    pub fn new(path: &str, params: &[(&str, &str)]) -> Self {
        ListQuery {
            path: path.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The page's path, without its query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value of `name`, if the query has a non-empty one.
    pub fn get(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    }

    /// A link to the same list with `changes` applied (an empty value removes
    /// the parameter). Any change but the position starts again from the
    /// first page.
    pub fn with(&self, changes: &[(&str, &str)]) -> String {
        let moves_only = changes.iter().all(|(k, _)| *k == "after");
        let mut params: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, v)| {
                !v.is_empty()
                    && !changes.iter().any(|(c, _)| c == k)
                    && (moves_only || k != "after")
            })
            .cloned()
            .collect();
        for (k, v) in changes {
            if !v.is_empty() {
                params.push((k.to_string(), v.to_string()));
            }
        }
        if params.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_keeps_the_rest_of_the_query_and_a_new_sort_starts_again() {
        let q = ListQuery::new(
            "/enrollments",
            &[("q", "contoso ltd"), ("after", "x~4"), ("sort", "name")],
        );
        assert_eq!(
            q.with(&[("sort", "ends"), ("dir", "desc")]),
            "/enrollments?q=contoso%20ltd&sort=ends&dir=desc"
        );
        assert_eq!(
            q.with(&[("after", "y~9")]),
            "/enrollments?q=contoso%20ltd&sort=name&after=y~9"
        );
        assert_eq!(
            q.with(&[("q", ""), ("sort", ""), ("after", "")]),
            "/enrollments"
        );
        assert_eq!(q.get("q").as_deref(), Some("contoso ltd"));
        assert_eq!(q.get("dir"), None);
    }

    #[test]
    fn directions_read_their_words_only() {
        assert_eq!(Direction::parse("desc"), Some(Direction::Descending));
        assert_eq!(Direction::parse("DESC"), None);
        assert_eq!(Direction::Ascending.reversed(), Direction::Descending);
    }
}

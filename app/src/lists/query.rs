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
    /// Put before each name this list reads and changes, so that two lists
    /// can share a page (and its URL) without sharing a sort or a position.
    prefix: &'static str,
}

impl ListQuery {
    /// The current page's path and query.
    pub fn current() -> Memo<ListQuery> {
        Self::current_with_prefix("")
    }

    /// The same for a second list on a page, whose names in the URL start
    /// with `prefix`.
    pub fn current_with_prefix(prefix: &'static str) -> Memo<ListQuery> {
        let query = use_query_map();
        let location = use_location();
        Memo::new(move |_| ListQuery {
            path: location.pathname.get(),
            params: query
                .get()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            prefix,
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
            prefix: "",
        }
    }

    /// The same query read by a list whose names start with `prefix`.
    pub fn with_prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = prefix;
        self
    }

    /// The page's path, without its query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value of `name`, if the query has a non-empty one.
    pub fn get(&self, name: &str) -> Option<String> {
        let name = self.name(name);
        self.params
            .iter()
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    }

    /// A name as the URL holds it for this list.
    pub fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A link to the same list with `changes` applied (an empty value removes
    /// the parameter). Any change but the position starts again from the
    /// first page.
    pub fn with(&self, changes: &[(&str, &str)]) -> String {
        let moves_only = changes.iter().all(|(k, _)| *k == "after");
        let changes: Vec<(String, &str)> =
            changes.iter().map(|(k, v)| (self.name(k), *v)).collect();
        let after = self.name("after");
        let mut params: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, v)| {
                !v.is_empty() && !changes.iter().any(|(c, _)| c == k) && (moves_only || *k != after)
            })
            .cloned()
            .collect();
        for (k, v) in changes {
            if !v.is_empty() {
                params.push((k, v.to_string()));
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
    fn a_second_list_on_the_page_keeps_its_own_sort_and_position() {
        let params = [
            ("q", "ola"),
            ("after", "x~4"),
            ("inv_sort", "email"),
            ("inv_after", "a~2"),
        ];
        let people = ListQuery::new("/people", &params);
        let invitations = ListQuery::new("/people", &params).with_prefix("inv_");
        assert_eq!(invitations.get("sort").as_deref(), Some("email"));
        assert_eq!(people.get("sort"), None);
        // Sorting the invitations starts them again, and leaves the people's page.
        assert_eq!(
            invitations.with(&[("sort", "expires"), ("dir", "desc")]),
            "/people?q=ola&after=x~4&inv_sort=expires&inv_dir=desc"
        );
        // Moving the people's page keeps the invitations' position.
        assert_eq!(
            people.with(&[("after", "y~9")]),
            "/people?q=ola&inv_sort=email&inv_after=a~2&after=y~9"
        );
    }

    #[test]
    fn directions_read_their_words_only() {
        assert_eq!(Direction::parse("desc"), Some(Direction::Descending));
        assert_eq!(Direction::parse("DESC"), None);
        assert_eq!(Direction::Ascending.reversed(), Direction::Descending);
    }
}

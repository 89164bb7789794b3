//! Lists that scale. A list's state (search, filters, sort, direction and the
//! position of the page) lives in the URL's query, so a list can be shared and
//! Back goes where it should; rows are read a page at a time by key (never by
//! offset), and each list says how many rows match.
//!
//! - [`ListQuery`]: the state as the URL holds it, with links that change one
//!   part of it and keep the rest;
//! - [`SortHeader`] and [`Pager`]: a column heading that sorts, and the count
//!   with the links to the first and the next page;
//! - `ssr::Sorting`: the SQL of the sort and of the page's position.

mod pager;
mod query;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use pager::{thousands, KeepSorting, ListError, Pager, SortHeader};
pub use query::{Direction, ListQuery};

use serde::{Deserialize, Serialize};

/// Rows per page of every list, unless the URL asks for another of
/// [`PAGE_SIZES`] (`per`).
pub const PAGE_SIZE: i64 = 25;

/// A list counts its rows up to this many, and says "more than" beyond: a
/// count walks every matching row, and a list of a million reservations
/// should not pay for that on every page.
pub const COUNT_LIMIT: i64 = 10_000;

/// The page sizes a list offers.
pub const PAGE_SIZES: [i64; 4] = [10, 25, 50, 100];

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many rows match the search and filters, on every page, up to
    /// [`COUNT_LIMIT`].
    pub total: i64,
    /// More rows match than `total` (the count stopped at [`COUNT_LIMIT`]).
    #[serde(default)]
    pub at_least: bool,
    /// The position after this page's last row, when there is a next page.
    pub next_after: Option<String>,
}

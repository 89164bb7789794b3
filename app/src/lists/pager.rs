//! The parts every list shows: headings that sort, the count and the pager.

use super::{Direction, ListQuery, PAGE_SIZE, PAGE_SIZES};
use crate::error::AppError;
use leptos::prelude::*;

/// A column heading that sorts the list by `key`; a second click reverses
/// it. `default` marks the column (and direction) the list is sorted by when
/// the URL names none.
#[component]
pub fn SortHeader(
    label: &'static str,
    key: &'static str,
    query: Memo<ListQuery>,
    #[prop(optional)] default: Option<Direction>,
) -> impl IntoView {
    let state = move || {
        let q = query.get();
        let sorted = match q.get("sort") {
            Some(sort) => (sort == key).then(|| {
                q.get("dir")
                    .and_then(|d| Direction::parse(&d))
                    .unwrap_or(Direction::Ascending)
            }),
            None => default,
        };
        let next = sorted.map_or(Direction::Ascending, Direction::reversed);
        (sorted, q.with(&[("sort", key), ("dir", next.code())]))
    };
    let aria = move || match state().0 {
        Some(Direction::Ascending) => "ascending",
        Some(Direction::Descending) => "descending",
        None => "none",
    };
    let arrow = move || match state().0 {
        Some(Direction::Ascending) => " ▲",
        Some(Direction::Descending) => " ▼",
        None => "",
    };
    view! {
        <th scope="col" aria-sort=aria>
            <a href=move || state().1 class="sort" data-sort=key>{label}<span aria-hidden="true">{arrow}</span></a>
        </th>
    }
}

/// The sort and page size, kept as hidden fields by a list's search or
/// filter form: a new search keeps them and starts again from the first page.
#[component]
pub fn KeepSorting(query: Memo<ListQuery>) -> impl IntoView {
    ["sort", "dir", "per"]
        .into_iter()
        .map(|name| {
            move || {
                let q = query.read();
                q.get(name)
                    .map(|value| view! { <input type="hidden" name=q.name(name) value=value/> })
            }
        })
        .collect_view()
}

/// Why a list could not be read: as the error of the filter it names (with
/// the id `{field}-error` a filter's input can point to), or of the page.
#[component]
pub fn ListError(error: AppError) -> impl IntoView {
    match &error {
        AppError::Invalid { field, message } => {
            view! { <p class="field-error" id=format!("{field}-error") role="alert">{message.clone()}</p> }
                .into_any()
        }
        _ => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}

/// How many rows match, and the links to the first and the next page. The
/// navigation is named after the list ("Pages of invitations"), so a page
/// with two lists offers two landmarks a screen reader tells apart.
#[component]
pub fn Pager(
    total: i64,
    /// The count stopped at `total`: more rows match.
    #[prop(optional)]
    at_least: bool,
    shown: usize,
    next_after: Option<String>,
    noun: &'static str,
    query: Memo<ListQuery>,
) -> impl IntoView {
    let q = query.get_untracked();
    let first = q.get("after").map(|_| q.with(&[("after", "")]));
    let next = next_after.map(|after| q.with(&[("after", &after)]));
    let per = q
        .get("per")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(PAGE_SIZE);
    let sizes = PAGE_SIZES
        .into_iter()
        .map(|n| {
            let label = n.to_string();
            if n == per {
                view! { <span aria-current="true">{label}</span> }.into_any()
            } else {
                let href = q.with(&[("per", &label)]);
                view! { <a href=href aria-label=format!("{label} rows a page")>{label.clone()}</a> }
                    .into_any()
            }
        })
        .collect_view();
    view! {
        <p class="count" data-testid="list-count" data-total=total.to_string()>
            {if at_least { format!("More than {} {noun}", thousands(total)) } else { format!("{} {noun}", thousands(total)) }}
            {(at_least || total > shown as i64).then(|| format!(", {shown} on this page"))}
        </p>
        <nav aria-label=format!("Pages of {noun}") class="pages">
            {first.map(|href| view! { <a href=href>"First page"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
            <span class="per-page">"Rows a page: " {sizes}</span>
        </nav>
    }
}

/// A count as people read it: `12,345`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-4200), "-4,200");
    }
}

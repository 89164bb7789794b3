//! The home page's "what needs attention": for each role, the few things that
//! wait on the person signed in, each a link to where it is dealt with.

#[cfg(feature = "ssr")]
mod ssr;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One thing that needs attention, and where to deal with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub href: String,
    pub label: String,
    pub detail: String,
}

/// A group of items of one kind, with how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// A stable name, for tests and styles.
    pub key: String,
    pub title: String,
    /// How many there are (the section shows the first few).
    pub count: i64,
    pub items: Vec<Item>,
    /// What the section says when there is nothing.
    pub empty: String,
    /// Where the whole list is, when there is more than the section shows.
    pub all: Option<(String, String)>,
}

/// What needs the signed-in user's attention, by role.
#[server(endpoint = "attention")]
pub async fn attention() -> Result<Vec<Section>, AppError> {
    crate::access::serve(crate::access::Who::SignedIn, |state, user| async move {
        ssr::for_user(&state, &user).await
    })
    .await
}

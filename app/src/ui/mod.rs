//! The bottom of the pages: the pieces every page is made of (the page
//! header, status badges, form errors, the form token, the forms' behaviour,
//! the not-visible notice, links). It imports no feature and nothing of the
//! frame (`shell`) above it.

mod badge;
mod form;
mod form_behaviour;
mod form_token;
mod not_visible;
mod page_header;
mod url;

pub use badge::{StatusBadge, Tone};
pub use form::{action_errors, FieldError, FormError};
pub use form_behaviour::FormBehaviour;
#[cfg(feature = "ssr")]
pub use form_token::new_form_token;
pub use form_token::{FormToken, FormTokenValue, FORM_TOKEN_FIELD, FORM_TOKEN_SESSION_KEY};
pub use not_visible::NotVisible;
pub use page_header::{Crumb, PageHeader};
pub use url::{encode_path, urlencode};

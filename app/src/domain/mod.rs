//! Domain types shared by the browser and the server: each parses its input and
//! says clearly what is wrong with it.

mod email;
mod role;

pub use email::EmailAddress;
pub use role::{OrganisationKind, Role};

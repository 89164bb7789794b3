//! Domain types shared by the browser and the server: each parses its input and
//! says clearly what is wrong with it.

mod contact_details;
mod dates;
mod email;
mod ids;
mod online_domain;
mod product;
mod quantity;
mod role;
mod states;
mod system;
mod template;

pub use contact_details::{required_text, PersonName, PhoneNumber};
pub use dates::{add_months, format_date, format_time, parse_date, parse_reservation_start};
pub use email::EmailAddress;
pub use ids::{ChangeId, EnrollmentId, OrganisationId, TicketId, UserId};
pub use online_domain::parse_account_domain;
pub use product::{ContactType, Product, ProductKind};
pub use quantity::Quantity;
pub use role::{OrganisationKind, OrganisationSummary, Role};
pub use states::{EnrollmentStatus, InvitationStatus, OrderStatus, OutboxStatus};
pub use system::DownstreamSystem;
pub use template::{Template, AZURE_SUBJECT, INVITATION_SUBJECT, OLS_SUBJECT, RESET_SUBJECT};

//! Which rows a user's queries read, and which copy of the contacts they see.

use crate::auth::CurrentUser;
use crate::domain::{DownstreamSystem, OrganisationId, Role};

/// What part of the data a user sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A customer's users: their own organisation's enrollments.
    Customer(OrganisationId),
    /// A partner's users: the enrollments of the customers they serve.
    Partner(OrganisationId),
    /// Support and ROC: everything, read-only outside their own tools.
    Everything,
}

impl Scope {
    /// The scope of a signed-in user.
    pub fn of(user: &CurrentUser) -> Self {
        match user.role {
            Role::VlscAdministrator | Role::OnlineAdministrator | Role::OnlineServicesManager => {
                Scope::Customer(user.organisation_id)
            }
            Role::PartnerUser => Scope::Partner(user.organisation_id),
            Role::SupportAgent | Role::RocOperator => Scope::Everything,
        }
    }

    /// A condition on table alias `t` (which has `customer_id` and `partner_id`)
    /// that uses `$1`; bind [`Scope::param`] as the first argument.
    pub fn condition(self, t: &str) -> String {
        match self {
            Scope::Customer(_) => format!("{t}.customer_id = $1"),
            Scope::Partner(_) => format!("{t}.partner_id = $1"),
            // Keeps `$1` in the query so every scope binds the same arguments.
            Scope::Everything => "$1 = $1".to_string(),
        }
    }

    /// The value for `$1`.
    pub fn param(self) -> OrganisationId {
        match self {
            Scope::Customer(id) | Scope::Partner(id) => id,
            Scope::Everything => OrganisationId(0),
        }
    }

    /// The customer organisation whose support tickets the user sees (`None`:
    /// every organisation's). Partners see no tickets.
    pub fn tickets(self) -> Option<Option<OrganisationId>> {
        match self {
            Scope::Customer(id) => Some(Some(id)),
            Scope::Everything => Some(None),
            Scope::Partner(_) => None,
        }
    }
}

/// The system whose copy of the contacts a viewer sees: customers see VLSC's,
/// partners explore.ms's, operators eMSL's master record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactView {
    Vlsc,
    Explore,
    Emsl,
}

impl ContactView {
    /// The copy of the contacts a role's pages show.
    pub fn of(role: Role) -> ContactView {
        match role {
            Role::VlscAdministrator | Role::OnlineAdministrator | Role::OnlineServicesManager => {
                ContactView::Vlsc
            }
            Role::PartnerUser => ContactView::Explore,
            Role::SupportAgent | Role::RocOperator => ContactView::Emsl,
        }
    }

    /// The downstream system whose copy the viewer reads; `None`: eMSL's
    /// master record itself.
    pub fn copy(self) -> Option<DownstreamSystem> {
        match self {
            ContactView::Vlsc => Some(DownstreamSystem::Vlsc),
            ContactView::Explore => Some(DownstreamSystem::Explore),
            ContactView::Emsl => None,
        }
    }

    /// The system's name as pages show it.
    pub fn source(self) -> &'static str {
        self.copy().map_or("eMSL", DownstreamSystem::name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::access::someone as user;

    #[test]
    fn every_organisation_sees_only_its_own_enrollments() {
        for role in Role::ALL {
            let scope = Scope::of(&user(role, 7));
            match role {
                Role::VlscAdministrator
                | Role::OnlineAdministrator
                | Role::OnlineServicesManager => {
                    assert_eq!(scope, Scope::Customer(OrganisationId(7)));
                    assert_eq!(scope.condition("e"), "e.customer_id = $1");
                }
                Role::PartnerUser => {
                    assert_eq!(scope, Scope::Partner(OrganisationId(7)));
                    assert_eq!(scope.condition("e"), "e.partner_id = $1");
                }
                Role::SupportAgent | Role::RocOperator => assert_eq!(scope, Scope::Everything),
            }
            let expected = if scope == Scope::Everything { 0 } else { 7 };
            assert_eq!(scope.param(), OrganisationId(expected));
        }
    }

    #[test]
    fn partners_see_no_tickets_and_customers_only_theirs() {
        let three = OrganisationId(3);
        assert_eq!(Scope::Partner(three).tickets(), None);
        assert_eq!(Scope::Customer(three).tickets(), Some(Some(three)));
        assert_eq!(Scope::Everything.tickets(), Some(None));
    }

    #[test]
    fn each_role_reads_the_contacts_of_its_own_system() {
        assert_eq!(ContactView::of(Role::PartnerUser).source(), "explore.ms");
        assert_eq!(
            ContactView::of(Role::OnlineServicesManager).source(),
            "VLSC"
        );
        assert_eq!(ContactView::of(Role::RocOperator).source(), "eMSL");
    }
}

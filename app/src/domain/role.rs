use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of organisation a portal user belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrganisationKind {
    /// A Volume Licensing customer: sees only its own enrollments.
    Customer,
    /// A licensing solution partner (LSP): sees only the customers it serves.
    Partner,
    /// The licensing operator's own staff: support and the operations center.
    Operator,
}

impl OrganisationKind {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            OrganisationKind::Customer => "customer",
            OrganisationKind::Partner => "partner",
            OrganisationKind::Operator => "operator",
        }
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Result<Self, String> {
        match code {
            "customer" => Ok(OrganisationKind::Customer),
            "partner" => Ok(OrganisationKind::Partner),
            "operator" => Ok(OrganisationKind::Operator),
            other => Err(format!("unknown organisation kind {other:?}")),
        }
    }
}

/// An organisation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    pub id: i64,
    pub name: String,
}

/// A portal user's role in their organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Manages the organisation's users, OLAs and permissions; may reserve (R3).
    VlscAdministrator,
    /// Online administrator: may reserve (R3).
    OnlineAdministrator,
    /// Online services manager: may reserve only with the permission on the enrollment (R3).
    OnlineServicesManager,
    /// A partner's user: places orders and submits CICRs for the partner's customers.
    PartnerUser,
    /// VLSC Support: resends, corrections, reactivations, remaps.
    SupportAgent,
    /// Regional Operations Center: works manual CICRs.
    RocOperator,
}

impl Role {
    /// Every role, in the order the portal lists them.
    pub const ALL: [Role; 6] = [
        Role::VlscAdministrator,
        Role::OnlineAdministrator,
        Role::OnlineServicesManager,
        Role::PartnerUser,
        Role::SupportAgent,
        Role::RocOperator,
    ];

    /// Whether the role may read the demo mailbox: support agents (every
    /// organisation's mail) and VLSC administrators (their own organisation's).
    pub fn reads_the_demo_mailbox(self) -> bool {
        matches!(self, Role::VlscAdministrator | Role::SupportAgent)
    }

    /// Whether the role must sign in in two steps: those who act on every
    /// organisation or manage one's people.
    pub fn signs_in_in_two_steps(self) -> bool {
        matches!(
            self,
            Role::VlscAdministrator | Role::SupportAgent | Role::RocOperator
        )
    }

    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::VlscAdministrator => "vlsc_admin",
            Role::OnlineAdministrator => "ola",
            Role::OnlineServicesManager => "osm",
            Role::PartnerUser => "partner",
            Role::SupportAgent => "support",
            Role::RocOperator => "roc",
        }
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| format!("unknown role {code:?}"))
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::VlscAdministrator => "VLSC administrator",
            Role::OnlineAdministrator => "Online administrator (OLA)",
            Role::OnlineServicesManager => "Online services manager (OSM)",
            Role::PartnerUser => "Partner user",
            Role::SupportAgent => "Support agent",
            Role::RocOperator => "Operations center (ROC) operator",
        }
    }

    /// The kind of organisation this role belongs to.
    pub fn organisation_kind(self) -> OrganisationKind {
        match self {
            Role::VlscAdministrator | Role::OnlineAdministrator | Role::OnlineServicesManager => {
                OrganisationKind::Customer
            }
            Role::PartnerUser => OrganisationKind::Partner,
            Role::SupportAgent | Role::RocOperator => OrganisationKind::Operator,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_code() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role));
        }
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn customer_roles_belong_to_customers_and_operators_to_the_operator() {
        assert_eq!(
            Role::OnlineAdministrator.organisation_kind(),
            OrganisationKind::Customer
        );
        assert_eq!(
            Role::PartnerUser.organisation_kind(),
            OrganisationKind::Partner
        );
        assert_eq!(
            Role::RocOperator.organisation_kind(),
            OrganisationKind::Operator
        );
        for kind in [
            OrganisationKind::Customer,
            OrganisationKind::Partner,
            OrganisationKind::Operator,
        ] {
            assert_eq!(OrganisationKind::parse(kind.code()), Ok(kind));
        }
    }

    #[test]
    fn the_roles_that_act_widely_must_use_two_steps() {
        for role in Role::ALL {
            assert_eq!(
                role.signs_in_in_two_steps(),
                matches!(
                    role,
                    Role::VlscAdministrator | Role::SupportAgent | Role::RocOperator
                ),
                "{role}"
            );
        }
    }
}

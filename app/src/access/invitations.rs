//! Who invites whom, and who manages a pending invitation: a VLSC
//! administrator their organisation's people, a support agent their colleagues
//! and the first administrator of a customer organisation.

use crate::auth::CurrentUser;
use crate::domain::{OrganisationId, Role};

/// The roles a VLSC administrator may invite people to.
pub const ADMINISTRATOR_INVITES: [Role; 3] = [
    Role::VlscAdministrator,
    Role::OnlineAdministrator,
    Role::OnlineServicesManager,
];

/// The roles support agents may invite colleagues to, in their own organisation.
pub const SUPPORT_INVITES: [Role; 2] = [Role::SupportAgent, Role::RocOperator];

/// The roles `inviter` may invite people to, in their own organisation.
pub fn invitable_roles(inviter: Role) -> &'static [Role] {
    match inviter {
        Role::VlscAdministrator => &ADMINISTRATOR_INVITES,
        Role::SupportAgent => &SUPPORT_INVITES,
        _ => &[],
    }
}

/// Whose pending invitations `user` sees and manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationScope {
    /// Their own organisation's (a VLSC administrator).
    Organisation(OrganisationId),
    /// Their own organisation's and every first administrator's (support).
    OrganisationAndFirstAdministrators(OrganisationId),
}

impl InvitationScope {
    /// The scope of `user`, if they manage invitations at all.
    pub fn of(user: &CurrentUser) -> Option<InvitationScope> {
        match user.role {
            Role::VlscAdministrator => Some(InvitationScope::Organisation(user.organisation_id)),
            Role::SupportAgent => Some(InvitationScope::OrganisationAndFirstAdministrators(
                user.organisation_id,
            )),
            _ => None,
        }
    }

    /// Whether an invitation to `organisation` for `role` is within the scope.
    pub fn covers(self, organisation: OrganisationId, role: Role) -> bool {
        match self {
            InvitationScope::Organisation(own) => own == organisation,
            InvitationScope::OrganisationAndFirstAdministrators(own) => {
                own == organisation || role == Role::VlscAdministrator
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_invite_their_people_and_support_its_colleagues() {
        assert_eq!(
            invitable_roles(Role::VlscAdministrator),
            ADMINISTRATOR_INVITES
        );
        assert_eq!(invitable_roles(Role::SupportAgent), SUPPORT_INVITES);
        for role in [
            Role::OnlineAdministrator,
            Role::OnlineServicesManager,
            Role::PartnerUser,
            Role::RocOperator,
        ] {
            assert!(invitable_roles(role).is_empty(), "{role}");
        }
    }

    #[test]
    fn support_manages_every_first_administrators_invitation_and_its_own() {
        let own = OrganisationId(1);
        let other = OrganisationId(2);
        let support = InvitationScope::OrganisationAndFirstAdministrators(own);
        assert!(support.covers(other, Role::VlscAdministrator));
        assert!(support.covers(own, Role::RocOperator));
        assert!(!support.covers(other, Role::OnlineAdministrator));
        let admin = InvitationScope::Organisation(own);
        assert!(admin.covers(own, Role::OnlineServicesManager));
        assert!(!admin.covers(other, Role::VlscAdministrator));
    }
}

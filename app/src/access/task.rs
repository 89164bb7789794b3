//! What a role alone decides, and what a refused user is told.

use crate::auth::CurrentUser;
use crate::domain::Role;
use crate::error::AppError;

/// Something a user does that their role alone allows or refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Manage the organisation's people and permissions; read its audit trail.
    AdministerOrganisation,
    /// Read the security events of an organisation's people.
    ReadSecurityEvents,
    /// List the customers a partner serves.
    ListOwnCustomers,
    /// List every customer organisation.
    ListAllOrganisations,
    /// Invite people to one's own organisation.
    InvitePeople,
    /// Invite the first administrator of a customer organisation.
    InviteFirstAdministrator,
    /// Work the support console: tickets, resends, corrections, remaps.
    Support,
    /// Place an order on a customer's enrollment.
    PlaceOrders,
    /// Decide manual change requests in the operations center (R7).
    DecideChangeRequests,
    /// Read the operations-center queue of change requests.
    ReadOperationsQueue,
}

impl Task {
    /// The roles that may do the task.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Task::AdministerOrganisation => &[VlscAdministrator],
            Task::ReadSecurityEvents => &[VlscAdministrator, SupportAgent],
            Task::ListOwnCustomers | Task::PlaceOrders => &[PartnerUser],
            Task::ListAllOrganisations => &[SupportAgent, RocOperator],
            Task::InvitePeople => &[VlscAdministrator, SupportAgent],
            Task::InviteFirstAdministrator | Task::Support => &[SupportAgent],
            Task::DecideChangeRequests => &[RocOperator],
            Task::ReadOperationsQueue => &[RocOperator, SupportAgent],
        }
    }

    /// Whether `role` may do the task.
    pub fn allowed_for(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// What a user whose role may not do the task reads.
    pub fn refusal(self) -> &'static str {
        match self {
            Task::AdministerOrganisation | Task::ListOwnCustomers | Task::ListAllOrganisations => {
                "Your role does not give access to this page."
            }
            Task::ReadSecurityEvents => "Your role does not give access to this page.",
            Task::InvitePeople => "Only your organisation's VLSC administrators can invite people.",
            Task::InviteFirstAdministrator => {
                "Only support agents can invite an organisation's first administrator."
            }
            Task::Support => "Only support agents use the support console.",
            Task::PlaceOrders => "Only partners place orders.",
            Task::DecideChangeRequests => {
                "Only operations-center (ROC) operators decide manual change requests."
            }
            Task::ReadOperationsQueue => "The operations-center queue is for ROC operators.",
        }
    }

    /// `Ok` when `user` may do the task; `Forbidden` with the reason otherwise.
    pub fn allows(self, user: &CurrentUser) -> Result<(), AppError> {
        if self.allowed_for(user.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(self.refusal().into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Task; 10] = [
        Task::AdministerOrganisation,
        Task::ReadSecurityEvents,
        Task::ListOwnCustomers,
        Task::ListAllOrganisations,
        Task::InvitePeople,
        Task::InviteFirstAdministrator,
        Task::Support,
        Task::PlaceOrders,
        Task::DecideChangeRequests,
        Task::ReadOperationsQueue,
    ];

    #[test]
    fn only_support_agents_work_the_console_and_invite_a_first_administrator() {
        for role in Role::ALL {
            assert_eq!(Task::Support.allowed_for(role), role == Role::SupportAgent);
            assert_eq!(
                Task::InviteFirstAdministrator.allowed_for(role),
                role == Role::SupportAgent
            );
        }
    }

    #[test]
    fn only_roc_operators_decide_manual_change_requests() {
        // R7: bill-to changes wait for the operations center.
        for role in Role::ALL {
            assert_eq!(
                Task::DecideChangeRequests.allowed_for(role),
                role == Role::RocOperator
            );
        }
        assert!(Task::ReadOperationsQueue.allowed_for(Role::SupportAgent));
        assert!(!Task::ReadOperationsQueue.allowed_for(Role::PartnerUser));
    }

    #[test]
    fn only_partners_place_orders_and_list_their_customers() {
        for role in Role::ALL {
            assert_eq!(
                Task::PlaceOrders.allowed_for(role),
                role == Role::PartnerUser
            );
            assert_eq!(
                Task::ListOwnCustomers.allowed_for(role),
                role == Role::PartnerUser
            );
        }
    }

    #[test]
    fn the_organisation_is_administered_by_its_vlsc_administrators() {
        for role in Role::ALL {
            assert_eq!(
                Task::AdministerOrganisation.allowed_for(role),
                role == Role::VlscAdministrator
            );
        }
    }

    #[test]
    fn every_task_is_allowed_to_someone_and_refused_with_words() {
        for task in ALL {
            assert!(!task.roles().is_empty(), "{task:?}");
            assert!(task.refusal().ends_with('.'), "{task:?}");
            let rule_number = task
                .refusal()
                .as_bytes()
                .windows(2)
                .any(|w| w[0] == b'R' && w[1].is_ascii_digit());
            assert!(!rule_number, "{task:?} shows a rule number");
        }
    }
}

//! What a user may do on one enrollment they can see, decided from their role
//! and their organisation's place on it (customer or partner).

use crate::auth::CurrentUser;
use crate::domain::{OrganisationId, Role};
use crate::error::AppError;

/// Who an enrollment belongs to: its customer and the partner serving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parties {
    pub customer_id: OrganisationId,
    pub partner_id: OrganisationId,
}

/// R3: Online Reservation is open to VLSC administrators, OLAs and OSMs holding
/// the manage-reservation permission on the enrollment; to nobody else. The
/// error is the reason shown to whoever may not reserve.
pub fn may_reserve(role: Role, holds_permission: bool) -> Result<(), &'static str> {
    match role {
        Role::VlscAdministrator | Role::OnlineAdministrator => Ok(()),
        Role::OnlineServicesManager if holds_permission => Ok(()),
        Role::OnlineServicesManager => Err(
            "You can see these reservations but not change them: Online Reservation needs the \
             manage-reservation permission on this enrollment. Ask your VLSC administrator to grant it.",
        ),
        Role::PartnerUser => Err(
            "Partners place orders; Online Reservation is for the customer's VLSC administrators, \
             online administrators and OSMs with the manage-reservation permission.",
        ),
        Role::SupportAgent | Role::RocOperator => {
            Err("Support and the operations center see reservations read-only.")
        }
    }
}

/// R3 on one enrollment: `Ok` when `user` may reserve or cancel on it; the
/// reason to show otherwise. Only the customer's own users reserve.
pub fn reservation(
    user: &CurrentUser,
    parties: Parties,
    holds_permission: bool,
) -> Result<(), String> {
    let own = user.organisation_id == parties.customer_id;
    match may_reserve(user.role, holds_permission) {
        Ok(()) if own => Ok(()),
        Ok(()) => Err("Only the customer's own users may reserve on this enrollment.".into()),
        Err(reason) => Err(reason.to_string()),
    }
}

/// Whether `user` is the enrollment's own partner, who places its orders and
/// requests changes to its contacts.
pub fn is_own_partner(user: &CurrentUser, parties: Parties) -> bool {
    user.role == Role::PartnerUser && user.organisation_id == parties.partner_id
}

/// R6, R7: only the enrollment's own partner submits a Contract Information
/// Change Request; everyone else is told who does.
pub fn change_request(user: &CurrentUser, parties: Parties) -> Result<(), AppError> {
    if is_own_partner(user, parties) {
        return Ok(());
    }
    Err(AppError::Forbidden(
        match user.role {
            Role::VlscAdministrator | Role::OnlineAdministrator | Role::OnlineServicesManager => {
                "Contact changes are requested by your partner: ask them to submit a Contract Information Change Request."
            }
            Role::PartnerUser => "Only the enrollment's own partner can request a change to its contacts.",
            Role::SupportAgent | Role::RocOperator => {
                "Contact changes are requested by the customer's partner; support corrects OSM addresses from the support console."
            }
        }
        .into(),
    ))
}

/// Who may run the activation diagnosis (R11) on an enrollment: support, its
/// partner, the customer's VLSC administrator, and the customer's OLAs and
/// OSMs who are the enrollment's OSM or NTC (`is_osm_or_ntc`).
pub fn diagnosis(
    user: &CurrentUser,
    parties: Parties,
    is_osm_or_ntc: bool,
) -> Result<(), AppError> {
    let own_customer = user.organisation_id == parties.customer_id;
    let allowed = match user.role {
        Role::SupportAgent => true,
        Role::PartnerUser => user.organisation_id == parties.partner_id,
        Role::VlscAdministrator => own_customer,
        Role::OnlineAdministrator | Role::OnlineServicesManager => own_customer && is_osm_or_ntc,
        Role::RocOperator => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "The activation diagnosis is open to the organisation's VLSC administrator, the enrollment's OSM and NTC, its partner and Support.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTIES: Parties = Parties {
        customer_id: OrganisationId(10),
        partner_id: OrganisationId(20),
    };

    use crate::access::someone as user;

    #[test]
    fn r3_only_administrators_olas_and_permitted_osms_may_reserve() {
        for role in Role::ALL {
            for permission in [false, true] {
                let expected = matches!(role, Role::VlscAdministrator | Role::OnlineAdministrator)
                    || (role == Role::OnlineServicesManager && permission);
                assert_eq!(
                    may_reserve(role, permission).is_ok(),
                    expected,
                    "{role} {permission}"
                );
            }
        }
    }

    #[test]
    fn r3_an_osm_without_the_permission_is_told_whom_to_ask() {
        let reason = may_reserve(Role::OnlineServicesManager, false).unwrap_err();
        assert!(reason.contains("manage-reservation permission"));
        assert!(reason.contains("VLSC administrator"));
    }

    #[test]
    fn r3_only_the_customers_own_users_reserve_on_its_enrollment() {
        let own = user(Role::VlscAdministrator, 10);
        let other = user(Role::VlscAdministrator, 11);
        assert!(reservation(&own, PARTIES, false).is_ok());
        assert!(reservation(&other, PARTIES, false).is_err());
        assert!(reservation(&user(Role::OnlineServicesManager, 10), PARTIES, true).is_ok());
        assert!(reservation(&user(Role::OnlineServicesManager, 10), PARTIES, false).is_err());
    }

    #[test]
    fn r6_only_the_enrollments_own_partner_requests_a_contact_change() {
        assert!(change_request(&user(Role::PartnerUser, 20), PARTIES).is_ok());
        assert!(change_request(&user(Role::PartnerUser, 21), PARTIES).is_err());
        let customer = change_request(&user(Role::VlscAdministrator, 10), PARTIES).unwrap_err();
        assert!(matches!(customer, AppError::Forbidden(m) if m.contains("ask them to submit")));
        for role in [
            Role::SupportAgent,
            Role::RocOperator,
            Role::OnlineServicesManager,
        ] {
            assert!(change_request(&user(role, 10), PARTIES).is_err(), "{role}");
        }
    }

    #[test]
    fn r11_the_diagnosis_is_open_to_support_the_partner_the_administrator_and_the_contacts() {
        assert!(diagnosis(&user(Role::SupportAgent, 1), PARTIES, false).is_ok());
        assert!(diagnosis(&user(Role::PartnerUser, 20), PARTIES, false).is_ok());
        assert!(diagnosis(&user(Role::PartnerUser, 21), PARTIES, false).is_err());
        assert!(diagnosis(&user(Role::VlscAdministrator, 10), PARTIES, false).is_ok());
        assert!(diagnosis(&user(Role::OnlineServicesManager, 10), PARTIES, true).is_ok());
        assert!(diagnosis(&user(Role::OnlineServicesManager, 10), PARTIES, false).is_err());
        assert!(diagnosis(&user(Role::OnlineAdministrator, 11), PARTIES, true).is_err());
        assert!(diagnosis(&user(Role::RocOperator, 1), PARTIES, true).is_err());
    }

    #[test]
    fn orders_and_change_requests_come_from_the_enrollments_own_partner() {
        assert!(is_own_partner(&user(Role::PartnerUser, 20), PARTIES));
        assert!(!is_own_partner(&user(Role::PartnerUser, 10), PARTIES));
        assert!(!is_own_partner(&user(Role::VlscAdministrator, 20), PARTIES));
    }
}

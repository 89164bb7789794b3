//! R7: where a contact change goes, decided by the kind of contact.

use crate::domain::ContactType;

/// How a requested change travels (R7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// PRI, NTC and OSM: applied to eMSL at once ("no touch"), then propagated.
    NoTouch,
    /// Bill-to: a manual CICR logged to the operations-center (ROC) queue.
    Manual,
}

impl Route {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Route::NoTouch => "no_touch",
            Route::Manual => "manual",
        }
    }
}

/// Guidance for whoever asks for an OLA change through a CICR (R7).
pub const OLA_GUIDANCE: &str =
    "Online administrators (OLAs) are not changed by a CICR: the customer's \
VLSC administrator adds or removes them in the portal, under People.";

/// Reads the contact a change request names and routes it (R7). The error is
/// the message shown next to the contact field.
pub fn route(contact: &str) -> Result<(ContactType, Route), String> {
    match contact.trim() {
        "" => Err("Choose the contact to change.".into()),
        "ola" => Err(OLA_GUIDANCE.into()),
        code => {
            let contact_type = ContactType::parse(code)
                .map_err(|_| "Choose a contact from the list.".to_string())?;
            let route = match contact_type {
                ContactType::Primary
                | ContactType::Notices
                | ContactType::OnlineServicesManager => Route::NoTouch,
                ContactType::BillTo => Route::Manual,
            };
            Ok((contact_type, route))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r7_contract_level_contacts_change_without_touch() {
        for code in ["pri", "ntc", "osm"] {
            assert_eq!(route(code).unwrap().1, Route::NoTouch, "{code}");
        }
    }

    #[test]
    fn r7_a_bill_to_contact_needs_a_manual_cicr() {
        assert_eq!(route("bill_to"), Ok((ContactType::BillTo, Route::Manual)));
    }

    #[test]
    fn r7_an_ola_is_refused_with_the_guidance_to_ask_the_vlsc_administrator() {
        let message = route("ola").unwrap_err();
        assert!(message.contains("VLSC administrator"));
    }

    #[test]
    fn an_unknown_or_missing_contact_is_named() {
        assert_eq!(route(""), Err("Choose the contact to change.".into()));
        assert_eq!(route("cfo"), Err("Choose a contact from the list.".into()));
    }
}

use serde::{Deserialize, Serialize};

/// What kind of product a catalogue entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProductKind {
    /// An online service: its first order sends the OLS activation email (R1).
    OnlineService,
    /// Azure: an online service whose activation email goes to the NTC (R8).
    Azure,
    /// Software run on the customer's own servers: nothing to activate (R11a).
    OnPremises,
}

impl ProductKind {
    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ProductKind::OnlineService => "online",
            ProductKind::Azure => "azure",
            ProductKind::OnPremises => "on_premises",
        }
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Result<Self, String> {
        match code {
            "online" => Ok(ProductKind::OnlineService),
            "azure" => Ok(ProductKind::Azure),
            "on_premises" => Ok(ProductKind::OnPremises),
            other => Err(format!("unknown product kind {other:?}")),
        }
    }

    /// Whether this is an online service (Azure included).
    pub fn is_online(self) -> bool {
        !matches!(self, ProductKind::OnPremises)
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ProductKind::OnlineService => "Online service",
            ProductKind::Azure => "Azure",
            ProductKind::OnPremises => "On-premises",
        }
    }
}

/// A contract-level contact's place on an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContactType {
    /// Primary contact (PRI).
    Primary,
    /// Notices contact (NTC); also the Azure administrator (R8).
    Notices,
    /// Online services manager (OSM): receives the OLS activation email (R1).
    OnlineServicesManager,
    /// Bill-to contact: changed only through a manual CICR (R7).
    BillTo,
}

impl ContactType {
    /// Every contact type, in display order.
    pub const ALL: [ContactType; 4] = [
        ContactType::Primary,
        ContactType::Notices,
        ContactType::OnlineServicesManager,
        ContactType::BillTo,
    ];

    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ContactType::Primary => "pri",
            ContactType::Notices => "ntc",
            ContactType::OnlineServicesManager => "osm",
            ContactType::BillTo => "bill_to",
        }
    }

    /// Reads a stored value.
    pub fn parse(code: &str) -> Result<Self, String> {
        ContactType::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| format!("unknown contact type {code:?}"))
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ContactType::Primary => "Primary contact (PRI)",
            ContactType::Notices => "Notices contact (NTC)",
            ContactType::OnlineServicesManager => "Online services manager (OSM)",
            ContactType::BillTo => "Bill-to contact",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_contact_types_round_trip() {
        for k in [
            ProductKind::OnlineService,
            ProductKind::Azure,
            ProductKind::OnPremises,
        ] {
            assert_eq!(ProductKind::parse(k.code()), Ok(k));
        }
        for c in ContactType::ALL {
            assert_eq!(ContactType::parse(c.code()), Ok(c));
        }
        assert!(ProductKind::Azure.is_online());
        assert!(!ProductKind::OnPremises.is_online());
    }
}

/// A product of the catalogue, for the order and reservation forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub code: String,
    pub name: String,
    pub kind: ProductKind,
}

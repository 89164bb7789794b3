use crate::domain::Role;

/// One entry of the main navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
}

const fn item(href: &'static str, label: &'static str) -> NavItem {
    NavItem { href, label }
}

/// What a role may use, in the order the navigation shows it. The server checks
/// every permission again: this only decides what is offered.
pub fn navigation_for(role: Role) -> Vec<NavItem> {
    let mut items = vec![
        item("/", "Home"),
        item("/enrollments", "Enrollments"),
        item("/reservations", "Reservations"),
        item("/changes", "Contact changes"),
    ];
    match role {
        Role::VlscAdministrator => {
            items.push(item("/people", "People"));
            items.push(item("/tickets", "Tickets"));
        }
        Role::PartnerUser => items.push(item("/customers", "Customers")),
        Role::RocOperator => {
            items.push(item("/roc-queue", "ROC queue"));
            items.push(item("/organisations", "Organisations"));
        }
        Role::SupportAgent => {
            items.push(item("/support", "Support console"));
            items.push(item("/organisations", "Organisations"));
        }
        Role::OnlineAdministrator | Role::OnlineServicesManager => {
            items.push(item("/tickets", "Tickets"))
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(role: Role) -> Vec<&'static str> {
        navigation_for(role).into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn only_a_vlsc_administrator_is_offered_people() {
        for role in Role::ALL {
            assert_eq!(
                labels(role).contains(&"People"),
                role == Role::VlscAdministrator,
                "{role}"
            );
        }
    }

    #[test]
    fn partners_are_offered_their_customers_and_operators_every_organisation() {
        assert!(labels(Role::PartnerUser).contains(&"Customers"));
        assert!(labels(Role::SupportAgent).contains(&"Organisations"));
        assert!(labels(Role::RocOperator).contains(&"Organisations"));
        assert!(!labels(Role::OnlineAdministrator).contains(&"Organisations"));
    }

    #[test]
    fn only_support_agents_are_offered_the_support_console() {
        for role in Role::ALL {
            assert_eq!(
                labels(role).contains(&"Support console"),
                role == Role::SupportAgent,
                "{role}"
            );
        }
    }

    #[test]
    fn only_roc_operators_are_offered_the_operations_center_queue() {
        for role in Role::ALL {
            assert_eq!(
                labels(role).contains(&"ROC queue"),
                role == Role::RocOperator,
                "{role}"
            );
        }
    }
}

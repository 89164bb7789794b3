//! The systems downstream of eMSL, each keeping its own copy of every contact.

/// A system fed from eMSL after the propagation delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DownstreamSystem {
    /// VLSC: the customer pages.
    Vlsc,
    /// explore.ms: the partner pages.
    Explore,
}

impl DownstreamSystem {
    /// Every downstream system, in the order pages list them.
    pub const ALL: [DownstreamSystem; 2] = [DownstreamSystem::Vlsc, DownstreamSystem::Explore];

    /// The value stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            DownstreamSystem::Vlsc => "vlsc",
            DownstreamSystem::Explore => "explore",
        }
    }

    /// Reads a stored or submitted value.
    pub fn parse(code: &str) -> Result<DownstreamSystem, String> {
        DownstreamSystem::ALL
            .into_iter()
            .find(|s| s.code() == code.trim())
            .ok_or_else(|| format!("unknown system {code:?}"))
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            DownstreamSystem::Vlsc => "VLSC",
            DownstreamSystem::Explore => "explore.ms",
        }
    }

    /// Its name with whom it serves, for trackers and timelines.
    pub fn pages(self) -> &'static str {
        match self {
            DownstreamSystem::Vlsc => "VLSC (customer pages)",
            DownstreamSystem::Explore => "explore.ms (partner pages)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_system_reads_back_from_its_code() {
        for system in DownstreamSystem::ALL {
            assert_eq!(DownstreamSystem::parse(system.code()), Ok(system));
            assert!(system.pages().starts_with(system.name()));
        }
        assert!(DownstreamSystem::parse("emsl").is_err());
    }
}

//! A campaign's identity.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A campaign's id, assigned by the store. On the wire it is a plain integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct CampaignId(pub i64);

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for CampaignId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(CampaignId)
    }
}

impl From<i64> for CampaignId {
    fn from(id: i64) -> Self {
        CampaignId(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_plain_integer_on_the_wire() {
        assert_eq!(serde_json::to_string(&CampaignId(42)).unwrap(), "42");
        assert_eq!(
            serde_json::from_str::<CampaignId>("7").unwrap(),
            CampaignId(7)
        );
        assert_eq!("12".parse::<CampaignId>(), Ok(CampaignId(12)));
        assert_eq!(CampaignId(3).to_string(), "3");
    }
}

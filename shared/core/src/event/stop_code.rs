//! `stopCode`: documented values plus whatever AWS adds later.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Documented in the ECS API reference (`Task.stopCode`). A value added later is kept verbatim in
/// `Other`, never a parse failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StopCode {
    TaskFailedToStart,
    EssentialContainerExited,
    UserInitiated,
    ServiceSchedulerInitiated,
    SpotInterruption,
    TerminationNotice,
    Other(String),
}

impl StopCode {
    pub fn parse(s: &str) -> StopCode {
        match s {
            "TaskFailedToStart" => StopCode::TaskFailedToStart,
            "EssentialContainerExited" => StopCode::EssentialContainerExited,
            "UserInitiated" => StopCode::UserInitiated,
            "ServiceSchedulerInitiated" => StopCode::ServiceSchedulerInitiated,
            "SpotInterruption" => StopCode::SpotInterruption,
            "TerminationNotice" => StopCode::TerminationNotice,
            other => StopCode::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            StopCode::TaskFailedToStart => "TaskFailedToStart",
            StopCode::EssentialContainerExited => "EssentialContainerExited",
            StopCode::UserInitiated => "UserInitiated",
            StopCode::ServiceSchedulerInitiated => "ServiceSchedulerInitiated",
            StopCode::SpotInterruption => "SpotInterruption",
            StopCode::TerminationNotice => "TerminationNotice",
            StopCode::Other(s) => s,
        }
    }
}

impl fmt::Display for StopCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StopCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StopCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(StopCode::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_stop_code_is_kept_not_rejected() {
        let c: StopCode = serde_json::from_str("\"SomethingNew\"").unwrap();
        assert_eq!(c, StopCode::Other("SomethingNew".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"SomethingNew\"");
    }

    #[test]
    fn documented_codes_round_trip() {
        for s in [
            "TaskFailedToStart",
            "EssentialContainerExited",
            "UserInitiated",
            "ServiceSchedulerInitiated",
            "SpotInterruption",
            "TerminationNotice",
        ] {
            let c = StopCode::parse(s);
            assert!(!matches!(c, StopCode::Other(_)), "{s}");
            assert_eq!(c.as_str(), s);
        }
    }
}

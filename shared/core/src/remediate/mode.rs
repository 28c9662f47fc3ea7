//! The global mode and the kill switch (issue 5, "Opt-in and modes": `off | dry-run | apply`,
//! default `dry-run`, and a kill switch that takes effect without a deploy).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What the remediator does with a decision to act.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Decide nothing: every incident is skipped with that reason.
    Off,
    /// Decide, take the guard, audit and announce what would be done; change nothing. The
    /// default, so a new installation shows its decisions before anyone lets it act.
    #[default]
    DryRun,
    /// Decide and act.
    Apply,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::DryRun => "dry-run",
            Mode::Apply => "apply",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode string that is none of `off`, `dry-run`, `apply`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the remediation mode is {value:?}, expected off, dry-run or apply")]
pub struct ModeError {
    pub value: String,
}

impl FromStr for Mode {
    type Err = ModeError;

    /// Case and surrounding blanks are ignored; `dry_run` and `dryrun` are accepted for `dry-run`
    /// because environment variables are often written that way.
    fn from_str(s: &str) -> Result<Mode, ModeError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(Mode::Off),
            "dry-run" | "dry_run" | "dryrun" => Ok(Mode::DryRun),
            "apply" => Ok(Mode::Apply),
            _ => Err(ModeError {
                value: s.to_owned(),
            }),
        }
    }
}

/// The kill switch: when engaged, nothing is decided, whatever the mode. Read on every invocation
/// (from a table item, by the adapter), so flipping it needs no deploy. A missing item means
/// released: the switch exists to stop the remediator, not to be required for it to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KillSwitch {
    #[default]
    Released,
    Engaged,
}

impl KillSwitch {
    pub fn as_str(self) -> &'static str {
        match self {
            KillSwitch::Released => "released",
            KillSwitch::Engaged => "engaged",
        }
    }

    pub fn is_engaged(self) -> bool {
        self == KillSwitch::Engaged
    }
}

impl fmt::Display for KillSwitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kill-switch value that is neither on nor off.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the kill switch is {value:?}, expected on (engaged, true, 1) or off (released, false, 0)")]
pub struct KillSwitchError {
    pub value: String,
}

impl FromStr for KillSwitch {
    type Err = KillSwitchError;

    /// An operator types this value in a console under pressure: the obvious spellings work.
    fn from_str(s: &str) -> Result<KillSwitch, KillSwitchError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "on" | "engaged" | "true" | "1" | "stop" => Ok(KillSwitch::Engaged),
            "off" | "released" | "false" | "0" => Ok(KillSwitch::Released),
            _ => Err(KillSwitchError {
                value: s.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_from_their_names_and_default_to_dry_run() {
        for (s, m) in [
            ("off", Mode::Off),
            (" Dry-Run ", Mode::DryRun),
            ("dry_run", Mode::DryRun),
            ("APPLY", Mode::Apply),
        ] {
            assert_eq!(s.parse::<Mode>(), Ok(m), "{s}");
        }
        assert_eq!(Mode::default(), Mode::DryRun);
        for m in [Mode::Off, Mode::DryRun, Mode::Apply] {
            assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
        }
    }

    #[test]
    fn an_unknown_mode_is_an_error_naming_the_value() {
        let err = "yolo".parse::<Mode>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"the remediation mode is "yolo", expected off, dry-run or apply"#
        );
    }

    #[test]
    fn the_kill_switch_parses_the_obvious_spellings() {
        assert_eq!("ON".parse(), Ok(KillSwitch::Engaged));
        assert_eq!(" true".parse(), Ok(KillSwitch::Engaged));
        assert_eq!("released".parse(), Ok(KillSwitch::Released));
        assert_eq!("0".parse(), Ok(KillSwitch::Released));
        let err = "maybe".parse::<KillSwitch>().unwrap_err();
        assert!(err.to_string().contains(r#""maybe""#));
    }
}

//! The remediator's tunables. The binary reads them from its environment once (`Config::from_env`
//! there); this crate only defines them, their defaults and the parsing of values with rules.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::mode::Mode;

const MINUTE_MS: i64 = 60_000;

/// The policy's settings. The kill switch is not here: it is read on every invocation, not at
/// start (see [`super::KillSwitch`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationConfig {
    pub mode: Mode,
    /// At most one action per workload within this long (issue 5, "Guards").
    pub cooldown_ms: i64,
    /// At most this many actions per clock hour, all workloads together (0: none).
    pub hourly_cap: u32,
    /// An incident must have counted this many stops before any action ("keep failing",
    /// "repeated").
    pub failure_threshold: u64,
    /// Never act while a deployment someone else started is younger than this.
    pub foreign_deployment_min_age_ms: i64,
    /// The `memory` action multiplies the limit by this, up to the service's cap.
    pub memory_factor: MemoryFactor,
    /// The `grace-period` action answers health-check failures of tasks that ran at most this
    /// long ("in the first minutes of a task's life").
    pub grace_period_early_ms: i64,
    /// Days the audit items are kept (DynamoDB TTL).
    pub audit_ttl_days: u32,
}

impl Default for RemediationConfig {
    fn default() -> Self {
        RemediationConfig {
            mode: Mode::DryRun,
            cooldown_ms: 30 * MINUTE_MS,
            hourly_cap: 5,
            failure_threshold: 3,
            foreign_deployment_min_age_ms: 10 * MINUTE_MS,
            memory_factor: MemoryFactor::default(),
            grace_period_early_ms: 5 * MINUTE_MS,
            audit_ttl_days: 90,
        }
    }
}

/// A factor above 1, kept as a whole percentage so the arithmetic is exact (150 = ×1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MemoryFactor {
    percent: u32,
}

impl Default for MemoryFactor {
    fn default() -> Self {
        MemoryFactor { percent: 150 }
    }
}

/// A memory factor that does not raise memory, or is not a number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the memory factor is {value:?}, expected a number above 1 and at most 10 (e.g. 1.5 or 150%)"
)]
pub struct MemoryFactorError {
    pub value: String,
}

impl MemoryFactor {
    /// Above 100 (a raise) and at most 1000 (one step should not be a tenfold bill).
    pub fn from_percent(percent: u32) -> Option<MemoryFactor> {
        (101..=1000)
            .contains(&percent)
            .then_some(MemoryFactor { percent })
    }

    pub fn percent(self) -> u32 {
        self.percent
    }

    /// `mib` × the factor, rounded up so a small limit still grows.
    pub fn apply(self, mib: u32) -> u64 {
        (u64::from(mib) * u64::from(self.percent)).div_ceil(100)
    }
}

impl fmt::Display for MemoryFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "×{}.{:02}", self.percent / 100, self.percent % 100)
    }
}

impl FromStr for MemoryFactor {
    type Err = MemoryFactorError;

    /// `1.5`, `2` or `150%`; at most two decimals.
    fn from_str(s: &str) -> Result<MemoryFactor, MemoryFactorError> {
        let err = || MemoryFactorError {
            value: s.to_owned(),
        };
        let t = s.trim();
        let percent = if let Some(p) = t.strip_suffix('%') {
            p.trim().parse::<u32>().map_err(|_| err())?
        } else {
            let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
            if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            let whole: u32 = whole.parse().map_err(|_| err())?;
            let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| err())?;
            whole
                .checked_mul(100)
                .and_then(|w| w.checked_add(frac))
                .ok_or_else(err)?
        };
        MemoryFactor::from_percent(percent).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_factors_parse_as_decimals_or_percentages() {
        for (s, p) in [
            ("1.5", 150),
            ("2", 200),
            (" 1.25 ", 125),
            ("150%", 150),
            ("1.1", 110),
        ] {
            assert_eq!(
                s.parse::<MemoryFactor>().map(MemoryFactor::percent),
                Ok(p),
                "{s}"
            );
        }
    }

    #[test]
    fn a_factor_that_does_not_raise_memory_is_refused_naming_the_value() {
        for s in ["1", "0.9", "1.005", "abc", "", "11", "-2", "1.x"] {
            let err = s.parse::<MemoryFactor>().unwrap_err();
            assert!(err.to_string().contains(&format!("{s:?}")), "{err}");
        }
    }

    #[test]
    fn the_factor_rounds_up() {
        let f = MemoryFactor::from_percent(150).unwrap();
        assert_eq!(f.apply(512), 768);
        assert_eq!(f.apply(1), 2);
        assert_eq!(f.apply(u32::MAX), 6_442_450_943);
    }
}

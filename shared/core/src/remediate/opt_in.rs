//! The opt-in, read from the ECS service's tags (issue 5, "Opt-in and modes": a workload is
//! eligible only with a service tag). The tag names are documented in the module doc of
//! [`crate::remediate`].

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::action::ActionKind;

/// Comma-separated action names: `rollback`, `memory`, `grace-period`.
pub const REMEDIATE_TAG: &str = "ecs-triage:remediate";
/// The memory (MiB) the `memory` action never goes above.
pub const MEMORY_MAX_TAG: &str = "ecs-triage:memory-max-mib";
/// The `healthCheckGracePeriodSeconds` the `grace-period` action never goes above.
pub const GRACE_PERIOD_MAX_TAG: &str = "ecs-triage:grace-period-max-seconds";

/// ECS takes `healthCheckGracePeriodSeconds` as a 32-bit signed integer.
const GRACE_PERIOD_LIMIT: u32 = i32::MAX as u32;

/// A service's opt-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptIn {
    /// The actions the service allows; empty when the tag is absent or names none.
    pub actions: BTreeSet<ActionKind>,
    /// Entries of the tag that are not action names, as written (reported, never fatal, so a typo
    /// in one name does not disable the others).
    pub unknown: Vec<String>,
    pub memory_max_mib: Option<u32>,
    pub grace_period_max_s: Option<u32>,
}

/// A cap tag whose value is not a usable number. Fatal for the decision: a cap is a safety
/// limit, and guessing one would be worse than not acting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the service tag {tag} is {value:?}, expected {expected}")]
pub struct OptInError {
    pub tag: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl OptIn {
    /// Reads the opt-in from a service's tags (key → value; keys are case-sensitive in ECS).
    pub fn from_tags(tags: &BTreeMap<String, String>) -> Result<OptIn, OptInError> {
        let mut opt_in = OptIn::default();
        if let Some(value) = tags.get(REMEDIATE_TAG) {
            for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                match ActionKind::from_tag(entry) {
                    Some(kind) => {
                        opt_in.actions.insert(kind);
                    }
                    None => opt_in.unknown.push(entry.to_owned()),
                }
            }
        }
        opt_in.memory_max_mib = cap(
            tags,
            MEMORY_MAX_TAG,
            u32::MAX,
            "a whole number of MiB above 0",
        )?;
        opt_in.grace_period_max_s = cap(
            tags,
            GRACE_PERIOD_MAX_TAG,
            GRACE_PERIOD_LIMIT,
            "a whole number of seconds from 1 to 2147483647",
        )?;
        Ok(opt_in)
    }

    pub fn allows(&self, kind: ActionKind) -> bool {
        self.actions.contains(&kind)
    }
}

fn cap(
    tags: &BTreeMap<String, String>,
    tag: &'static str,
    max: u32,
    expected: &'static str,
) -> Result<Option<u32>, OptInError> {
    let Some(raw) = tags.get(tag) else {
        return Ok(None);
    };
    match raw.trim().parse::<u32>() {
        Ok(n) if n > 0 && n <= max => Ok(Some(n)),
        _ => Err(OptInError {
            tag,
            value: raw.clone(),
            expected,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn no_tag_means_no_action() {
        let o = OptIn::from_tags(&tags(&[("team", "payments")])).unwrap();
        assert!(o.actions.is_empty());
        assert!(o.unknown.is_empty());
    }

    #[test]
    fn names_are_read_with_blanks_and_case_ignored_and_unknown_ones_kept() {
        let o = OptIn::from_tags(&tags(&[(
            REMEDIATE_TAG,
            " Rollback, grace-period,,restart ,memroy",
        )]))
        .unwrap();
        assert_eq!(
            o.actions,
            BTreeSet::from([ActionKind::Rollback, ActionKind::GracePeriod])
        );
        assert_eq!(o.unknown, vec!["restart", "memroy"]);
    }

    #[test]
    fn caps_are_read_from_their_tags() {
        let o = OptIn::from_tags(&tags(&[
            (REMEDIATE_TAG, "memory"),
            (MEMORY_MAX_TAG, "4096"),
            (GRACE_PERIOD_MAX_TAG, " 300 "),
        ]))
        .unwrap();
        assert_eq!(o.memory_max_mib, Some(4096));
        assert_eq!(o.grace_period_max_s, Some(300));
    }

    #[test]
    fn a_malformed_cap_is_an_error_naming_the_tag_and_the_value() {
        for (tag, value) in [
            (MEMORY_MAX_TAG, "4GB"),
            (MEMORY_MAX_TAG, "0"),
            (MEMORY_MAX_TAG, "-1"),
            (GRACE_PERIOD_MAX_TAG, "2147483648"),
            (GRACE_PERIOD_MAX_TAG, ""),
        ] {
            let err = OptIn::from_tags(&tags(&[(tag, value)])).unwrap_err();
            assert_eq!(err.tag, tag);
            let text = err.to_string();
            assert!(
                text.contains(tag) && text.contains(&format!("{value:?}")),
                "{text}"
            );
        }
    }
}

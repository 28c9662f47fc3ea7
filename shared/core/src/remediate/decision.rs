//! The decision and what becomes of it after the guard.
//!
//! The types make the unsafe path unwritable rather than merely wrong: the port that changes a
//! service ([`super::ActionApplier`]) takes an [`Approved`], and the only way to get one is
//! [`Plan::settle`] on a plan made in `apply` mode with the guard acquired. A dry-run plan settles
//! into [`Outcome::DryRun`], which carries the same action for the audit and the announcement but
//! cannot be applied.

use super::action::Action;
use super::guard::{GuardClaim, GuardOutcome, Held};
use super::mode::Mode;
use super::reason::SkipReason;

/// What the policy decided for one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every rule allows the action; the guard is still to be taken.
    Act(Plan),
    Skip(SkipReason),
}

impl Decision {
    pub fn plan(&self) -> Option<&Plan> {
        match self {
            Decision::Act(p) => Some(p),
            Decision::Skip(_) => None,
        }
    }

    pub fn skip_reason(&self) -> Option<&SkipReason> {
        match self {
            Decision::Act(_) => None,
            Decision::Skip(r) => Some(r),
        }
    }
}

/// An action the policy allows, in dry-run or apply mode, with the guard claim to take first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Boxed: a decision to skip, the common case, should not carry a plan's size.
    inner: Box<PlanInner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PlanInner {
    action: Action,
    /// Never `Off`: `decide` skips in that mode.
    mode: Mode,
    claim: GuardClaim,
}

impl Plan {
    pub(super) fn new(action: Action, mode: Mode, claim: GuardClaim) -> Plan {
        Plan {
            inner: Box::new(PlanInner {
                action,
                mode,
                claim,
            }),
        }
    }

    pub fn action(&self) -> &Action {
        &self.inner.action
    }

    /// `DryRun` or `Apply`.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// True unless the plan was made in `apply` mode: anything else is a rehearsal.
    pub fn is_dry_run(&self) -> bool {
        self.inner.mode != Mode::Apply
    }

    /// What the adapter writes to take the guard.
    pub fn claim(&self) -> &GuardClaim {
        &self.inner.claim
    }

    /// The plan after the guard's conditional write.
    pub fn settle(self, guard: GuardOutcome) -> Outcome {
        let PlanInner {
            action,
            mode,
            claim,
        } = *self.inner;
        match guard {
            GuardOutcome::Held(Held::Workload { until_ms }) => {
                Outcome::Skip(SkipReason::LockedByAnother { until_ms })
            }
            GuardOutcome::Held(Held::Hourly) => Outcome::Skip(SkipReason::HourlyCapReached {
                cap: claim.hourly_cap,
            }),
            GuardOutcome::Acquired if mode == Mode::Apply => Outcome::Apply(Approved { action }),
            GuardOutcome::Acquired => Outcome::DryRun(action),
        }
    }
}

/// The final word on one incident: what the audit records and the announcement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Apply this action now.
    Apply(Approved),
    /// Dry run: this action would have been applied.
    DryRun(Action),
    Skip(SkipReason),
}

impl Outcome {
    /// The action applied or rehearsed.
    pub fn action(&self) -> Option<&Action> {
        match self {
            Outcome::Apply(a) => Some(a.action()),
            Outcome::DryRun(a) => Some(a),
            Outcome::Skip(_) => None,
        }
    }

    pub fn skip_reason(&self) -> Option<&SkipReason> {
        match self {
            Outcome::Skip(r) => Some(r),
            Outcome::Apply(_) | Outcome::DryRun(_) => None,
        }
    }
}

/// A decision to skip needs no guard: it is final as it is.
impl From<SkipReason> for Outcome {
    fn from(reason: SkipReason) -> Outcome {
        Outcome::Skip(reason)
    }
}

/// An action cleared to change a service: decided in `apply` mode, guard acquired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    action: Action,
}

impl Approved {
    pub fn action(&self) -> &Action {
        &self.action
    }

    /// For adapter tests that exercise the applier without the policy (feature `test-util`).
    #[cfg(any(test, feature = "test-util"))]
    pub fn for_tests(action: Action) -> Approved {
        Approved { action }
    }
}

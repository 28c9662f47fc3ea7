//! The policy: `decide(input) -> Act(plan) | Skip(reason)`, pure and total.
//!
//! The rules run from the broadest to the most specific, so the reason given is the one that
//! matters most to the reader: first whether remediation runs at all (mode, kill switch), then
//! whether this incident is a candidate (open, a service, not excluded, a category with a fix),
//! then whether the service asked for that fix (opt-in) and whether the failure is established
//! (threshold, the revision running now), then the action's own preconditions, and last the
//! guards of timing (a foreign deployment, the cooldown, the hourly cap), which say "not now"
//! rather than "never".

use crate::incident::{IncidentStatus, WorkloadKind};

use super::action::{Action, ActionKind, ServiceRef, TaskDefinitionRef};
use super::config::RemediationConfig;
use super::decision::{Decision, Plan};
use super::guard::GuardClaim;
use super::input::{DecisionInput, Initiator, WorkloadState};
use super::mode::Mode;
use super::opt_in::OptIn;
use super::reason::SkipReason;
use super::remedy::remedies;
use super::{grace_period, memory, rollback};

/// What an action's preconditions read.
pub(super) struct Context<'a> {
    pub config: &'a RemediationConfig,
    pub state: &'a WorkloadState,
    pub opt_in: &'a OptIn,
    /// The service's task definition now, which is also the failing one.
    pub current: &'a TaskDefinitionRef,
    pub service: &'a ServiceRef,
}

/// Decides what to do about one incident.
pub fn decide(input: &DecisionInput) -> Decision {
    match plan(input) {
        Ok(plan) => Decision::Act(plan),
        Err(reason) => Decision::Skip(reason),
    }
}

fn plan(input: &DecisionInput) -> Result<Plan, SkipReason> {
    let config = &input.config;
    let incident = &input.incident;
    let workload = &incident.key.workload;

    if config.mode == Mode::Off {
        return Err(SkipReason::ModeOff);
    }
    if input.kill_switch.is_engaged() {
        return Err(SkipReason::KillSwitchEngaged);
    }
    if incident.status != IncidentStatus::Open {
        return Err(SkipReason::IncidentNotOpen);
    }
    if workload.kind == WorkloadKind::Family {
        return Err(SkipReason::NotAService {
            family: workload.name.clone(),
        });
    }
    let state = input
        .workload
        .as_ref()
        .ok_or_else(|| SkipReason::ServiceNotFound {
            cluster: workload.cluster.clone(),
            service: workload.name.clone(),
        })?;
    if let Some(exclusion) = &state.exclusion {
        return Err(SkipReason::Excluded(exclusion.clone()));
    }
    let category = incident.key.category;
    if incident.expected {
        return Err(SkipReason::ExpectedStop { category });
    }
    let remedies = remedies(category)?;

    let opt_in = OptIn::from_tags(&state.tags).map_err(SkipReason::InvalidOptIn)?;
    if opt_in.actions.is_empty() {
        return Err(SkipReason::NotOptedIn {
            unknown: opt_in.unknown.clone(),
        });
    }
    let wanted: Vec<ActionKind> = remedies
        .iter()
        .copied()
        .filter(|k| opt_in.allows(*k))
        .collect();
    let Some((&first, rest)) = wanted.split_first() else {
        return Err(SkipReason::ActionNotOptedIn {
            category,
            remedies: remedies.to_vec(),
            opted: opt_in.actions.iter().copied().collect(),
        });
    };

    if incident.count < config.failure_threshold {
        return Err(SkipReason::BelowThreshold {
            count: incident.count,
            threshold: config.failure_threshold,
        });
    }
    let current = failing_revision(input, state)?;

    let service = ServiceRef {
        cluster: workload.cluster.clone(),
        service: workload.name.clone(),
        region: incident.last.subject.region.clone(),
    };
    let ctx = Context {
        config,
        state,
        opt_in: &opt_in,
        current,
        service: &service,
    };
    let action = first_feasible(first, rest, &ctx)?;

    timing(input, state)?;

    let claim = GuardClaim::new(
        workload,
        config.mode,
        &action,
        &incident.id,
        input.now_ms,
        config.cooldown_ms,
        config.hourly_cap,
    );
    Ok(Plan::new(action, config.mode, claim))
}

/// The service's current task definition, provided it is the revision the incident is about
/// (issue 5: act on "the service's current deployment's tasks"). If someone already moved the
/// service on, the failures are history and acting would undo their change.
fn failing_revision<'a>(
    input: &DecisionInput,
    state: &'a WorkloadState,
) -> Result<&'a TaskDefinitionRef, SkipReason> {
    let incident = &input.incident;
    if incident.key.revision == 0 {
        return Err(SkipReason::IncidentRevisionUnknown);
    }
    let current = state
        .current
        .as_ref()
        .filter(|c| !c.family.is_empty() && c.revision > 0)
        .ok_or(SkipReason::CurrentRevisionUnknown)?;
    let other_family = incident
        .last
        .subject
        .family
        .as_deref()
        .is_some_and(|f| f != current.family);
    if current.revision != incident.key.revision || other_family {
        return Err(SkipReason::NotCurrentRevision {
            incident_revision: incident.key.revision,
            current: current.family_revision(),
        });
    }
    Ok(current)
}

/// The first wanted action whose preconditions hold; otherwise the reason of the first one, the
/// most important (see [`remedies`]).
fn first_feasible(
    first: ActionKind,
    rest: &[ActionKind],
    ctx: &Context<'_>,
) -> Result<Action, SkipReason> {
    let reason = match propose(first, ctx) {
        Ok(action) => return Ok(action),
        Err(reason) => reason,
    };
    rest.iter()
        .find_map(|kind| propose(*kind, ctx).ok())
        .ok_or(reason)
}

fn propose(kind: ActionKind, ctx: &Context<'_>) -> Result<Action, SkipReason> {
    match kind {
        ActionKind::Rollback => rollback::propose(ctx),
        ActionKind::Memory => memory::propose(ctx),
        ActionKind::GracePeriod => grace_period::propose(ctx),
    }
}

/// Issue 5, "Guards": never while someone else's deployment is younger than N minutes, at most
/// one action per workload within the cooldown, at most the hourly cap in all. These read the
/// guard items as they were; the conditional write in the adapter is what makes them hold under
/// concurrency.
fn timing(input: &DecisionInput, state: &WorkloadState) -> Result<(), SkipReason> {
    let config = &input.config;
    let now = input.now_ms;
    if let Some(d) = &state.newest_deployment {
        if let Initiator::Other(by) = &d.initiator {
            // A creation time in the future (clock skew) counts as brand new: wait.
            let age_ms = now.saturating_sub(d.created_at_ms);
            if age_ms < config.foreign_deployment_min_age_ms {
                return Err(SkipReason::ForeignDeployment {
                    id: d.id.clone(),
                    by: by.clone(),
                    age_ms,
                    min_age_ms: config.foreign_deployment_min_age_ms,
                });
            }
        }
    }
    if let Some(last) = input.guard.last_action {
        let until_ms = last.at_ms.saturating_add(config.cooldown_ms.max(0));
        if now < until_ms {
            return Err(SkipReason::CoolingDown {
                last: last.kind,
                at_ms: last.at_ms,
                until_ms,
            });
        }
    }
    if input.guard.actions_this_hour >= config.hourly_cap {
        return Err(SkipReason::HourlyCapReached {
            cap: config.hourly_cap,
        });
    }
    Ok(())
}

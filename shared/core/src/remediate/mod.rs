//! The remediator's policy (issue 5): given an incident, the service's state and its opt-in,
//! decide `Act(plan) | Skip(reason)`. Pure and synchronous: the time is passed in, and the
//! adapters read and write everything through the [ports](ActionApplier).
//!
//! # Opt-in: service tags
//!
//! | tag | value | meaning |
//! |---|---|---|
//! | `ecs-triage:remediate` | comma-separated `rollback`, `memory`, `grace-period` | the actions allowed on this service; unknown names are reported in the audit and ignored |
//! | `ecs-triage:memory-max-mib` | a whole number of MiB | the `memory` action never goes above it; required for that action |
//! | `ecs-triage:grace-period-max-seconds` | whole seconds, at most 2147483647 | the `grace-period` action never goes above it; required for that action |
//!
//! A cap that is not a number ([`OptInError`]) stops every action on the service until it is
//! fixed: a cap is a safety limit, not something to guess.
//!
//! # Mode and kill switch
//!
//! [`Mode`] `off | dry-run | apply` (default `dry-run`) is configuration, read at start. The
//! [`KillSwitch`] is read on every invocation (the adapter keeps it in a table item), so it stops
//! the remediator without a deploy. Off or engaged: every incident is skipped with that reason.
//!
//! # The rules, in order (see [`decide`])
//!
//! 1. mode not `off`; kill switch released;
//! 2. the incident is open, about a service (not standalone tasks) that exists and is not
//!    excluded (the stack's own, or listed);
//! 3. the category has a fix ([`remedies`]): application or health-check failures only; never
//!    the platform (Spot, maintenance, capacity, hosts, placement) nor an expected stop;
//! 4. the service opted in to one of those fixes;
//! 5. the incident has counted at least `failure_threshold` stops, and is about the revision the
//!    service runs now;
//! 6. the action's own preconditions: `rollback` needs a last-known-healthy revision other than
//!    the current one; `memory` (OOM kills) raises to `min(current × factor, cap)` unless already
//!    at the cap; `grace-period` (ELB health checks failing within the first minutes of a task)
//!    raises up to the cap;
//! 7. no deployment by someone else younger than `foreign_deployment_min_age_ms`; no action on
//!    the workload within the cooldown; fewer than `hourly_cap` actions this hour.
//!
//! # What the adapter does with a decision
//!
//! ```text
//! kill = KillSwitchReader::kill_switch()
//! state = WorkloadStateReader::workload_state(incident)
//! guard = RemediationGuard::read(GuardKeys::new(workload, mode, now))
//! outcome = match decide(input) {
//!     Skip(reason) => Outcome::Skip(reason),
//!     Act(plan)    => plan.settle(RemediationGuard::acquire(plan.claim())),
//! }
//! audit = AuditRecord::new(input, outcome); AuditLog::write(audit)
//! if let Outcome::Apply(approved) = outcome {
//!     result = ActionApplier::apply(approved); AuditLog::write(audit.with_result(result))
//! }
//! announce DryRun and Apply outcomes with audit.undo_command
//! ```
//!
//! Dry runs take the guard too (with their own keys, see [`GuardKeys`]), so the audit of a dry
//! run shows exactly what apply would have done, once per cooldown rather than once per stopped
//! task.

mod action;
mod audit;
mod commands;
mod config;
mod decide;
mod decision;
mod fargate;
mod follow_up;
mod gather;
mod grace_period;
mod guard;
mod input;
mod memory;
mod mode;
mod opt_in;
mod ports;
mod reason;
mod remedy;
mod rollback;
mod run;
mod state;

#[cfg(test)]
mod tests;

pub use action::{Action, ActionKind, MemoryScope, ServiceRef, TaskDefinitionRef};
pub use audit::{audit_sort_key, ApplyResult, AuditOutcome, AuditRecord, InputsSummary};
pub use commands::{apply_command, undo_command};
pub use config::{MemoryFactor, MemoryFactorError, RemediationConfig};
pub use decide::decide;
pub use decision::{Approved, Decision, Outcome, Plan};
pub use follow_up::{after_incident, after_recovery, FollowUp};
pub use gather::{record_recovery, EcsWorkloadState, Exclusions};
pub use guard::{GuardClaim, GuardKeys, GuardOutcome, Held, ItemKey};
pub use input::{
    DecisionInput, DeploymentInfo, Exclusion, GuardState, HealthyRecord, HealthyRevision,
    Initiator, LastAction, MemoryLimit, OpenAction, WorkloadState,
};
pub use mode::{KillSwitch, KillSwitchError, Mode, ModeError};
pub use opt_in::{OptIn, OptInError, GRACE_PERIOD_MAX_TAG, MEMORY_MAX_TAG, REMEDIATE_TAG};
pub use ports::{
    ActionApplier, Applied, AuditLog, HealthyRevisionStore, KillSwitchReader, RemediationGuard,
    WorkloadStateReader,
};
pub use reason::SkipReason;
pub use remedy::remedies;
pub use run::{Handled, Remediator};
pub use state::{
    healthy_revision, task_definition_ref, workload_state, WorkloadFacts, STACK_NAME_TAG,
};

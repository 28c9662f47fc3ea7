//! One decision, end to end, over the ports: read the kill switch, the guard and the service,
//! decide, take the guard, audit, apply, audit the result, announce. The Lambda calls
//! [`Remediator::on_incident`] for each incident the stream shows counting a new stop, and
//! [`Remediator::on_healthy`] for each new last-known-healthy record, which may close an
//! applied action's follow-up.
//!
//! Order matters for safety:
//! - the audit item is written before ECS is called, so a crash mid-action still leaves a trace;
//! - [`ActionApplier::apply`] takes an [`Approved`](super::Approved), which only an apply-mode
//!   plan whose guard was acquired yields: no lock, no action;
//! - a port error before the guard is taken fails the record (the stream retries it, and the
//!   decision is made again from scratch); after the guard is taken, the lock holds any retry to
//!   the cooldown, so nothing is done twice.

use crate::incident::{Incident, Workload};
use crate::ports::{Notifier, PortError};
use crate::render::remediation_notification;

use super::audit::{ApplyResult, AuditRecord};
use super::config::RemediationConfig;
use super::decide::decide;
use super::decision::{Decision, Outcome};
use super::follow_up::{after_incident, after_recovery, FollowUp};
use super::guard::GuardKeys;
use super::input::{DecisionInput, HealthyRevision, OpenAction};
use super::mode::Mode;
use super::ports::{
    ActionApplier, AuditLog, KillSwitchReader, RemediationGuard, WorkloadStateReader,
};

/// The ports and settings of the remediator.
#[derive(Clone, Copy)]
pub struct Remediator<'a> {
    pub config: &'a RemediationConfig,
    pub kill_switch: &'a dyn KillSwitchReader,
    pub workloads: &'a dyn WorkloadStateReader,
    pub guard: &'a dyn RemediationGuard,
    pub audit: &'a dyn AuditLog,
    pub applier: &'a dyn ActionApplier,
    pub notifier: &'a dyn Notifier,
}

impl std::fmt::Debug for Remediator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remediator")
            .field("config", self.config)
            .finish_non_exhaustive()
    }
}

/// What one call did, for the function's log line and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The decision's audit record, with the result of applying when there is one.
    pub audit: Option<AuditRecord>,
    /// An outcome recorded for an earlier action.
    pub follow_up: Option<FollowUp>,
    /// The announcement could not be published (the action and its audit stand; see the
    /// module docs of the Lambda for why this does not fail the record).
    pub announce_error: Option<PortError>,
}

impl Remediator<'_> {
    /// Decides about an incident that just counted a stop, and acts on the decision.
    pub async fn on_incident(
        &self,
        incident: &Incident,
        now_ms: i64,
    ) -> Result<Handled, PortError> {
        let workload = &incident.key.workload;
        let keys = GuardKeys::new(workload, self.config.mode, now_ms);
        let guard = self.guard.read(&keys).await?;
        // Only apply mode changes services, so only its lock can hold an action awaiting its
        // outcome.
        let follow_up = match (&guard.open, self.config.mode) {
            (Some(open), Mode::Apply) => match after_incident(open, incident) {
                Some(f) => self.record(&keys, open, f).await?,
                None => None,
            },
            _ => None,
        };

        let kill_switch = self.kill_switch.kill_switch().await?;
        // Off or stopped: decide without reading the service (the policy's first rules do not
        // need it; the audit then shows `service_found: false`).
        let active = self.config.mode != Mode::Off && !kill_switch.is_engaged();
        let state = if active {
            self.workloads
                .workload_state(incident, guard.own_deployment_id.as_deref())
                .await?
        } else {
            None
        };
        let input = DecisionInput {
            incident: incident.clone(),
            workload: state,
            guard,
            config: self.config.clone(),
            kill_switch,
            now_ms,
        };
        let outcome = match decide(&input) {
            Decision::Skip(reason) => Outcome::Skip(reason),
            Decision::Act(plan) => {
                let held = self.guard.acquire(plan.claim()).await?;
                plan.settle(held)
            }
        };
        let mut audit = AuditRecord::new(&input, &outcome);
        self.audit.write(&audit).await?;
        if let Outcome::Apply(approved) = &outcome {
            let result = self.applier.apply(approved).await;
            audit = audit.with_result(ApplyResult::of(&result));
            // The action happened (or failed) whatever the audit write does next; a failure
            // here fails the record, and the retry finds the lock held: nothing twice.
            self.audit.write(&audit).await?;
            if let Ok(applied) = &result {
                self.guard
                    .record_applied(&keys.lock, now_ms, applied)
                    .await?;
            }
        }
        let announce_error = match remediation_notification(&audit) {
            Some(n) => self.notifier.publish(&n).await.err(),
            None => None,
        };
        Ok(Handled {
            audit: Some(audit),
            follow_up,
            announce_error,
        })
    }

    /// A new last-known-healthy record: closes the follow-up of an applied action.
    pub async fn on_healthy(
        &self,
        workload: &Workload,
        healthy: &HealthyRevision,
        now_ms: i64,
    ) -> Result<Handled, PortError> {
        let follow_up = match self.open_action(workload, now_ms).await? {
            Some((keys, open)) => match after_recovery(&open, healthy) {
                Some(f) => self.record(&keys, &open, f).await?,
                None => None,
            },
            None => None,
        };
        Ok(Handled {
            audit: None,
            follow_up,
            announce_error: None,
        })
    }

    /// The applied action on this workload still waiting for its outcome.
    async fn open_action(
        &self,
        workload: &Workload,
        now_ms: i64,
    ) -> Result<Option<(GuardKeys, OpenAction)>, PortError> {
        if self.config.mode != Mode::Apply {
            return Ok(None);
        }
        let keys = GuardKeys::new(workload, Mode::Apply, now_ms);
        let state = self.guard.read(&keys).await?;
        Ok(state.open.map(|open| (keys, open)))
    }

    async fn record(
        &self,
        keys: &GuardKeys,
        open: &OpenAction,
        follow_up: FollowUp,
    ) -> Result<Option<FollowUp>, PortError> {
        let written = self.audit.follow_up(&keys.lock, open, &follow_up).await?;
        Ok(written.then_some(follow_up))
    }
}

//! The ports the remediator Lambda needs, as small traits named for their role. Adapters in
//! `shared/aws` implement them (ECS, DynamoDB); every method returns [`PortError`] on failure, and
//! a transient one should fail the stream record (reported in `batchItemFailures`) so it is
//! retried, never guessed around.

use async_trait::async_trait;

use crate::incident::{Incident, Workload};
use crate::ports::PortError;

use super::audit::{ApplyResult, AuditRecord};
use super::decision::Approved;
use super::follow_up::FollowUp;
use super::guard::{GuardClaim, GuardKeys, GuardOutcome, ItemKey};
use super::input::{GuardState, HealthyRevision, OpenAction, WorkloadState};
use super::mode::KillSwitch;

/// The service's state as the policy reads it: ECS `DescribeServices` (with tags), the
/// deployments, the memory limit in the current task definition, the last task's run time, and
/// the responder's `STATE` item (the last-known-healthy revision).
#[async_trait]
pub trait WorkloadStateReader: Send + Sync {
    /// `None` when the service does not exist (any more). `own_deployment_id` is the
    /// deployment the remediator's last applied action started ([`GuardState`]), so that one is
    /// not taken for someone else's.
    async fn workload_state(
        &self,
        incident: &Incident,
        own_deployment_id: Option<&str>,
    ) -> Result<Option<WorkloadState>, PortError>;
}

/// The kill switch, read on every invocation so it takes effect without a deploy. A missing
/// switch is [`KillSwitch::Released`]; an unreadable one is an error, not a guess.
#[async_trait]
pub trait KillSwitchReader: Send + Sync {
    async fn kill_switch(&self) -> Result<KillSwitch, PortError>;
}

/// The cooldown lock and the hourly bucket (conditional writes; see [`GuardClaim`]).
#[async_trait]
pub trait RemediationGuard: Send + Sync {
    /// What the guard items say now (the lock's last action, the hour's count); absent items
    /// read as [`GuardState::default`].
    async fn read(&self, keys: &GuardKeys) -> Result<GuardState, PortError>;

    /// Takes the lock and counts the action in its hour, both or neither.
    async fn acquire(&self, claim: &GuardClaim) -> Result<GuardOutcome, PortError>;

    /// Marks the lock taken at `at_ms` as applied, with what ECS returned, so the next decision
    /// knows the deployment is the remediator's own and the outcome is awaited
    /// ([`GuardState::open`]). Does nothing if the lock was taken again since.
    async fn record_applied(
        &self,
        lock: &ItemKey,
        at_ms: i64,
        applied: &Applied,
    ) -> Result<(), PortError>;
}

/// Where audit records go. Written once before applying (so a crash mid-action still leaves a
/// trace) and again with the result: the key is the same, so the second write replaces the first.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn write(&self, record: &AuditRecord) -> Result<(), PortError>;

    /// Records how the service fared on the audit item of `open` and closes it on the lock,
    /// once: false when another invocation recorded an outcome first, or the lock moved on.
    async fn follow_up(
        &self,
        lock: &ItemKey,
        open: &OpenAction,
        follow_up: &FollowUp,
    ) -> Result<bool, PortError>;
}

/// The last-known-healthy revision of each service (the `STATE` item), written by the responder
/// on recoveries and read by the remediator before a rollback.
#[async_trait]
pub trait HealthyRevisionStore: Send + Sync {
    async fn last_healthy(&self, workload: &Workload)
        -> Result<Option<HealthyRevision>, PortError>;

    /// Stores `revision` unless a later record is already there (events arrive out of order).
    async fn record_healthy(
        &self,
        workload: &Workload,
        revision: &HealthyRevision,
    ) -> Result<(), PortError>;
}

/// Changes the service: `UpdateService`, and `RegisterTaskDefinition` first for a memory raise.
/// Takes an [`Approved`], which only an `apply`-mode plan with the guard acquired yields.
#[async_trait]
pub trait ActionApplier: Send + Sync {
    async fn apply(&self, approved: &Approved) -> Result<Applied, PortError>;
}

/// What ECS returned for an applied action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The deployment `UpdateService` started: the adapter records it so a later decision knows
    /// this deployment is the remediator's own, not a foreign one.
    pub deployment_id: Option<String>,
    /// The revision registered by a memory raise.
    pub task_definition_arn: Option<String>,
}

impl ApplyResult {
    /// The audit's view of an apply call.
    pub fn of(result: &Result<Applied, PortError>) -> ApplyResult {
        match result {
            Ok(a) => ApplyResult::Accepted {
                deployment_id: a.deployment_id.clone(),
                task_definition_arn: a.task_definition_arn.clone(),
            },
            Err(e) => ApplyResult::Failed {
                message: e.to_string(),
            },
        }
    }
}

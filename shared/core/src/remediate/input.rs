//! Everything a decision reads, gathered by the adapter before calling [`super::decide`]: the
//! incident, the workload's state, the guard's state, the settings, the kill switch and the time.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::incident::{Incident, Workload};

use super::action::{Action, ActionKind, MemoryScope, TaskDefinitionRef};
use super::config::RemediationConfig;
use super::mode::KillSwitch;

/// The inputs of one decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput {
    /// The incident as the stream delivered it (its new image).
    pub incident: Incident,
    /// The service's state; `None` when the service no longer exists.
    pub workload: Option<WorkloadState>,
    pub guard: GuardState,
    pub config: RemediationConfig,
    pub kill_switch: KillSwitch,
    pub now_ms: i64,
}

/// The service as it is now, plus what the responder recorded about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadState {
    /// Service tags (key → value): the opt-in and the caps.
    pub tags: BTreeMap<String, String>,
    /// The service's task definition now (DescribeServices `taskDefinition`).
    pub current: Option<TaskDefinitionRef>,
    /// The last task definition that reached a completed deployment or a steady state, as the
    /// responder recorded it (the `STATE` item).
    pub last_healthy: Option<HealthyRevision>,
    /// The newest deployment of the service (by creation time).
    pub newest_deployment: Option<DeploymentInfo>,
    /// Set when the service must never be touched.
    pub exclusion: Option<Exclusion>,
    /// The memory limit the OOM-killed container ran under, in the current revision.
    pub memory: Option<MemoryLimit>,
    /// The task's CPU units when the current revision runs on Fargate (its `requiresCompatibilities`
    /// name `FARGATE`): a task-level memory raise must then be a Fargate task size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_cpu_units: Option<u32>,
    /// The service's `healthCheckGracePeriodSeconds`; `None` when unset (ECS then uses 0).
    pub grace_period_s: Option<u32>,
    /// How long the incident's latest stopped task ran (`startedAt` → `stoppedAt`), for the
    /// `grace-period` action; `None` when unknown (the task never started, or is gone).
    pub last_task_uptime_ms: Option<i64>,
}

/// A revision the responder saw healthy, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthyRevision {
    pub task_definition: TaskDefinitionRef,
    pub recorded_at_ms: i64,
}

/// The `STATE` item's document: the revision and the service it belongs to (the stream consumer
/// sees only the item, so the workload travels with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthyRecord {
    pub workload: Workload,
    pub revision: HealthyRevision,
}

/// A service deployment: who started it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentInfo {
    pub id: String,
    pub created_at_ms: i64,
    pub initiator: Initiator,
}

/// Who started a deployment. ECS does not say; the adapter knows the deployments the remediator
/// started (it records the id `UpdateService` returned) and calls every other one foreign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "name")]
pub enum Initiator {
    /// The remediator itself.
    Remediator,
    /// A person or another tool, named when known (CloudTrail, `startedBy`).
    Other(Option<String>),
}

/// Why a service is out of bounds whatever its tags say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// Part of the ecs-triage stack itself (issue 5: "never act on the stack's own functions").
    OwnStack,
    /// Listed in the remediator's exclusions.
    Configured,
}

/// The memory limit an OOM kill hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryLimit {
    pub scope: MemoryScope,
    pub mib: u32,
}

/// What the guard items said when read (advisory: the conditional write is what holds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardState {
    /// The last action (or dry-run action) on this workload in this mode.
    pub last_action: Option<LastAction>,
    /// Actions in this mode in the current clock hour, all workloads together.
    pub actions_this_hour: u32,
    /// The deployment the last applied action started (kept after its outcome is recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_deployment_id: Option<String>,
    /// The last action, when it was applied and its outcome is not recorded yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<OpenAction>,
}

/// An applied action waiting for its outcome (see [`super::follow_up`]), as the lock keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAction {
    pub action: Action,
    pub at_ms: i64,
    pub incident_id: String,
    /// The deployment `UpdateService` started: the remediator's own, not a foreign one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAction {
    pub kind: ActionKind,
    pub at_ms: i64,
}

//! From what ECS says about a service to what the policy reads (pure): which revision counts as
//! healthy when the responder sees a recovery, and the [`WorkloadState`] of a service when an
//! incident comes in. The adapters only fetch; every judgement is here, where it is tested.

use crate::diagnose::view::{ServiceView, TaskDefinitionView};
use crate::event::time::parse_rfc3339_ms;
use crate::event::TaskStateChange;
use crate::incident::Incident;

use super::action::{MemoryScope, TaskDefinitionRef};
use super::input::{
    DeploymentInfo, Exclusion, HealthyRevision, Initiator, MemoryLimit, WorkloadState,
};

/// The tag CloudFormation puts on every resource of a stack: how a service of the ecs-triage
/// stack itself is recognised ("never act on the stack's own functions").
pub const STACK_NAME_TAG: &str = "aws:cloudformation:stack-name";

/// `family:revision` out of a task definition ARN
/// (`arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>`) or out of the short
/// `family:revision` form. `None` for anything else, a missing or zero revision included: a
/// revision the policy could act on must be exact.
pub fn task_definition_ref(arn: &str) -> Option<TaskDefinitionRef> {
    let tail = match arn.split_once(":task-definition/") {
        Some((_, tail)) => tail,
        None if !arn.starts_with("arn:") => arn,
        None => return None,
    };
    let (family, revision) = tail.rsplit_once(':')?;
    let revision: u32 = revision.parse().ok().filter(|r| *r > 0)?;
    if family.is_empty() || family.contains('/') {
        return None;
    }
    Some(TaskDefinitionRef {
        arn: arn.to_owned(),
        family: family.to_owned(),
        revision,
    })
}

/// The revision to record as last known healthy after a recovery event, or `None` when the
/// service does not show one unambiguously.
///
/// - `SERVICE_DEPLOYMENT_COMPLETED` names its deployment (`deployment_id`): that deployment, if
///   it is still the primary one, its rollout is not failed and it runs its desired count.
/// - `SERVICE_STEADY_STATE` names none: the service must have a single deployment (no rollout
///   under way), not failed nor in progress, with every desired task running.
///
/// A service scaled to zero proves nothing about its revision, so it records nothing.
pub fn healthy_revision(
    service: &ServiceView,
    deployment_id: Option<&str>,
    now_ms: i64,
) -> Option<HealthyRevision> {
    let candidate = match deployment_id {
        Some(id) => service.deployments.iter().find(|d| d.id == id)?,
        None => match service.deployments.as_slice() {
            [only] => only,
            _ => return None,
        },
    };
    let rollout_ok = !matches!(
        candidate.rollout_state.as_deref(),
        Some("FAILED" | "IN_PROGRESS")
    );
    let running = candidate.desired_count > 0 && candidate.running_count >= candidate.desired_count;
    if candidate.status != "PRIMARY" || !rollout_ok || !running {
        return None;
    }
    Some(HealthyRevision {
        task_definition: task_definition_ref(&candidate.task_definition)?,
        recorded_at_ms: now_ms,
    })
}

/// What the adapter fetched about a service for one incident.
#[derive(Debug, Clone, Copy)]
pub struct WorkloadFacts<'a> {
    pub service: &'a ServiceView,
    /// The service's current task definition, described (for the memory limit).
    pub task_definition: Option<&'a TaskDefinitionView>,
    /// The responder's record.
    pub last_healthy: Option<&'a HealthyRevision>,
    /// The incident's latest stopped task, described (for its run time).
    pub last_task: Option<&'a TaskStateChange>,
    /// The deployment the remediator's last applied action started, from its lock item.
    pub own_deployment_id: Option<&'a str>,
    /// The ecs-triage stack's name (its services carry it in [`STACK_NAME_TAG`]).
    pub stack_name: Option<&'a str>,
    /// The service is in the remediator's configured exclusions.
    pub configured_exclusion: bool,
}

/// The policy's view of the service.
pub fn workload_state(facts: &WorkloadFacts<'_>, incident: &Incident) -> WorkloadState {
    let service = facts.service;
    let own_stack = facts
        .stack_name
        .filter(|s| !s.is_empty())
        .is_some_and(|s| service.tags.get(STACK_NAME_TAG).map(String::as_str) == Some(s));
    let exclusion = if own_stack {
        Some(Exclusion::OwnStack)
    } else if facts.configured_exclusion {
        Some(Exclusion::Configured)
    } else {
        None
    };
    WorkloadState {
        tags: service.tags.clone(),
        current: service
            .task_definition
            .as_deref()
            .and_then(task_definition_ref),
        last_healthy: facts.last_healthy.cloned(),
        newest_deployment: newest_deployment(service, facts.own_deployment_id),
        exclusion,
        memory: facts
            .task_definition
            .and_then(|td| memory_limit(td, incident.last.subject.container.as_deref())),
        fargate_cpu_units: facts.task_definition.and_then(fargate_cpu_units),
        grace_period_s: service
            .health_check_grace_period_s
            .and_then(|s| u32::try_from(s).ok()),
        last_task_uptime_ms: facts.last_task.and_then(uptime_ms),
    }
}

/// The most recently created deployment; ECS does not say who started it, so anything but the
/// remediator's own recorded deployment is someone else's.
fn newest_deployment(service: &ServiceView, own: Option<&str>) -> Option<DeploymentInfo> {
    let newest = service
        .deployments
        .iter()
        .filter(|d| d.created_at_ms.is_some())
        .max_by_key(|d| d.created_at_ms)?;
    Some(DeploymentInfo {
        id: newest.id.clone(),
        created_at_ms: newest.created_at_ms.unwrap_or_default(),
        initiator: if own == Some(newest.id.as_str()) {
            Initiator::Remediator
        } else {
            Initiator::Other(None)
        },
    })
}

/// The limit an OOM kill of `container` hit: the container's hard limit (`memory`) when it has
/// one, else the task's `memory` (Fargate always has one). Without a named container, a task
/// with a task-level limit is judged on it; otherwise the limit is unknown. ECS documents the
/// container limit as the one that kills the container ("Container memory and CPU").
fn memory_limit(td: &TaskDefinitionView, container: Option<&str>) -> Option<MemoryLimit> {
    let task_mib = td
        .memory
        .as_deref()
        .and_then(|m| m.trim().parse::<u32>().ok())
        .filter(|m| *m > 0);
    let def = container.and_then(|name| td.containers.iter().find(|c| c.name == name));
    if let Some(def) = def {
        if let Some(mib) = def
            .memory
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m > 0)
        {
            return Some(MemoryLimit {
                scope: MemoryScope::Container(def.name.clone()),
                mib,
            });
        }
    }
    task_mib.map(|mib| MemoryLimit {
        scope: MemoryScope::Task,
        mib,
    })
}

/// The CPU units of a Fargate task definition (`cpu` is a string: units, or `"1 vCPU"`).
fn fargate_cpu_units(td: &TaskDefinitionView) -> Option<u32> {
    if !td.requires_compatibilities.iter().any(|c| c == "FARGATE") {
        return None;
    }
    let cpu = td.cpu.as_deref()?.trim().to_ascii_lowercase();
    match cpu.strip_suffix("vcpu") {
        Some(v) => {
            let vcpu: f64 = v.trim().parse().ok()?;
            let units = (vcpu * 1024.0).round();
            (units > 0.0 && units <= 1_048_576.0).then_some(units as u32)
        }
        None => cpu.parse().ok().filter(|u| *u > 0),
    }
}

/// `startedAt` → `stoppedAt` of a task; `None` when it never started or has not stopped.
fn uptime_ms(task: &TaskStateChange) -> Option<i64> {
    let started = parse_rfc3339_ms(task.started_at.as_deref()?)?;
    let stopped = task
        .stopped_at
        .as_deref()
        .or(task.stopping_at.as_deref())
        .or(task.execution_stopped_at.as_deref())
        .and_then(parse_rfc3339_ms)?;
    Some(stopped.saturating_sub(started).max(0))
}

//! [`WorkloadStateReader`] composed from the readers the responder already has (ECS) and the
//! healthy-revision store: what it fetches, in what order, and what a missing piece means. The
//! judgement is [`super::workload_state`]; this only fetches.

use async_trait::async_trait;

use crate::diagnose::ports::EcsReader;
use crate::incident::{Incident, Workload, WorkloadKind};
use crate::ports::PortError;

use super::input::{HealthyRevision, WorkloadState};
use super::ports::{HealthyRevisionStore, WorkloadStateReader};
use super::state::{healthy_revision, workload_state, WorkloadFacts};

/// Services never to touch, as `cluster/service` (the cluster by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions(Vec<(String, String)>);

impl Exclusions {
    /// A comma-separated list of `cluster/service`; blanks around entries are ignored. An entry
    /// without a `/` is an error naming it: an exclusion that silently matches nothing is worse
    /// than none.
    pub fn parse(list: &str) -> Result<Exclusions, String> {
        let mut out = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.split_once('/') {
                Some((c, s)) if !c.is_empty() && !s.is_empty() => {
                    out.push((c.to_owned(), s.to_owned()))
                }
                _ => {
                    return Err(format!(
                        "the exclusion {entry:?} is not of the form cluster/service"
                    ))
                }
            }
        }
        Ok(Exclusions(out))
    }

    pub fn contains(&self, cluster: &str, service: &str) -> bool {
        self.0.iter().any(|(c, s)| c == cluster && s == service)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reads a service's state from ECS and the `STATE` item.
#[derive(Clone, Copy)]
pub struct EcsWorkloadState<'a> {
    pub ecs: &'a dyn EcsReader,
    pub healthy: &'a dyn HealthyRevisionStore,
    /// The ecs-triage stack's name, for [`super::STACK_NAME_TAG`].
    pub stack_name: Option<&'a str>,
    pub exclusions: &'a Exclusions,
}

impl std::fmt::Debug for EcsWorkloadState<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcsWorkloadState")
            .field("stack_name", &self.stack_name)
            .field("exclusions", self.exclusions)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl WorkloadStateReader for EcsWorkloadState<'_> {
    async fn workload_state(
        &self,
        incident: &Incident,
        own_deployment_id: Option<&str>,
    ) -> Result<Option<WorkloadState>, PortError> {
        let w = &incident.key.workload;
        let Some(service) = self.ecs.service(&w.cluster, &w.name).await? else {
            return Ok(None);
        };
        // The task definition is needed for the memory limit only; the last task for the
        // grace period only. Reading them for every decision keeps the audit complete, and
        // costs two calls per decision, not per stopped task (the stream filter sees to that).
        let task_definition = match service.task_definition.as_deref() {
            Some(arn) => Some(self.ecs.task_definition(arn).await?),
            None => None,
        };
        let last_task = match incident.last.subject.task_arn.as_deref() {
            // A task ECS no longer returns only leaves its run time unknown.
            Some(arn) => self.ecs.task(&w.cluster, arn).await.ok().flatten(),
            None => None,
        };
        let last_healthy = self.healthy.last_healthy(w).await?;
        let facts = WorkloadFacts {
            service: &service,
            task_definition: task_definition.as_ref(),
            last_healthy: last_healthy.as_ref(),
            last_task: last_task.as_ref(),
            own_deployment_id,
            stack_name: self.stack_name,
            configured_exclusion: self.exclusions.contains(&w.cluster, &w.name),
        };
        Ok(Some(workload_state(&facts, incident)))
    }
}

/// The responder's half of the last-known-healthy record (issue 5: "recorded by the responder
/// when a deployment completed or the service reached steady state"): on a recovery event, read
/// the service and store the revision [`super::healthy_revision`] accepts. Returns what was
/// stored; `None` when the service is gone or shows no unambiguously healthy revision.
pub async fn record_recovery(
    recovery: &crate::classify::Recovery,
    ecs: &dyn EcsReader,
    store: &dyn HealthyRevisionStore,
    now_ms: i64,
) -> Result<Option<HealthyRevision>, PortError> {
    let s = &recovery.subject;
    let (Some(cluster), Some(name)) = (s.cluster.as_deref(), s.service.as_deref()) else {
        return Ok(None);
    };
    let Some(service) = ecs.service(cluster, name).await? else {
        return Ok(None);
    };
    let Some(healthy) = healthy_revision(&service, s.deployment_id.as_deref(), now_ms) else {
        return Ok(None);
    };
    let workload = Workload {
        cluster: cluster.to_owned(),
        kind: WorkloadKind::Service,
        name: name.to_owned(),
    };
    store.record_healthy(&workload, &healthy).await?;
    Ok(Some(healthy))
}

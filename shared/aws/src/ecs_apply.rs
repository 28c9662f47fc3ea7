//! [`ActionApplier`] on Amazon ECS: the remediator's only writes to a customer's services.
//!
//! - `rollback`: `UpdateService --task-definition <last healthy ARN>`;
//! - `memory`: `DescribeTaskDefinition` (with tags), `RegisterTaskDefinition` of a copy with the
//!   memory raised (every registrable field carried over, the read-only ones left out, as
//!   [`ecs_triage_core::remediate::apply_command`] documents for the CLI), then `UpdateService`
//!   to the new revision;
//! - `grace-period`: `UpdateService --health-check-grace-period-seconds`.
//!
//! The copy passes environment values and secrets references from ECS back to ECS; none of them
//! is logged, returned or stored.

use async_trait::async_trait;
use aws_sdk_ecs::types::{ContainerDefinition, TaskDefinition};
use aws_sdk_ecs::Client;
use ecs_triage_core::ports::PortError;
use ecs_triage_core::remediate::{
    Action, ActionApplier, Applied, Approved, MemoryScope, ServiceRef, TaskDefinitionRef,
};
use tracing::info;

use crate::error::port_error;

const SERVICE: &str = "ecs";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
/// `iam:PassRole` is needed too when the copied task definition names roles: the template
/// grants it for the roles ECS tasks may use.
pub const OPERATIONS: &[&str] = &[
    "ecs:UpdateService",
    "ecs:DescribeTaskDefinition",
    "ecs:RegisterTaskDefinition",
    "ecs:TagResource",
    "iam:PassRole",
];

/// Changes services, only through an [`Approved`] action.
#[derive(Debug, Clone)]
pub struct EcsActionApplier {
    client: Client,
}

impl EcsActionApplier {
    pub fn new(client: Client) -> Self {
        EcsActionApplier { client }
    }

    async fn update_service(
        &self,
        service: &ServiceRef,
        task_definition: Option<&str>,
        grace_period_s: Option<u32>,
    ) -> Result<Option<String>, PortError> {
        let grace = grace_period_s.map(|g| i32::try_from(g).unwrap_or(i32::MAX));
        let out = self
            .client
            .update_service()
            .cluster(&service.cluster)
            .service(&service.service)
            .set_task_definition(task_definition.map(str::to_owned))
            .set_health_check_grace_period_seconds(grace)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "UpdateService",
                    &format!(
                        "service `{}` in cluster `{}` to be updated",
                        service.service, service.cluster
                    ),
                    &e,
                )
            })?;
        // A new task definition starts a deployment, and it is the PRIMARY one.
        let deployment = out
            .service()
            .map(|s| s.deployments())
            .unwrap_or_default()
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .and_then(|d| d.id().map(str::to_owned));
        Ok(deployment)
    }

    async fn register_with_memory(
        &self,
        from: &TaskDefinitionRef,
        scope: &MemoryScope,
        to_mib: u32,
    ) -> Result<String, PortError> {
        let out = self
            .client
            .describe_task_definition()
            .task_definition(&from.arn)
            .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeTaskDefinition",
                    &format!(
                        "task definition `{}` to be returned",
                        from.family_revision()
                    ),
                    &e,
                )
            })?;
        let tags = out.tags().to_vec();
        let td = out.task_definition.ok_or_else(|| PortError::Permanent {
            service: SERVICE,
            operation: "DescribeTaskDefinition",
            message: format!(
                "expected task definition `{}` in the response, got none",
                from.family_revision()
            ),
        })?;
        let containers =
            raised_containers(&td, scope, to_mib).map_err(|message| PortError::Permanent {
                service: SERVICE,
                operation: "RegisterTaskDefinition",
                message,
            })?;
        let task_memory = match scope {
            MemoryScope::Task => Some(to_mib.to_string()),
            MemoryScope::Container(_) => td.memory().map(str::to_owned),
        };
        let out = self
            .client
            .register_task_definition()
            .family(td.family().unwrap_or(&from.family))
            .set_task_role_arn(td.task_role_arn().map(str::to_owned))
            .set_execution_role_arn(td.execution_role_arn().map(str::to_owned))
            .set_network_mode(td.network_mode().cloned())
            .set_container_definitions(Some(containers))
            .set_volumes(Some(td.volumes().to_vec()))
            .set_placement_constraints(Some(td.placement_constraints().to_vec()))
            .set_requires_compatibilities(Some(td.requires_compatibilities().to_vec()))
            .set_cpu(td.cpu().map(str::to_owned))
            .set_memory(task_memory)
            .set_pid_mode(td.pid_mode().cloned())
            .set_ipc_mode(td.ipc_mode().cloned())
            .set_proxy_configuration(td.proxy_configuration().cloned())
            .set_ephemeral_storage(td.ephemeral_storage().cloned())
            .set_runtime_platform(td.runtime_platform().cloned())
            .set_enable_fault_injection(td.enable_fault_injection())
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "RegisterTaskDefinition",
                    &format!(
                        "a copy of `{}` with {to_mib} MiB to be registered",
                        from.family_revision()
                    ),
                    &e,
                )
            })?;
        out.task_definition
            .and_then(|t| t.task_definition_arn)
            .ok_or_else(|| PortError::Permanent {
                service: SERVICE,
                operation: "RegisterTaskDefinition",
                message: "expected the new revision's ARN in the response, got none".to_owned(),
            })
    }
}

/// The container definitions with the raised limit: the named container's hard limit, or, for a
/// task-level raise, unchanged (the task's `memory` is set beside them).
fn raised_containers(
    td: &TaskDefinition,
    scope: &MemoryScope,
    to_mib: u32,
) -> Result<Vec<ContainerDefinition>, String> {
    let mut containers = td.container_definitions().to_vec();
    if let MemoryScope::Container(name) = scope {
        let c = containers
            .iter_mut()
            .find(|c| c.name() == Some(name.as_str()))
            .ok_or_else(|| {
                format!("expected a container named {name:?} in the task definition, found none")
            })?;
        c.memory = Some(i32::try_from(to_mib).unwrap_or(i32::MAX));
    }
    Ok(containers)
}

#[async_trait]
impl ActionApplier for EcsActionApplier {
    async fn apply(&self, approved: &Approved) -> Result<Applied, PortError> {
        let action = approved.action();
        info!(action = %action, "applying");
        match action {
            Action::Rollback { service, to, .. } => {
                let deployment_id = self.update_service(service, Some(&to.arn), None).await?;
                Ok(Applied {
                    deployment_id,
                    task_definition_arn: None,
                })
            }
            Action::RaiseMemory {
                service,
                task_definition,
                scope,
                to_mib,
                ..
            } => {
                let arn = self
                    .register_with_memory(task_definition, scope, *to_mib)
                    .await?;
                let deployment_id = self.update_service(service, Some(&arn), None).await?;
                Ok(Applied {
                    deployment_id,
                    task_definition_arn: Some(arn),
                })
            }
            Action::RaiseGracePeriod { service, to_s, .. } => {
                // A setting, not a new revision: ECS starts no deployment of its own for it, so
                // the primary one it returns is not the remediator's to claim.
                self.update_service(service, None, Some(*to_s)).await?;
                Ok(Applied::default())
            }
        }
    }
}

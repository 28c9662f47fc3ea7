//! [`EcsReader`] on Amazon ECS: task definitions, services, tasks and container instances, mapped
//! field by field into the domain's views (DESIGN.md, "Enrich").
//!
//! What never leaves this module: environment variable *values* (only their names are read),
//! secret values (only `name` and `valueFrom` exist in the API anyway), and log-driver options
//! that are not known to be configuration ([`LogConfigView::safe`] drops e.g. `splunk-token`).
//!
//! String forms chosen for the view's free-text fields:
//! - placement constraints: `distinctInstance`, or `memberOf:<expression>`;
//! - placement strategies: `<type>` or `<type>:<field>` (`spread:attribute:ecs.availability-zone`,
//!   `binpack:memory`, `random`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, ContainerDefinition, ContainerInstance, Deployment, DesiredStatus, Failure,
    PlacementConstraint, PlacementStrategy, Service, Task,
};
use aws_sdk_ecs::Client;
use aws_smithy_types::DateTime;
use ecs_triage_core::diagnose::ports::EcsReader;
use ecs_triage_core::diagnose::view::{
    ContainerDefinitionView, ContainerInstanceView, DeploymentView, HealthCheckView, LogConfigView,
    PortMapping, SecretRef, ServiceView, TaskDefinitionView,
};
use ecs_triage_core::event::time::format_rfc3339_ms;
use ecs_triage_core::event::{
    Attachment, Container, EphemeralStorage, NameValue, NetworkBinding, NetworkInterface, StopCode,
    TaskStateChange,
};
use ecs_triage_core::ports::PortError;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "ecs";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test):
/// the union of the per-method lists below, which a function that uses only some methods (the
/// remediator) grants alone.
pub const OPERATIONS: &[&str] = &[
    "ecs:DescribeTaskDefinition",
    "ecs:DescribeServices",
    "ecs:ListTagsForResource",
    "ecs:DescribeTasks",
    "ecs:ListTasks",
    "ecs:ListContainerInstances",
    "ecs:DescribeContainerInstances",
];
/// [`EcsReader::task_definition`].
pub const TASK_DEFINITION_OPERATIONS: &[&str] = &["ecs:DescribeTaskDefinition"];
/// [`EcsReader::service`] (the tags are a second call).
pub const SERVICE_OPERATIONS: &[&str] = &["ecs:DescribeServices", "ecs:ListTagsForResource"];
/// [`EcsReader::task`].
pub const TASK_OPERATIONS: &[&str] = &["ecs:DescribeTasks"];
/// [`EcsReader::stopped_tasks`].
pub const STOPPED_TASKS_OPERATIONS: &[&str] = &["ecs:ListTasks", "ecs:DescribeTasks"];
/// [`EcsReader::container_instances`].
pub const CONTAINER_INSTANCES_OPERATIONS: &[&str] = &[
    "ecs:ListContainerInstances",
    "ecs:DescribeContainerInstances",
];

/// DescribeTasks and DescribeContainerInstances take at most 100 identifiers per call (ECS API
/// reference, `tasks` and `containerInstances` parameters).
const DESCRIBE_BATCH: usize = 100;

/// Reads ECS configuration and task state.
#[derive(Debug, Clone)]
pub struct EcsAdapter {
    client: Client,
}

impl EcsAdapter {
    pub fn new(client: Client) -> Self {
        EcsAdapter { client }
    }

    /// DescribeTasks for up to [`DESCRIBE_BATCH`] tasks, in the order ECS returns them.
    async fn describe_tasks(
        &self,
        cluster: &str,
        tasks: &[String],
    ) -> Result<Vec<Task>, PortError> {
        let out = self
            .client
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(tasks.to_vec()))
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeTasks",
                    &format!("cluster `{cluster}` to describe {} task(s)", tasks.len()),
                    &e,
                )
            })?;
        log_failures("DescribeTasks", cluster, out.failures());
        Ok(out.tasks.unwrap_or_default())
    }
}

/// Failures of a batch call are per item (`MISSING` for an unknown ARN): not an error of the
/// call, so only logged.
fn log_failures(operation: &str, cluster: &str, failures: &[Failure]) {
    for f in failures {
        debug!(
            operation,
            cluster,
            arn = f.arn().unwrap_or_default(),
            reason = f.reason().unwrap_or_default(),
            detail = f.detail().unwrap_or_default(),
            "ECS reported a failure for one item"
        );
    }
}

#[async_trait]
impl EcsReader for EcsAdapter {
    async fn task_definition(&self, arn: &str) -> Result<TaskDefinitionView, PortError> {
        debug!(task_definition = arn, "describing task definition");
        let out = self
            .client
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeTaskDefinition",
                    &format!("task definition `{arn}` to exist"),
                    &e,
                )
            })?;
        let td = out.task_definition.ok_or_else(|| PortError::Permanent {
            service: SERVICE,
            operation: "DescribeTaskDefinition",
            message: format!("expected task definition `{arn}` in the response, found none"),
        })?;
        Ok(task_definition_view(&td))
    }

    async fn service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<Option<ServiceView>, PortError> {
        debug!(cluster, service, "describing service");
        let out = self
            .client
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeServices",
                    &format!("cluster `{cluster}` to describe service `{service}`"),
                    &e,
                )
            })?;
        log_failures("DescribeServices", cluster, out.failures());
        let Some(found) = out.services.unwrap_or_default().into_iter().next() else {
            return Ok(None);
        };
        let mut view = service_view(&found);
        if let Some(arn) = found.service_arn() {
            let tags = self
                .client
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| {
                    port_error(
                        SERVICE,
                        "ListTagsForResource",
                        &format!("the tags of service `{arn}`"),
                        &e,
                    )
                })?;
            view.tags = tags
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_owned(),
                        t.value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect();
        }
        debug!(
            cluster,
            service,
            deployments = view.deployments.len(),
            tags = view.tags.len(),
            "service described"
        );
        Ok(Some(view))
    }

    async fn task(&self, cluster: &str, task: &str) -> Result<Option<TaskStateChange>, PortError> {
        debug!(cluster, task, "describing task");
        let tasks = self.describe_tasks(cluster, &[task.to_owned()]).await?;
        Ok(tasks.first().map(task_state_change))
    }

    async fn stopped_tasks(
        &self,
        cluster: &str,
        service: &str,
        limit: usize,
    ) -> Result<Vec<TaskStateChange>, PortError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // ListTasks has no order, so every stopped task ECS still reports (it keeps them for
        // about an hour) is described, then sorted by stoppedAt.
        let arns: Vec<String> = self
            .client
            .list_tasks()
            .cluster(cluster)
            .service_name(service)
            .desired_status(DesiredStatus::Stopped)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "ListTasks",
                    &format!(
                        "cluster `{cluster}` to list the stopped tasks of service `{service}`"
                    ),
                    &e,
                )
            })?;
        let mut tasks = Vec::with_capacity(arns.len());
        for batch in arns.chunks(DESCRIBE_BATCH) {
            tasks.extend(self.describe_tasks(cluster, batch).await?);
        }
        debug!(
            cluster,
            service,
            listed = arns.len(),
            limit,
            "stopped tasks described"
        );
        Ok(newest_stopped_first(&tasks, limit))
    }

    async fn container_instances(
        &self,
        cluster: &str,
    ) -> Result<Vec<ContainerInstanceView>, PortError> {
        let arns: Vec<String> = self
            .client
            .list_container_instances()
            .cluster(cluster)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "ListContainerInstances",
                    &format!("cluster `{cluster}` to list its container instances"),
                    &e,
                )
            })?;
        let mut views = Vec::with_capacity(arns.len());
        for batch in arns.chunks(DESCRIBE_BATCH) {
            let out = self
                .client
                .describe_container_instances()
                .cluster(cluster)
                .set_container_instances(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| {
                    port_error(
                        SERVICE,
                        "DescribeContainerInstances",
                        &format!(
                            "cluster `{cluster}` to describe {} container instance(s)",
                            batch.len()
                        ),
                        &e,
                    )
                })?;
            log_failures("DescribeContainerInstances", cluster, out.failures());
            views.extend(
                out.container_instances()
                    .iter()
                    .map(container_instance_view),
            );
        }
        debug!(
            cluster,
            instances = views.len(),
            "container instances described"
        );
        Ok(views)
    }
}

/// The `limit` most recently stopped tasks, newest first. A task without `stoppedAt` (still
/// stopping) comes after every dated one; the ARN breaks ties so the order is stable.
pub(crate) fn newest_stopped_first(tasks: &[Task], limit: usize) -> Vec<TaskStateChange> {
    let mut keyed: Vec<(Option<i64>, TaskStateChange)> = tasks
        .iter()
        .map(|t| (millis(t.stopped_at()), task_state_change(t)))
        .collect();
    keyed.sort_by(|(a, ta), (b, tb)| b.cmp(a).then_with(|| ta.task_arn.cmp(&tb.task_arn)));
    keyed.into_iter().take(limit).map(|(_, t)| t).collect()
}

/// Epoch milliseconds of an SDK timestamp (`None` when out of range).
fn millis(t: Option<&DateTime>) -> Option<i64> {
    t.and_then(|t| t.to_millis().ok())
}

/// An SDK timestamp as the event model carries it: RFC 3339 with milliseconds.
fn rfc3339(t: Option<&DateTime>) -> Option<String> {
    millis(t).map(format_rfc3339_ms)
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

pub(crate) fn task_definition_view(td: &aws_sdk_ecs::types::TaskDefinition) -> TaskDefinitionView {
    let platform = td.runtime_platform();
    TaskDefinitionView {
        arn: td.task_definition_arn().unwrap_or_default().to_owned(),
        family: td.family().unwrap_or_default().to_owned(),
        revision: u32::try_from(td.revision()).unwrap_or(0),
        cpu: owned(td.cpu()),
        memory: owned(td.memory()),
        network_mode: td.network_mode().map(|m| m.as_str().to_owned()),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        cpu_architecture: platform
            .and_then(|p| p.cpu_architecture())
            .map(|a| a.as_str().to_owned()),
        os_family: platform
            .and_then(|p| p.operating_system_family())
            .map(|o| o.as_str().to_owned()),
        execution_role_arn: owned(td.execution_role_arn()),
        task_role_arn: owned(td.task_role_arn()),
        ephemeral_storage_gib: td
            .ephemeral_storage()
            .and_then(|e| u32::try_from(e.size_in_gib()).ok()),
        containers: td
            .container_definitions()
            .iter()
            .map(container_view)
            .collect(),
    }
}

fn container_view(c: &ContainerDefinition) -> ContainerDefinitionView {
    ContainerDefinitionView {
        name: c.name().unwrap_or_default().to_owned(),
        image: c.image().unwrap_or_default().to_owned(),
        // The API reports 0 when no CPU units are reserved for the container.
        cpu: (c.cpu() > 0).then(|| i64::from(c.cpu())),
        memory: c.memory().map(i64::from),
        memory_reservation: c.memory_reservation().map(i64::from),
        // "If the essential parameter of a container is omitted, it is assumed to be true"
        // (ECS developer guide, task definition parameters, `essential`).
        essential: c.essential().unwrap_or(true),
        entry_point: c.entry_point().to_vec(),
        command: c.command().to_vec(),
        // Names only: values can be credentials and nothing downstream needs them.
        environment_names: c
            .environment()
            .iter()
            .filter_map(|kv| kv.name().map(str::to_owned))
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| SecretRef {
                name: s.name().to_owned(),
                value_from: s.value_from().to_owned(),
            })
            .collect(),
        environment_files: c
            .environment_files()
            .iter()
            .map(|f| f.value().to_owned())
            .collect(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| PortMapping {
                container_port: p.container_port(),
                host_port: p.host_port(),
                protocol: p.protocol().map(|p| p.as_str().to_owned()),
            })
            .collect(),
        health_check: c.health_check().map(|h| HealthCheckView {
            command: h.command().to_vec(),
            interval_s: h.interval(),
            timeout_s: h.timeout(),
            retries: h.retries(),
            start_period_s: h.start_period(),
        }),
        log: c.log_configuration().map(|l| {
            LogConfigView::safe(
                l.log_driver().as_str(),
                l.options()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.clone())),
            )
        }),
        stop_timeout: c.stop_timeout().map(i64::from),
    }
}

fn placement_constraint(c: &PlacementConstraint) -> String {
    let kind = c.r#type().map_or("", |t| t.as_str());
    match c.expression() {
        Some(e) if !e.is_empty() => format!("{kind}:{e}"),
        _ => kind.to_owned(),
    }
}

fn placement_strategy(s: &PlacementStrategy) -> String {
    let kind = s.r#type().map_or("", |t| t.as_str());
    match s.field() {
        Some(f) if !f.is_empty() => format!("{kind}:{f}"),
        _ => kind.to_owned(),
    }
}

fn deployment_view(d: &Deployment) -> DeploymentView {
    DeploymentView {
        id: d.id().unwrap_or_default().to_owned(),
        status: d.status().unwrap_or_default().to_owned(),
        task_definition: d.task_definition().unwrap_or_default().to_owned(),
        rollout_state: d.rollout_state().map(|r| r.as_str().to_owned()),
        rollout_state_reason: owned(d.rollout_state_reason()),
        created_at_ms: millis(d.created_at()),
        updated_at_ms: millis(d.updated_at()),
        desired_count: i64::from(d.desired_count()),
        running_count: i64::from(d.running_count()),
        failed_tasks: i64::from(d.failed_tasks()),
    }
}

/// The service without its tags (ListTagsForResource adds them).
pub(crate) fn service_view(s: &Service) -> ServiceView {
    let vpc = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    ServiceView {
        arn: s.service_arn().unwrap_or_default().to_owned(),
        name: s.service_name().unwrap_or_default().to_owned(),
        task_definition: owned(s.task_definition()),
        desired_count: i64::from(s.desired_count()),
        running_count: i64::from(s.running_count()),
        health_check_grace_period_s: s.health_check_grace_period_seconds(),
        launch_type: s.launch_type().map(|l| l.as_str().to_owned()),
        deployments: s.deployments().iter().map(deployment_view).collect(),
        // Classic Load Balancers have a name and no target group: nothing to look up in ELBv2.
        target_group_arns: s
            .load_balancers()
            .iter()
            .filter_map(|lb| lb.target_group_arn().map(str::to_owned))
            .collect(),
        subnets: vpc.map(|v| v.subnets().to_vec()).unwrap_or_default(),
        security_groups: vpc
            .map(|v| v.security_groups().to_vec())
            .unwrap_or_default(),
        assign_public_ip: vpc
            .and_then(|v| v.assign_public_ip())
            .map(|a| *a == AssignPublicIp::Enabled),
        placement_constraints: s
            .placement_constraints()
            .iter()
            .map(placement_constraint)
            .collect(),
        placement_strategy: s
            .placement_strategy()
            .iter()
            .map(placement_strategy)
            .collect(),
        tags: BTreeMap::new(),
    }
}

/// A described task in the shape of the event detail, field by field.
pub(crate) fn task_state_change(t: &Task) -> TaskStateChange {
    TaskStateChange {
        task_arn: owned(t.task_arn()),
        cluster_arn: owned(t.cluster_arn()),
        task_definition_arn: owned(t.task_definition_arn()),
        container_instance_arn: owned(t.container_instance_arn()),
        group: owned(t.group()),
        launch_type: t.launch_type().map(|l| l.as_str().to_owned()),
        capacity_provider_name: owned(t.capacity_provider_name()),
        platform_version: owned(t.platform_version()),
        platform_family: owned(t.platform_family()),
        availability_zone: owned(t.availability_zone()),
        attachments: t
            .attachments()
            .iter()
            .map(|a| Attachment {
                id: owned(a.id()),
                kind: owned(a.r#type()),
                status: owned(a.status()),
                details: a
                    .details()
                    .iter()
                    .map(|d| NameValue {
                        name: owned(d.name()),
                        value: owned(d.value()),
                    })
                    .collect(),
            })
            .collect(),
        containers: t.containers().iter().map(task_container).collect(),
        cpu: owned(t.cpu()),
        memory: owned(t.memory()),
        ephemeral_storage: t.ephemeral_storage().map(|e| EphemeralStorage {
            size_in_gi_b: u32::try_from(e.size_in_gib()).ok(),
        }),
        desired_status: owned(t.desired_status()),
        last_status: owned(t.last_status()),
        health_status: t.health_status().map(|h| h.as_str().to_owned()),
        stop_code: t.stop_code().map(|c| StopCode::parse(c.as_str())),
        stopped_reason: owned(t.stopped_reason()),
        started_by: owned(t.started_by()),
        created_at: rfc3339(t.created_at()),
        pull_started_at: rfc3339(t.pull_started_at()),
        pull_stopped_at: rfc3339(t.pull_stopped_at()),
        started_at: rfc3339(t.started_at()),
        stopping_at: rfc3339(t.stopping_at()),
        stopped_at: rfc3339(t.stopped_at()),
        execution_stopped_at: rfc3339(t.execution_stopped_at()),
        connectivity: t.connectivity().map(|c| c.as_str().to_owned()),
        connectivity_at: rfc3339(t.connectivity_at()),
        // DescribeTasks has no updatedAt; the event's is the time of the state change.
        updated_at: None,
        // The API reports 0 when it did not say; the event model's versions start at 1.
        version: u64::try_from(t.version()).ok().filter(|v| *v > 0),
        enable_execute_command: Some(t.enable_execute_command()),
    }
}

fn task_container(c: &aws_sdk_ecs::types::Container) -> Container {
    Container {
        container_arn: owned(c.container_arn()),
        name: owned(c.name()),
        image: owned(c.image()),
        image_digest: owned(c.image_digest()),
        runtime_id: owned(c.runtime_id()),
        last_status: owned(c.last_status()),
        exit_code: c.exit_code().map(i64::from),
        reason: owned(c.reason()),
        health_status: c.health_status().map(|h| h.as_str().to_owned()),
        network_bindings: c
            .network_bindings()
            .iter()
            .map(|b| NetworkBinding {
                bind_ip: owned(b.bind_ip()),
                container_port: b.container_port().and_then(|p| u32::try_from(p).ok()),
                host_port: b.host_port().and_then(|p| u32::try_from(p).ok()),
                protocol: b.protocol().map(|p| p.as_str().to_owned()),
            })
            .collect(),
        network_interfaces: c
            .network_interfaces()
            .iter()
            .map(|n| NetworkInterface {
                attachment_id: owned(n.attachment_id()),
                private_ipv4_address: owned(n.private_ipv4_address()),
                ipv6_address: owned(n.ipv6_address()),
            })
            .collect(),
        cpu: owned(c.cpu()),
        memory: owned(c.memory()),
        memory_reservation: owned(c.memory_reservation()),
    }
}

/// `remainingResources`: CPU units and MiB of memory left, and the `PORTS` string set. Note that
/// ECS lists in `PORTS` the host ports that are *taken* (the agent's reserved ports plus those of
/// running tasks), so `remaining_ports` holds the ports a new task cannot bind.
pub(crate) fn container_instance_view(ci: &ContainerInstance) -> ContainerInstanceView {
    let resource = |name: &str| {
        ci.remaining_resources()
            .iter()
            .find(|r| r.name() == Some(name))
    };
    ContainerInstanceView {
        arn: ci.container_instance_arn().unwrap_or_default().to_owned(),
        ec2_instance_id: owned(ci.ec2_instance_id()),
        status: ci.status().unwrap_or_default().to_owned(),
        agent_connected: ci.agent_connected(),
        remaining_cpu: resource("CPU").map(|r| i64::from(r.integer_value())),
        remaining_memory: resource("MEMORY").map(|r| i64::from(r.integer_value())),
        remaining_ports: resource("PORTS")
            .map(|r| {
                r.string_set_value()
                    .iter()
                    .filter_map(|p| p.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
        running_tasks: i64::from(ci.running_tasks_count()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_operations_are_exactly_the_per_method_lists() {
        let mut all: Vec<&str> = [
            super::TASK_DEFINITION_OPERATIONS,
            super::SERVICE_OPERATIONS,
            super::TASK_OPERATIONS,
            super::STOPPED_TASKS_OPERATIONS,
            super::CONTAINER_INSTANCES_OPERATIONS,
        ]
        .concat();
        all.sort_unstable();
        all.dedup();
        let mut listed = super::OPERATIONS.to_vec();
        listed.sort_unstable();
        assert_eq!(all, listed);
    }

    use super::*;
    use aws_sdk_ecs::types::{
        KeyValuePair, LogConfiguration, LogDriver, Resource, Secret, TaskDefinition, TaskStopCode,
    };

    fn definition() -> TaskDefinition {
        TaskDefinition::builder()
            .task_definition_arn("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3")
            .family("web")
            .revision(3)
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("nginx")
                    .environment(
                        KeyValuePair::builder()
                            .name("DB_PASSWORD")
                            .value("hunter2")
                            .build(),
                    )
                    .secrets(
                        Secret::builder()
                            .name("API_KEY")
                            .value_from("arn:aws:ssm:us-east-1:123456789012:parameter/k")
                            .build()
                            .unwrap(),
                    )
                    .log_configuration(
                        LogConfiguration::builder()
                            .log_driver(LogDriver::Splunk)
                            .options("splunk-token", "s3cr3t-token")
                            .options("splunk-url", "https://splunk.example")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
    }

    #[test]
    fn environment_values_and_log_tokens_never_reach_the_view() {
        let view = task_definition_view(&definition());
        let text = format!("{view:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("s3cr3t-token"), "{text}");
        let c = &view.containers[0];
        assert_eq!(c.environment_names, ["DB_PASSWORD"]);
        assert_eq!(c.secrets[0].name, "API_KEY");
        let log = c.log.as_ref().unwrap();
        assert_eq!(log.driver, "splunk");
        assert_eq!(log.option("splunk-url"), Some("https://splunk.example"));
        assert_eq!(log.option("splunk-token"), None);
    }

    #[test]
    fn omitted_essential_means_essential_and_zero_cpu_means_none() {
        let view = task_definition_view(&definition());
        assert!(view.containers[0].essential);
        assert_eq!(view.containers[0].cpu, None);
        assert_eq!(view.revision, 3);
    }

    #[test]
    fn task_times_become_rfc3339_and_stop_codes_parse() {
        let t = Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:123456789012:task/c/abc")
            .stop_code(TaskStopCode::EssentialContainerExited)
            .stopped_at(DateTime::from_millis(1_714_564_800_123))
            .version(4)
            .containers(
                aws_sdk_ecs::types::Container::builder()
                    .name("app")
                    .exit_code(137)
                    .build(),
            )
            .build();
        let e = task_state_change(&t);
        assert_eq!(e.stopped_at.as_deref(), Some("2024-05-01T12:00:00.123Z"));
        assert_eq!(e.stop_code, Some(StopCode::EssentialContainerExited));
        assert_eq!(e.version, Some(4));
        assert_eq!(e.containers[0].exit_code, Some(137));
        assert_eq!(e.created_at, None);
    }

    #[test]
    fn stopped_tasks_sort_newest_first_with_undated_ones_last() {
        let task = |arn: &str, stopped: Option<i64>| {
            Task::builder()
                .task_arn(arn)
                .set_stopped_at(stopped.map(DateTime::from_millis))
                .build()
        };
        let tasks = [
            task("arn:old", Some(1_000)),
            task("arn:undated", None),
            task("arn:new", Some(3_000)),
            task("arn:mid-b", Some(2_000)),
            task("arn:mid-a", Some(2_000)),
        ];
        let arns = |limit| -> Vec<String> {
            newest_stopped_first(&tasks, limit)
                .into_iter()
                .filter_map(|t| t.task_arn)
                .collect()
        };
        assert_eq!(
            arns(10),
            [
                "arn:new",
                "arn:mid-a",
                "arn:mid-b",
                "arn:old",
                "arn:undated"
            ]
        );
        assert_eq!(arns(2), ["arn:new", "arn:mid-a"]);
    }

    #[test]
    fn service_placement_and_grace_period_are_kept() {
        use aws_sdk_ecs::types::{LoadBalancer, PlacementConstraintType, PlacementStrategyType};
        let s = Service::builder()
            .service_arn("arn:svc")
            .service_name("web")
            .health_check_grace_period_seconds(60)
            .placement_constraints(
                PlacementConstraint::builder()
                    .r#type(PlacementConstraintType::MemberOf)
                    .expression("attribute:ecs.instance-type =~ t3.*")
                    .build(),
            )
            .placement_constraints(
                PlacementConstraint::builder()
                    .r#type(PlacementConstraintType::DistinctInstance)
                    .build(),
            )
            .placement_strategy(
                PlacementStrategy::builder()
                    .r#type(PlacementStrategyType::Spread)
                    .field("attribute:ecs.availability-zone")
                    .build(),
            )
            .placement_strategy(
                PlacementStrategy::builder()
                    .r#type(PlacementStrategyType::Random)
                    .build(),
            )
            .load_balancers(
                LoadBalancer::builder()
                    .load_balancer_name("classic")
                    .build(),
            )
            .build();
        let v = service_view(&s);
        assert_eq!(v.health_check_grace_period_s, Some(60));
        assert_eq!(
            v.placement_constraints,
            [
                "memberOf:attribute:ecs.instance-type =~ t3.*",
                "distinctInstance"
            ]
        );
        assert_eq!(
            v.placement_strategy,
            ["spread:attribute:ecs.availability-zone", "random"]
        );
        assert!(v.target_group_arns.is_empty());
        assert_eq!(v.assign_public_ip, None);
    }

    #[test]
    fn remaining_resources_are_read_by_name() {
        let ci = ContainerInstance::builder()
            .container_instance_arn("arn:ci")
            .status("ACTIVE")
            .agent_connected(true)
            .remaining_resources(Resource::builder().name("CPU").integer_value(1024).build())
            .remaining_resources(
                Resource::builder()
                    .name("MEMORY")
                    .integer_value(512)
                    .build(),
            )
            .remaining_resources(
                Resource::builder()
                    .name("PORTS")
                    .string_set_value("22")
                    .string_set_value("8080")
                    .string_set_value("junk")
                    .build(),
            )
            .build();
        let v = container_instance_view(&ci);
        assert_eq!(v.remaining_cpu, Some(1024));
        assert_eq!(v.remaining_memory, Some(512));
        assert_eq!(v.remaining_ports, [22, 8080]);
        assert!(v.agent_connected);
    }
}

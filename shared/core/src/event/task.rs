//! `ECS Task State Change`: the detail of the event EventBridge sends when a task changes state.
//!
//! Field list from the AWS documentation "Amazon ECS task state change events"
//! (docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html). Every field AWS may
//! omit is an `Option` or defaults to empty; unknown fields are ignored. Environment values and
//! command overrides are deliberately *not* modelled: they can carry secrets and nothing here needs
//! them.

use serde::{Deserialize, Serialize};

use super::lenient;
use super::stop_code::StopCode;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TaskStateChange {
    pub task_arn: Option<String>,
    pub cluster_arn: Option<String>,
    pub task_definition_arn: Option<String>,
    pub container_instance_arn: Option<String>,
    /// `service:<name>` for service tasks, `family:<name>` for standalone tasks.
    pub group: Option<String>,
    pub launch_type: Option<String>,
    pub capacity_provider_name: Option<String>,
    pub platform_version: Option<String>,
    pub platform_family: Option<String>,
    pub availability_zone: Option<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub attachments: Vec<Attachment>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub containers: Vec<Container>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cpu: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub memory: Option<String>,
    pub ephemeral_storage: Option<EphemeralStorage>,
    pub desired_status: Option<String>,
    pub last_status: Option<String>,
    pub health_status: Option<String>,
    pub stop_code: Option<StopCode>,
    pub stopped_reason: Option<String>,
    /// `ecs-svc/<id>` for tasks a service deployment started, else whatever the caller passed.
    pub started_by: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub pull_started_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub pull_stopped_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub started_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub stopping_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub stopped_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub execution_stopped_at: Option<String>,
    pub connectivity: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub connectivity_at: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub updated_at: Option<String>,
    /// Increases with every state change of the task; used to drop duplicates and stale events.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub version: Option<u64>,
    pub enable_execute_command: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    pub container_arn: Option<String>,
    pub name: Option<String>,
    pub image: Option<String>,
    pub image_digest: Option<String>,
    pub runtime_id: Option<String>,
    pub last_status: Option<String>,
    /// `None` means the container never ran (or AWS did not say): never read it as success.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
    pub health_status: Option<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub network_bindings: Vec<NetworkBinding>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub cpu: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub memory: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub memory_reservation: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkBinding {
    #[serde(rename = "bindIP")]
    pub bind_ip: Option<String>,
    pub container_port: Option<u32>,
    pub host_port: Option<u32>,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkInterface {
    pub attachment_id: Option<String>,
    pub private_ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
}

/// An ENI (or other) attachment: `details` is a list of `{name, value}` pairs such as `subnetId`,
/// `networkInterfaceId`, `macAddress`, `privateIPv4Address`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Attachment {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub details: Vec<NameValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NameValue {
    pub name: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EphemeralStorage {
    pub size_in_gi_b: Option<u32>,
}

impl Attachment {
    pub fn detail(&self, name: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|d| d.name.as_deref() == Some(name))
            .and_then(|d| d.value.as_deref())
    }
}

impl TaskStateChange {
    /// The service name when the task belongs to a service (`group` = `service:<name>`).
    pub fn service_name(&self) -> Option<&str> {
        self.group
            .as_deref()?
            .strip_prefix("service:")
            .filter(|s| !s.is_empty())
    }

    /// The task-definition family: from `group` = `family:<name>`, else from the ARN.
    pub fn family(&self) -> Option<&str> {
        if let Some(f) = self
            .group
            .as_deref()
            .and_then(|g| g.strip_prefix("family:"))
        {
            return Some(f);
        }
        super::arn::task_definition_parts(self.task_definition_arn.as_deref()?).map(|(f, _)| f)
    }

    /// The ENI attachment's detail, e.g. `subnetId` or `privateIPv4Address`.
    pub fn eni_detail(&self, name: &str) -> Option<&str> {
        self.attachments
            .iter()
            .filter(|a| {
                a.kind.as_deref() == Some("eni")
                    || a.kind.as_deref() == Some("ElasticNetworkInterface")
            })
            .find_map(|a| a.detail(name))
    }
}

//! What the enrichment adapters read about a task's world, in domain terms. These types are the
//! only shape in which AWS configuration reaches the domain, and they are built so that secrets
//! cannot: environment variables and secrets are kept by *name* only, log-driver options only
//! for known non-secret keys.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A task definition, as far as diagnosis needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDefinitionView {
    pub arn: String,
    pub family: String,
    pub revision: u32,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub network_mode: Option<String>,
    pub requires_compatibilities: Vec<String>,
    /// `X86_64` or `ARM64` (runtimePlatform.cpuArchitecture); `None` means X86_64 on Fargate.
    pub cpu_architecture: Option<String>,
    pub os_family: Option<String>,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub ephemeral_storage_gib: Option<u32>,
    pub containers: Vec<ContainerDefinitionView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerDefinitionView {
    pub name: String,
    pub image: String,
    pub cpu: Option<i64>,
    pub memory: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub essential: bool,
    pub entry_point: Vec<String>,
    pub command: Vec<String>,
    /// Names of `environment` variables; values are never read.
    pub environment_names: Vec<String>,
    pub secrets: Vec<SecretRef>,
    /// S3 object ARNs of `environmentFiles`.
    pub environment_files: Vec<String>,
    pub port_mappings: Vec<PortMapping>,
    pub health_check: Option<HealthCheckView>,
    pub log: Option<LogConfigView>,
    pub stop_timeout: Option<i64>,
}

/// A secret reference: the variable name and where its value comes from (an ARN or parameter
/// name, never the value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    pub name: String,
    pub value_from: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    pub container_port: Option<i32>,
    pub host_port: Option<i32>,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckView {
    pub command: Vec<String>,
    pub interval_s: Option<i32>,
    pub timeout_s: Option<i32>,
    pub retries: Option<i32>,
    pub start_period_s: Option<i32>,
}

/// Log driver and its options, keeping only options known to hold no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfigView {
    pub driver: String,
    pub options: BTreeMap<String, String>,
}

/// Log-driver option keys whose values are configuration, not credentials (awslogs, FireLens and
/// fluentd routing). Everything else (e.g. `splunk-token`) is dropped by the adapter.
pub const SAFE_LOG_OPTIONS: &[&str] = &[
    "awslogs-group",
    "awslogs-region",
    "awslogs-stream-prefix",
    "awslogs-create-group",
    "awslogs-datetime-format",
    "awslogs-multiline-pattern",
    "mode",
    "max-buffer-size",
    "Name",
    "region",
    "log_group_name",
    "log_stream_prefix",
    "auto_create_group",
    "delivery_stream",
    "splunk-url",
    "fluentd-address",
    "tag",
];

impl LogConfigView {
    /// Keeps the safe options of a driver's option map.
    pub fn safe(
        driver: &str,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> LogConfigView {
        LogConfigView {
            driver: driver.to_owned(),
            options: options
                .into_iter()
                .filter(|(k, _)| SAFE_LOG_OPTIONS.contains(&k.as_str()))
                .collect(),
        }
    }

    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }
}

/// A service, as far as diagnosis needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceView {
    pub arn: String,
    pub name: String,
    pub task_definition: Option<String>,
    pub desired_count: i64,
    pub running_count: i64,
    pub health_check_grace_period_s: Option<i32>,
    pub launch_type: Option<String>,
    pub deployments: Vec<DeploymentView>,
    pub target_group_arns: Vec<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: Option<bool>,
    pub placement_constraints: Vec<String>,
    pub placement_strategy: Vec<String>,
    /// Service tags (key → value); the remediator reads its opt-in here.
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentView {
    pub id: String,
    /// `PRIMARY`, `ACTIVE` or `INACTIVE`.
    pub status: String,
    pub task_definition: String,
    /// `COMPLETED`, `IN_PROGRESS` or `FAILED`.
    pub rollout_state: Option<String>,
    pub rollout_state_reason: Option<String>,
    pub created_at_ms: Option<i64>,
    pub updated_at_ms: Option<i64>,
    pub desired_count: i64,
    pub running_count: i64,
    pub failed_tasks: i64,
}

/// One log line with its timestamp (epoch ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub at_ms: i64,
    pub message: String,
}

/// A target group's health-check settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetGroupView {
    pub arn: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub target_type: Option<String>,
    pub health_check_path: Option<String>,
    pub health_check_port: Option<String>,
    pub health_check_protocol: Option<String>,
    pub matcher: Option<String>,
    pub interval_s: Option<i32>,
    pub timeout_s: Option<i32>,
    pub healthy_threshold: Option<i32>,
    pub unhealthy_threshold: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHealthView {
    pub id: String,
    pub port: Option<i32>,
    pub state: String,
    pub reason: Option<String>,
    pub description: Option<String>,
}

/// An ECR image as the registry describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageView {
    pub repository: String,
    pub digest: String,
    pub tags: Vec<String>,
    pub pushed_at_ms: Option<i64>,
    pub manifest_media_type: Option<String>,
    /// `os/architecture` of each manifest when the image is an index (e.g. `linux/amd64`); empty
    /// when the registry did not say.
    pub platforms: Vec<String>,
}

/// A role's policies: its trust policy and every inline and attached permission policy, as JSON
/// documents (URL-decoded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicies {
    pub role_name: String,
    pub role_arn: String,
    pub trust_policy: String,
    /// `(policy name or ARN, document JSON)`.
    pub permission_policies: Vec<(String, String)>,
}

/// IAM's own answer (SimulatePrincipalPolicy) for one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatedDecision {
    pub action: String,
    pub resource: String,
    pub outcome: SimulatedOutcome,
}

/// `EvalDecision` of the policy simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimulatedOutcome {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

/// The network path of one subnet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetView {
    pub id: String,
    pub vpc_id: String,
    pub availability_zone: Option<String>,
    pub available_ips: Option<i64>,
    pub map_public_ip_on_launch: bool,
    /// The route table that applies (explicit association, else the VPC's main table).
    pub route_table_id: Option<String>,
    pub routes: Vec<RouteView>,
    pub nacl_entries: Vec<NaclEntryView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteView {
    pub destination: String,
    /// `igw-…`, `nat-…`, `vpce-…`, `tgw-…`, `pcx-…`, `eni-…`, `local`, or a prefix list.
    pub target: String,
    /// `active` or `blackhole`.
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NaclEntryView {
    pub rule_number: i32,
    pub egress: bool,
    pub allow: bool,
    pub protocol: String,
    pub cidr: Option<String>,
    pub port_from: Option<i32>,
    pub port_to: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcEndpointView {
    pub id: String,
    /// e.g. `com.amazonaws.us-east-1.ecr.dkr`.
    pub service_name: String,
    /// `Interface` or `Gateway`.
    pub kind: String,
    pub private_dns: bool,
    pub subnet_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityGroupView {
    pub id: String,
    pub egress: Vec<SgRuleView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SgRuleView {
    /// `-1` for all, else `tcp`/`udp`/`icmp` or a number.
    pub protocol: String,
    pub port_from: Option<i32>,
    pub port_to: Option<i32>,
    pub cidrs: Vec<String>,
    pub prefix_lists: Vec<String>,
    pub security_groups: Vec<String>,
}

/// Service auto scaling limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalableTargetView {
    pub min: i32,
    pub max: i32,
    pub suspended: bool,
}

/// An EC2 container instance's remaining capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerInstanceView {
    pub arn: String,
    pub ec2_instance_id: Option<String>,
    pub status: String,
    pub agent_connected: bool,
    pub remaining_cpu: Option<i64>,
    pub remaining_memory: Option<i64>,
    pub remaining_ports: Vec<i32>,
    pub running_tasks: i64,
}

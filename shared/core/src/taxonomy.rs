//! The root-cause taxonomy: every label the classifier can output.
//!
//! Generated once from `taxonomy.json` (a copy of the project's shared taxonomy, kept beside this
//! file) and checked against it by `tests::matches_taxonomy_json`, so the code and the contract
//! cannot drift. The label strings are a public contract: never rename one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a category is for the people on call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A group of categories that share a cause and a fix owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    ImagePull,
    TaskEgressNetwork,
    IamPermissions,
    Config,
    Logging,
    Storage,
    Host,
    TaskNetworking,
    Runtime,
    AppStartup,
    AppRuntime,
    Shutdown,
    Health,
    Capacity,
    AwsManaged,
    HostLifecycle,
    Scheduler,
    User,
    Success,
    Placement,
    Unknown,
    Deployment,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::ImagePull => "image_pull",
            Family::TaskEgressNetwork => "task_egress_network",
            Family::IamPermissions => "iam_permissions",
            Family::Config => "config",
            Family::Logging => "logging",
            Family::Storage => "storage",
            Family::Host => "host",
            Family::TaskNetworking => "task_networking",
            Family::Runtime => "runtime",
            Family::AppStartup => "app_startup",
            Family::AppRuntime => "app_runtime",
            Family::Shutdown => "shutdown",
            Family::Health => "health",
            Family::Capacity => "capacity",
            Family::AwsManaged => "aws_managed",
            Family::HostLifecycle => "host_lifecycle",
            Family::Scheduler => "scheduler",
            Family::User => "user",
            Family::Success => "success",
            Family::Placement => "placement",
            Family::Unknown => "unknown",
            Family::Deployment => "deployment",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A root-cause label. `Display`/serde use the exact label string of the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    ImagePullNotFound,
    ImagePullAccessDenied,
    ImagePullNetwork,
    ImagePullRateLimited,
    ImagePullPlatformMismatch,
    ImagePullDiskFull,
    ImagePullRegistryError,
    SecretsFetchNetwork,
    SecretsAccessDenied,
    SecretsNotFound,
    LogGroupMissing,
    LogDriverAccessDenied,
    LogDriverNetwork,
    LogDriverError,
    EnvFileError,
    EnvFileNetwork,
    VolumeMountError,
    EphemeralStorageFull,
    HostDiskFull,
    HostDeviceMissing,
    EniProvisioningTimeout,
    ContainerRuntimeTimeout,
    ContainerRuntimeError,
    ContainerStartFailed,
    CommandNotFound,
    CommandNotExecutable,
    ExecFormatError,
    AppExitError,
    OomKilled,
    Segfault,
    SigkillAfterStopTimeout,
    ElbHealthCheckFailed,
    ContainerHealthCheckFailed,
    SpotInterruption,
    InfrastructureMaintenance,
    HostTerminated,
    InstanceDeregistered,
    AwsPlatformIssue,
    InternalError,
    DeploymentReplaced,
    ScaleIn,
    UserStopped,
    CompletedSuccessfully,
    PortConflict,
    InsufficientResources,
    TaskFailedToStartUnspecified,
    DeploymentFailed,
    QuotaExceeded,
    AgentDisconnected,
    Unknown,
}

impl Category {
    /// Every category, in the order of the taxonomy.
    pub const ALL: [Category; 50] = [
        Category::ImagePullNotFound,
        Category::ImagePullAccessDenied,
        Category::ImagePullNetwork,
        Category::ImagePullRateLimited,
        Category::ImagePullPlatformMismatch,
        Category::ImagePullDiskFull,
        Category::ImagePullRegistryError,
        Category::SecretsFetchNetwork,
        Category::SecretsAccessDenied,
        Category::SecretsNotFound,
        Category::LogGroupMissing,
        Category::LogDriverAccessDenied,
        Category::LogDriverNetwork,
        Category::LogDriverError,
        Category::EnvFileError,
        Category::EnvFileNetwork,
        Category::VolumeMountError,
        Category::EphemeralStorageFull,
        Category::HostDiskFull,
        Category::HostDeviceMissing,
        Category::EniProvisioningTimeout,
        Category::ContainerRuntimeTimeout,
        Category::ContainerRuntimeError,
        Category::ContainerStartFailed,
        Category::CommandNotFound,
        Category::CommandNotExecutable,
        Category::ExecFormatError,
        Category::AppExitError,
        Category::OomKilled,
        Category::Segfault,
        Category::SigkillAfterStopTimeout,
        Category::ElbHealthCheckFailed,
        Category::ContainerHealthCheckFailed,
        Category::SpotInterruption,
        Category::InfrastructureMaintenance,
        Category::HostTerminated,
        Category::InstanceDeregistered,
        Category::AwsPlatformIssue,
        Category::InternalError,
        Category::DeploymentReplaced,
        Category::ScaleIn,
        Category::UserStopped,
        Category::CompletedSuccessfully,
        Category::PortConflict,
        Category::InsufficientResources,
        Category::TaskFailedToStartUnspecified,
        Category::DeploymentFailed,
        Category::QuotaExceeded,
        Category::AgentDisconnected,
        Category::Unknown,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Category::ImagePullNotFound => "image_pull_not_found",
            Category::ImagePullAccessDenied => "image_pull_access_denied",
            Category::ImagePullNetwork => "image_pull_network",
            Category::ImagePullRateLimited => "image_pull_rate_limited",
            Category::ImagePullPlatformMismatch => "image_pull_platform_mismatch",
            Category::ImagePullDiskFull => "image_pull_disk_full",
            Category::ImagePullRegistryError => "image_pull_registry_error",
            Category::SecretsFetchNetwork => "secrets_fetch_network",
            Category::SecretsAccessDenied => "secrets_access_denied",
            Category::SecretsNotFound => "secrets_not_found",
            Category::LogGroupMissing => "log_group_missing",
            Category::LogDriverAccessDenied => "log_driver_access_denied",
            Category::LogDriverNetwork => "log_driver_network",
            Category::LogDriverError => "log_driver_error",
            Category::EnvFileError => "env_file_error",
            Category::EnvFileNetwork => "env_file_network",
            Category::VolumeMountError => "volume_mount_error",
            Category::EphemeralStorageFull => "ephemeral_storage_full",
            Category::HostDiskFull => "host_disk_full",
            Category::HostDeviceMissing => "host_device_missing",
            Category::EniProvisioningTimeout => "eni_provisioning_timeout",
            Category::ContainerRuntimeTimeout => "container_runtime_timeout",
            Category::ContainerRuntimeError => "container_runtime_error",
            Category::ContainerStartFailed => "container_start_failed",
            Category::CommandNotFound => "command_not_found",
            Category::CommandNotExecutable => "command_not_executable",
            Category::ExecFormatError => "exec_format_error",
            Category::AppExitError => "app_exit_error",
            Category::OomKilled => "oom_killed",
            Category::Segfault => "segfault",
            Category::SigkillAfterStopTimeout => "sigkill_after_stop_timeout",
            Category::ElbHealthCheckFailed => "elb_health_check_failed",
            Category::ContainerHealthCheckFailed => "container_health_check_failed",
            Category::SpotInterruption => "spot_interruption",
            Category::InfrastructureMaintenance => "infrastructure_maintenance",
            Category::HostTerminated => "host_terminated",
            Category::InstanceDeregistered => "instance_deregistered",
            Category::AwsPlatformIssue => "aws_platform_issue",
            Category::InternalError => "internal_error",
            Category::DeploymentReplaced => "deployment_replaced",
            Category::ScaleIn => "scale_in",
            Category::UserStopped => "user_stopped",
            Category::CompletedSuccessfully => "completed_successfully",
            Category::PortConflict => "port_conflict",
            Category::InsufficientResources => "insufficient_resources",
            Category::TaskFailedToStartUnspecified => "task_failed_to_start_unspecified",
            Category::DeploymentFailed => "deployment_failed",
            Category::QuotaExceeded => "quota_exceeded",
            Category::AgentDisconnected => "agent_disconnected",
            Category::Unknown => "unknown",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Category::ImagePullNotFound => Family::ImagePull,
            Category::ImagePullAccessDenied => Family::ImagePull,
            Category::ImagePullNetwork => Family::TaskEgressNetwork,
            Category::ImagePullRateLimited => Family::ImagePull,
            Category::ImagePullPlatformMismatch => Family::ImagePull,
            Category::ImagePullDiskFull => Family::ImagePull,
            Category::ImagePullRegistryError => Family::ImagePull,
            Category::SecretsFetchNetwork => Family::TaskEgressNetwork,
            Category::SecretsAccessDenied => Family::IamPermissions,
            Category::SecretsNotFound => Family::Config,
            Category::LogGroupMissing => Family::Logging,
            Category::LogDriverAccessDenied => Family::IamPermissions,
            Category::LogDriverNetwork => Family::TaskEgressNetwork,
            Category::LogDriverError => Family::Logging,
            Category::EnvFileError => Family::Config,
            Category::EnvFileNetwork => Family::TaskEgressNetwork,
            Category::VolumeMountError => Family::Storage,
            Category::EphemeralStorageFull => Family::Storage,
            Category::HostDiskFull => Family::Host,
            Category::HostDeviceMissing => Family::Host,
            Category::EniProvisioningTimeout => Family::TaskNetworking,
            Category::ContainerRuntimeTimeout => Family::Runtime,
            Category::ContainerRuntimeError => Family::Runtime,
            Category::ContainerStartFailed => Family::Runtime,
            Category::CommandNotFound => Family::AppStartup,
            Category::CommandNotExecutable => Family::AppStartup,
            Category::ExecFormatError => Family::AppStartup,
            Category::AppExitError => Family::AppRuntime,
            Category::OomKilled => Family::AppRuntime,
            Category::Segfault => Family::AppRuntime,
            Category::SigkillAfterStopTimeout => Family::Shutdown,
            Category::ElbHealthCheckFailed => Family::Health,
            Category::ContainerHealthCheckFailed => Family::Health,
            Category::SpotInterruption => Family::Capacity,
            Category::InfrastructureMaintenance => Family::AwsManaged,
            Category::HostTerminated => Family::HostLifecycle,
            Category::InstanceDeregistered => Family::HostLifecycle,
            Category::AwsPlatformIssue => Family::AwsManaged,
            Category::InternalError => Family::AwsManaged,
            Category::DeploymentReplaced => Family::Scheduler,
            Category::ScaleIn => Family::Scheduler,
            Category::UserStopped => Family::User,
            Category::CompletedSuccessfully => Family::Success,
            Category::PortConflict => Family::Placement,
            Category::InsufficientResources => Family::Placement,
            Category::TaskFailedToStartUnspecified => Family::Unknown,
            Category::DeploymentFailed => Family::Deployment,
            Category::QuotaExceeded => Family::Placement,
            Category::AgentDisconnected => Family::Host,
            Category::Unknown => Family::Unknown,
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Category::ImagePullNotFound => Severity::Error,
            Category::ImagePullAccessDenied => Severity::Error,
            Category::ImagePullNetwork => Severity::Error,
            Category::ImagePullRateLimited => Severity::Error,
            Category::ImagePullPlatformMismatch => Severity::Error,
            Category::ImagePullDiskFull => Severity::Error,
            Category::ImagePullRegistryError => Severity::Error,
            Category::SecretsFetchNetwork => Severity::Error,
            Category::SecretsAccessDenied => Severity::Error,
            Category::SecretsNotFound => Severity::Error,
            Category::LogGroupMissing => Severity::Error,
            Category::LogDriverAccessDenied => Severity::Error,
            Category::LogDriverNetwork => Severity::Error,
            Category::LogDriverError => Severity::Error,
            Category::EnvFileError => Severity::Error,
            Category::EnvFileNetwork => Severity::Error,
            Category::VolumeMountError => Severity::Error,
            Category::EphemeralStorageFull => Severity::Error,
            Category::HostDiskFull => Severity::Error,
            Category::HostDeviceMissing => Severity::Error,
            Category::EniProvisioningTimeout => Severity::Error,
            Category::ContainerRuntimeTimeout => Severity::Error,
            Category::ContainerRuntimeError => Severity::Error,
            Category::ContainerStartFailed => Severity::Error,
            Category::CommandNotFound => Severity::Error,
            Category::CommandNotExecutable => Severity::Error,
            Category::ExecFormatError => Severity::Error,
            Category::AppExitError => Severity::Error,
            Category::OomKilled => Severity::Error,
            Category::Segfault => Severity::Error,
            Category::SigkillAfterStopTimeout => Severity::Error,
            Category::ElbHealthCheckFailed => Severity::Error,
            Category::ContainerHealthCheckFailed => Severity::Error,
            Category::SpotInterruption => Severity::Warning,
            Category::InfrastructureMaintenance => Severity::Warning,
            Category::HostTerminated => Severity::Warning,
            Category::InstanceDeregistered => Severity::Warning,
            Category::AwsPlatformIssue => Severity::Warning,
            Category::InternalError => Severity::Warning,
            Category::DeploymentReplaced => Severity::Info,
            Category::ScaleIn => Severity::Info,
            Category::UserStopped => Severity::Info,
            Category::CompletedSuccessfully => Severity::Info,
            Category::PortConflict => Severity::Error,
            Category::InsufficientResources => Severity::Error,
            Category::TaskFailedToStartUnspecified => Severity::Error,
            Category::DeploymentFailed => Severity::Error,
            Category::QuotaExceeded => Severity::Error,
            Category::AgentDisconnected => Severity::Warning,
            Category::Unknown => Severity::Error,
        }
    }

    /// Whether the stop is a normal part of operating ECS (deployments, scale-in, user stops,
    /// completed batch work): recorded, but nobody is paged for it.
    pub fn expected(self) -> bool {
        matches!(
            self,
            Category::DeploymentReplaced
                | Category::ScaleIn
                | Category::UserStopped
                | Category::CompletedSuccessfully
        )
    }

    pub fn definition(self) -> &'static str {
        match self {
            Category::ImagePullNotFound => "Image/repository/tag/digest does not exist or the image reference is malformed (404, manifest unknown, 'not found', stale pinned digest).",
            Category::ImagePullAccessDenied => "Registry refused the pull: execution/instance role lacks ECR permissions (ecr:GetAuthorizationToken, BatchGetImage...), repo policy/cross-account, private repo, 403/pull access denied caused by auth.",
            Category::ImagePullNetwork => "Task/instance has no network path to the registry or ECR auth endpoint (no public IP/NAT/VPC endpoint, SG/NACL/route/DNS): i/o timeout, request canceled, context deadline exceeded, 'connection issue between the task and Amazon ECR', 'pull command failed: : signal: killed'.",
            Category::ImagePullRateLimited => "Registry throttled the pull (Docker Hub toomanyrequests / 429).",
            Category::ImagePullPlatformMismatch => "Image index has no manifest for the task's OS/arch ('does not contain descriptor matching platform', 'no matching manifest for linux/arm64').",
            Category::ImagePullDiskFull => "Pull/extract failed for lack of disk (EC2 docker volume or Fargate ephemeral storage too small for the image): 'no space left on device' during pull.",
            Category::ImagePullRegistryError => "Registry-side failure or unexplained unexpected status from the registry (5xx, httpReaderSeeker unexpected status) not attributable to auth/network/quota.",
            Category::SecretsFetchNetwork => "ResourceInitializationError while fetching Secrets Manager/SSM values because the task cannot reach the endpoint (timeouts, context deadline exceeded, 'connection issue between the task and AWS Secrets Manager/Systems Manager').",
            Category::SecretsAccessDenied => "ResourceInitializationError: AccessDeniedException for secretsmanager:GetSecretValue / ssm:GetParameters / kms:Decrypt on the execution role.",
            Category::SecretsNotFound => "Referenced secret/parameter ARN or JSON key does not exist (ResourceNotFoundException, ParameterNotFound, invalid parameters).",
            Category::LogGroupMissing => "awslogs driver cannot create the stream because the log group does not exist (ResourceNotFoundException: The specified log group does not exist) and awslogs-create-group is not set.",
            Category::LogDriverAccessDenied => "awslogs driver denied logs:CreateLogStream / logs:CreateLogGroup on the execution role.",
            Category::LogDriverNetwork => "Log driver cannot reach CloudWatch Logs (no route/logs VPC endpoint), even if the message says the log group cannot be found.",
            Category::LogDriverError => "Other log-driver initialisation failures (credentials endpoint unavailable, generic 'failed to initialize logging driver').",
            Category::EnvFileError => "environmentFiles download from S3 failed because the object is missing or forbidden.",
            Category::EnvFileNetwork => "environmentFiles download timed out (no route to S3).",
            Category::VolumeMountError => "EFS/volume setup failed (efs-utils mount errors, unresolvable mount target, missing root directory, volume mount shadowing/ breaking container init).",
            Category::EphemeralStorageFull => "Container ran out of task/ephemeral disk at runtime (e.g. 'Device is out of space').",
            Category::HostDiskFull => "EC2 container instance Docker storage full (devmapper thin pool) so containers cannot be created.",
            Category::HostDeviceMissing => "Task definition references a device the container instance does not have.",
            Category::EniProvisioningTimeout => "'Timeout waiting for network interface provisioning to complete.' - awsvpc ENI not attached in time.",
            Category::ContainerRuntimeTimeout => "DockerTimeoutError/ContainerRuntimeTimeoutError/CannotInspectContainerError timeouts: runtime too slow (slow pulls, saturated daemon, I/O).",
            Category::ContainerRuntimeError => "Other runtime-level failures (CannotStopContainerError, CannotInspectContainerError with non-timeout reason).",
            Category::ContainerStartFailed => "Generic CannotStartContainerError whose specific cause is unknown.",
            Category::CommandNotFound => "Entrypoint/command cannot be found (executable file not found in $PATH, exit 127, command passed as one string, script missing from image).",
            Category::CommandNotExecutable => "Entrypoint exists but cannot be executed (permission denied, exit 126).",
            Category::ExecFormatError => "Binary built for another CPU architecture than the task (arm64 vs x86_64) - 'exec format error', often only in logs with exit 1.",
            Category::AppExitError => "Essential container exited non-zero because of the application itself (config/env missing, DB unreachable, crash on startup, unhandled exception).",
            Category::OomKilled => "Container/process killed for exceeding memory (OutOfMemoryError reason, 137 with OOM evidence, or memory exhaustion shown as other codes).",
            Category::Segfault => "Process died on SIGSEGV (exit 139) - application/native library/sidecar crash.",
            Category::SigkillAfterStopTimeout => "Container was SIGKILLed (137) because it did not exit within stopTimeout after SIGTERM (signals not forwarded, slow flush) - not OOM.",
            Category::ElbHealthCheckFailed => "Scheduler stopped the task because it failed load balancer target health checks ('Task failed ELB health checks in (target-group ...)').",
            Category::ContainerHealthCheckFailed => "Scheduler stopped the task because a container healthCheck reported UNHEALTHY ('Task failed container health checks').",
            Category::SpotInterruption => "Spot capacity reclaimed (Fargate Spot 'Your Spot Task was interrupted.', stopCode SpotInterruption/TerminationNotice; EC2 Spot shows as host termination).",
            Category::InfrastructureMaintenance => "Fargate task retirement / maintenance ('ECS is performing maintenance on the underlying infrastructure hosting the task', optionally prefixed 'Service <name>: ').",
            Category::HostTerminated => "Underlying EC2 container instance stopped/terminated ('Host EC2 (instance i-...) terminated.'), e.g. ASG scale-in.",
            Category::InstanceDeregistered => "'Container instance deregistration forced by user'.",
            Category::AwsPlatformIssue => "Failures attributable to an AWS-side incident or platform bug rather than customer configuration.",
            Category::InternalError => "'InternalError' - unexpected non-runtime agent error (Fargate PV 1.4+).",
            Category::DeploymentReplaced => "Old task stopped by the service scheduler because a deployment replaced it ('Scaling activity initiated by (deployment ...)') - expected.",
            Category::ScaleIn => "Task stopped because the service desired count went down ('Scaling activity initiated by (deployment ...)') - expected.",
            Category::UserStopped => "StopTask by a person or automation (stopCode UserInitiated, 'Task stopped by user' or a custom reason).",
            Category::CompletedSuccessfully => "Batch/standalone task whose essential container exited 0 - normal completion.",
            Category::PortConflict => "Host port already bound (Bind for 0.0.0.0:80 failed / port is already allocated / contiguous host ports unavailable).",
            Category::InsufficientResources => "Placement failure for CPU/memory/capacity (RESOURCE:CPU, RESOURCE:MEMORY, RESOURCE:FARGATE) - service events, not stopped tasks.",
            Category::TaskFailedToStartUnspecified => "'Task failed to start' / circuit-breaker 'tasks failed to start' with no further detail.",
            Category::DeploymentFailed => "The service deployment failed or was rolled back by the deployment circuit breaker or an alarm (ECS Deployment State Change SERVICE_DEPLOYMENT_FAILED, rollback in progress).",
            Category::QuotaExceeded => "A service quota or account limit prevented launching tasks (e.g. limit on tasks, ENIs, Fargate vCPU).",
            Category::AgentDisconnected => "The ECS container agent on the EC2 container instance is disconnected, so tasks cannot be placed or managed.",
            Category::Unknown => "No rule matched with confidence; the raw reasons and exit codes are reported unchanged.",
        }
    }

    /// Looks a label up by its exact string.
    pub fn from_label(label: &str) -> Option<Category> {
        Category::ALL.iter().copied().find(|c| c.label() == label)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Entry {
        label: String,
        family: String,
        severity: String,
        expected: bool,
        definition: String,
    }

    #[test]
    fn matches_taxonomy_json() {
        let entries: Vec<Entry> = serde_json::from_str(include_str!("../taxonomy.json")).unwrap();
        assert_eq!(entries.len(), Category::ALL.len(), "one variant per label");
        for (entry, category) in entries.iter().zip(Category::ALL) {
            assert_eq!(category.label(), entry.label);
            assert_eq!(category.family().as_str(), entry.family, "{}", entry.label);
            assert_eq!(
                category.severity().as_str(),
                entry.severity,
                "{}",
                entry.label
            );
            assert_eq!(category.expected(), entry.expected, "{}", entry.label);
            assert_eq!(category.definition(), entry.definition, "{}", entry.label);
            let json = serde_json::to_string(&category).unwrap();
            assert_eq!(json, format!("\"{}\"", entry.label), "serde uses the label");
            assert_eq!(Category::from_label(&entry.label), Some(category));
        }
    }
}

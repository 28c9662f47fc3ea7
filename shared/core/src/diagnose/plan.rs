//! Which checks can change the answer for a category. Only those run: a pull failure does not
//! need the load balancer, a health-check stop does not need the registry.

use super::finding::Check;
use crate::taxonomy::Category::{self, *};

/// The checks worth running for a category, most telling first.
pub fn checks_for(category: Category) -> &'static [Check] {
    use Check::*;
    match category {
        // "pull command failed: signal: killed" is a missing NAT route as often as a missing
        // permission: both paths are read, and the image itself.
        ImagePullNotFound | ImagePullPlatformMismatch => &[Image, TaskDefinition, Deployment],
        ImagePullAccessDenied | ImagePullNetwork => &[Network, Iam, Image, TaskDefinition],
        ImagePullRateLimited | ImagePullRegistryError => &[Image, TaskDefinition],
        ImagePullDiskFull => &[TaskDefinition, Capacity, Image],
        SecretsFetchNetwork | SecretsAccessDenied | SecretsNotFound => {
            &[Network, Iam, TaskDefinition]
        }
        LogGroupMissing | LogDriverAccessDenied | LogDriverNetwork | LogDriverError => {
            &[Network, Iam, TaskDefinition]
        }
        EnvFileError | EnvFileNetwork => &[Network, Iam, TaskDefinition],
        VolumeMountError => &[TaskDefinition, Network],
        EniProvisioningTimeout => &[Network],
        // Application failures: the log tail says most; the diff says what changed.
        AppExitError | Segfault | CommandNotFound | CommandNotExecutable | ContainerStartFailed
        | Unknown => &[Logs, Deployment, TaskDefinition, Image],
        ExecFormatError => &[Image, TaskDefinition, Logs, Deployment],
        // A service held at its auto scaling maximum fails health checks and runs out of memory
        // under load (analyze/capacity.rs): Capacity reads the limits for these stops.
        OomKilled => &[TaskDefinition, Logs, Deployment, Capacity],
        SigkillAfterStopTimeout => &[TaskDefinition, Logs],
        EphemeralStorageFull => &[TaskDefinition, Logs],
        ElbHealthCheckFailed => &[LoadBalancer, Logs, TaskDefinition, Deployment, Capacity],
        ContainerHealthCheckFailed => &[TaskDefinition, Logs, Deployment, Capacity],
        PortConflict | InsufficientResources | QuotaExceeded | AgentDisconnected => {
            &[Capacity, TaskDefinition]
        }
        DeploymentFailed | TaskFailedToStartUnspecified => &[Deployment, Capacity, TaskDefinition],
        ContainerRuntimeTimeout
        | ContainerRuntimeError
        | HostDiskFull
        | HostDeviceMissing
        | InternalError => &[Capacity, TaskDefinition],
        // Platform events and expected stops: nothing the configuration could change.
        SpotInterruption
        | InfrastructureMaintenance
        | HostTerminated
        | InstanceDeregistered
        | AwsPlatformIssue
        | DeploymentReplaced
        | ScaleIn
        | UserStopped
        | CompletedSuccessfully => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_a_saturated_service_explains_read_the_auto_scaling_limits() {
        for c in [OomKilled, ElbHealthCheckFailed, ContainerHealthCheckFailed] {
            assert!(checks_for(c).contains(&Check::Capacity), "{c}");
        }
    }

    #[test]
    fn expected_stops_and_platform_events_run_no_checks() {
        for c in Category::ALL {
            if c.expected() {
                assert!(checks_for(c).is_empty(), "{c}");
            }
        }
    }

    #[test]
    fn every_failure_of_the_tasks_own_making_runs_a_check() {
        for c in Category::ALL {
            let platform = matches!(
                c,
                SpotInterruption
                    | InfrastructureMaintenance
                    | HostTerminated
                    | InstanceDeregistered
                    | AwsPlatformIssue
            );
            if !c.expected() && !platform {
                assert!(!checks_for(c).is_empty(), "{c}");
            }
        }
    }
}

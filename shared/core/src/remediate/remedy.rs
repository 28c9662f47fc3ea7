//! Which actions can fix which failures (issue 5, "Actions"): rollback for application and
//! health-check failures, never for the platform; memory for OOM kills; grace period for load
//! balancer health checks.

use crate::taxonomy::{Category, Family};

use super::action::ActionKind;
use super::reason::SkipReason;

/// The actions that may fix `category`, most important first; otherwise why none applies.
///
/// The order matters when a service opted in to several: for an OOM kill or an ELB health-check
/// failure right after a deployment, going back to the revision that worked is the surest fix, so
/// rollback is tried first and the narrower fix only when there is nothing to roll back to.
pub fn remedies(category: Category) -> Result<&'static [ActionKind], SkipReason> {
    const ROLLBACK: &[ActionKind] = &[ActionKind::Rollback];
    const OOM: &[ActionKind] = &[ActionKind::Rollback, ActionKind::Memory];
    const ELB: &[ActionKind] = &[ActionKind::Rollback, ActionKind::GracePeriod];
    if category.expected() {
        return Err(SkipReason::ExpectedStop { category });
    }
    // Exhaustive on purpose: a new family must be placed here, not fall into rollback.
    match category.family() {
        Family::AppStartup | Family::AppRuntime | Family::Health => Ok(match category {
            Category::OomKilled => OOM,
            Category::ElbHealthCheckFailed => ELB,
            _ => ROLLBACK,
        }),
        // Spot, maintenance, capacity, hosts, placement, the container runtime: a new revision
        // of the service would fail the same way (issue 5: "never when the failure is in the
        // platform").
        Family::Capacity
        | Family::AwsManaged
        | Family::HostLifecycle
        | Family::Host
        | Family::Placement
        | Family::TaskNetworking
        | Family::Runtime => Err(SkipReason::PlatformFailure { category }),
        Family::Scheduler | Family::User | Family::Success => {
            Err(SkipReason::ExpectedStop { category })
        }
        // Image, network, permissions, configuration, logging, storage, shutdown, a failed
        // deployment (ECS's own circuit breaker already rolls back) and the unknown: the fix is
        // outside the service's revision, or the cause is not certain enough to act on.
        Family::ImagePull
        | Family::TaskEgressNetwork
        | Family::IamPermissions
        | Family::Config
        | Family::Logging
        | Family::Storage
        | Family::Shutdown
        | Family::Deployment
        | Family::Unknown => Err(SkipReason::NoRemedy { category }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_application_and_health_failures_have_remedies_and_all_include_rollback() {
        for c in Category::ALL {
            let app = matches!(
                c.family(),
                Family::AppStartup | Family::AppRuntime | Family::Health
            );
            match remedies(c) {
                Ok(r) => {
                    assert!(app, "{c}");
                    assert_eq!(r.first(), Some(&ActionKind::Rollback), "{c}");
                }
                Err(_) => assert!(!app, "{c}"),
            }
        }
    }

    #[test]
    fn platform_failures_are_named_as_such() {
        for c in [
            Category::SpotInterruption,
            Category::InfrastructureMaintenance,
            Category::InsufficientResources,
            Category::HostTerminated,
        ] {
            assert_eq!(
                remedies(c),
                Err(SkipReason::PlatformFailure { category: c })
            );
        }
    }

    #[test]
    fn memory_only_for_oom_and_grace_period_only_for_elb_checks() {
        for c in Category::ALL {
            let r = remedies(c).unwrap_or_default();
            assert_eq!(
                r.contains(&ActionKind::Memory),
                c == Category::OomKilled,
                "{c}"
            );
            assert_eq!(
                r.contains(&ActionKind::GracePeriod),
                c == Category::ElbHealthCheckFailed,
                "{c}"
            );
        }
    }
}

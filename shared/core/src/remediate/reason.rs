//! Why the remediator did not act. Issue 5: "Every `Skip` has a reason a person understands", so
//! each reason renders as a sentence (`Display`) that says what was found and, where it helps,
//! what would change the answer; [`SkipReason::code`] is a stable name for filters and metrics.

use std::fmt;

use crate::event::time::format_rfc3339_ms;
use crate::taxonomy::Category;

use super::action::ActionKind;
use super::input::Exclusion;
use super::opt_in::{OptInError, REMEDIATE_TAG};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    ModeOff,
    KillSwitchEngaged,
    IncidentNotOpen,
    /// Standalone tasks of a family: there is no service to update.
    NotAService {
        family: String,
    },
    ServiceNotFound {
        cluster: String,
        service: String,
    },
    Excluded(Exclusion),
    ExpectedStop {
        category: Category,
    },
    PlatformFailure {
        category: Category,
    },
    NoRemedy {
        category: Category,
    },
    InvalidOptIn(OptInError),
    NotOptedIn {
        unknown: Vec<String>,
    },
    ActionNotOptedIn {
        category: Category,
        remedies: Vec<ActionKind>,
        opted: Vec<ActionKind>,
    },
    BelowThreshold {
        count: u64,
        threshold: u64,
    },
    IncidentRevisionUnknown,
    CurrentRevisionUnknown,
    NotCurrentRevision {
        incident_revision: u32,
        current: String,
    },
    NoLastHealthy,
    HealthyIsCurrent {
        revision: String,
    },
    MemoryLimitUnknown,
    NoCap {
        action: ActionKind,
        tag: &'static str,
    },
    MemoryAtCap {
        mib: u32,
        cap: u32,
    },
    /// No Fargate task size for the task's CPU is above the current memory and within the cap.
    NoFargateSize {
        cpu_units: u32,
        mib: u32,
        cap: u32,
    },
    GracePeriodAtCap {
        seconds: u32,
        cap: u32,
    },
    TaskUptimeUnknown,
    NotEarlyInLife {
        uptime_ms: i64,
        window_ms: i64,
    },
    ForeignDeployment {
        id: String,
        by: Option<String>,
        age_ms: i64,
        min_age_ms: i64,
    },
    CoolingDown {
        last: ActionKind,
        at_ms: i64,
        until_ms: i64,
    },
    /// The conditional write found another invocation's lock.
    LockedByAnother {
        until_ms: Option<i64>,
    },
    HourlyCapReached {
        cap: u32,
    },
}

impl SkipReason {
    /// A stable snake_case name, for the audit item and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            SkipReason::ModeOff => "mode_off",
            SkipReason::KillSwitchEngaged => "kill_switch",
            SkipReason::IncidentNotOpen => "incident_not_open",
            SkipReason::NotAService { .. } => "not_a_service",
            SkipReason::ServiceNotFound { .. } => "service_not_found",
            SkipReason::Excluded(Exclusion::OwnStack) => "own_stack",
            SkipReason::Excluded(Exclusion::Configured) => "excluded",
            SkipReason::ExpectedStop { .. } => "expected_stop",
            SkipReason::PlatformFailure { .. } => "platform_failure",
            SkipReason::NoRemedy { .. } => "no_remedy",
            SkipReason::InvalidOptIn(_) => "invalid_opt_in",
            SkipReason::NotOptedIn { .. } => "not_opted_in",
            SkipReason::ActionNotOptedIn { .. } => "action_not_opted_in",
            SkipReason::BelowThreshold { .. } => "below_threshold",
            SkipReason::IncidentRevisionUnknown => "incident_revision_unknown",
            SkipReason::CurrentRevisionUnknown => "current_revision_unknown",
            SkipReason::NotCurrentRevision { .. } => "not_current_revision",
            SkipReason::NoLastHealthy => "no_last_healthy",
            SkipReason::HealthyIsCurrent { .. } => "healthy_is_current",
            SkipReason::MemoryLimitUnknown => "memory_limit_unknown",
            SkipReason::NoCap { .. } => "no_cap",
            SkipReason::MemoryAtCap { .. } => "memory_at_cap",
            SkipReason::NoFargateSize { .. } => "no_fargate_size",
            SkipReason::GracePeriodAtCap { .. } => "grace_period_at_cap",
            SkipReason::TaskUptimeUnknown => "task_uptime_unknown",
            SkipReason::NotEarlyInLife { .. } => "not_early_in_life",
            SkipReason::ForeignDeployment { .. } => "foreign_deployment",
            SkipReason::CoolingDown { .. } => "cooldown",
            SkipReason::LockedByAnother { .. } => "locked",
            SkipReason::HourlyCapReached { .. } => "hourly_cap",
        }
    }
}

/// "12 min" or "45 s": durations in reasons are read at a glance, not to the millisecond.
fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s >= 120 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// `rollback or memory`, `rollback and memory`.
fn names(kinds: &[ActionKind], conjunction: &str) -> String {
    let v: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    v.join(conjunction)
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::ModeOff => f.write_str(
                "Remediation is off (mode off): ecs-triage decides nothing, not even a dry run.",
            ),
            SkipReason::KillSwitchEngaged => f.write_str(
                "The kill switch is engaged: ecs-triage takes no action until someone releases it.",
            ),
            SkipReason::IncidentNotOpen => f.write_str(
                "The incident is resolved: the service recovered, so there is nothing to fix.",
            ),
            SkipReason::NotAService { family } => write!(
                f,
                "The stopped tasks of {family} are standalone tasks, not a service: there is no service to roll back or update."
            ),
            SkipReason::ServiceNotFound { cluster, service } => write!(
                f,
                "Service {service} was not found in cluster {cluster}: it may have been deleted."
            ),
            SkipReason::Excluded(Exclusion::OwnStack) => f.write_str(
                "This service is part of ecs-triage itself, which never remediates its own stack.",
            ),
            SkipReason::Excluded(Exclusion::Configured) => f.write_str(
                "This service is in the remediator's exclusion list, so it is never changed.",
            ),
            SkipReason::ExpectedStop { category } => write!(
                f,
                "The tasks stopped for an expected reason ({category}): nothing failed, so there is nothing to fix."
            ),
            SkipReason::PlatformFailure { category } => write!(
                f,
                "The failure is in the platform ({category}), not in the service's deployment: rolling back or resizing would not help."
            ),
            SkipReason::NoRemedy { category } => write!(
                f,
                "ecs-triage has no automatic fix for {category}: it needs a person (see the incident's next steps)."
            ),
            SkipReason::InvalidOptIn(e) => write!(
                f,
                "The service's remediation tags cannot be read ({e}), so ecs-triage does not act until they are fixed."
            ),
            SkipReason::NotOptedIn { unknown } if unknown.is_empty() => write!(
                f,
                "The service has not opted in to remediation (no {REMEDIATE_TAG} tag naming an action)."
            ),
            SkipReason::NotOptedIn { unknown } => write!(
                f,
                "The service's {REMEDIATE_TAG} tag names no action ecs-triage knows ({}); the actions are rollback, memory and grace-period.",
                unknown.join(", ")
            ),
            SkipReason::ActionNotOptedIn {
                category,
                remedies,
                opted,
            } => write!(
                f,
                "The service opted in to {} only, but {category} can be fixed only by {}: add it to the {REMEDIATE_TAG} tag to allow it.",
                names(opted, " and "),
                names(remedies, " or ")
            ),
            SkipReason::BelowThreshold { count, threshold } => write!(
                f,
                "Only {count} of the {threshold} failures needed before acting have been seen: it may still be a one-off."
            ),
            SkipReason::IncidentRevisionUnknown => f.write_str(
                "The incident does not say which task-definition revision failed, so ecs-triage cannot tell whether it is the one running now.",
            ),
            SkipReason::CurrentRevisionUnknown => f.write_str(
                "ecs-triage could not read which task definition the service runs now, so it does not change it.",
            ),
            SkipReason::NotCurrentRevision {
                incident_revision,
                current,
            } => write!(
                f,
                "The failures are in revision {incident_revision}, but the service now runs {current}: someone already changed it."
            ),
            SkipReason::NoLastHealthy => f.write_str(
                "No healthy revision is on record for this service (one is recorded when a deployment completes or the service reaches a steady state), so there is nothing safe to roll back to.",
            ),
            SkipReason::HealthyIsCurrent { revision } => write!(
                f,
                "The last healthy revision, {revision}, is the one failing now: rolling back would change nothing."
            ),
            SkipReason::MemoryLimitUnknown => f.write_str(
                "ecs-triage could not find the memory limit the container was killed at, so it does not change it.",
            ),
            SkipReason::NoCap { action, tag } => write!(
                f,
                "The service opted in to {action} without a {tag} tag: ecs-triage raises nothing without a cap."
            ),
            SkipReason::MemoryAtCap { mib, cap } => write!(
                f,
                "The memory is already {mib} MiB, at or above the cap of {cap} MiB: the leak or the load needs a person."
            ),
            SkipReason::NoFargateSize { cpu_units, mib, cap } => write!(
                f,
                "Fargate offers no task size above {mib} MiB and within the cap of {cap} MiB for {cpu_units} CPU units: more memory needs more CPU, which is a person's call."
            ),
            SkipReason::GracePeriodAtCap { seconds, cap } => write!(
                f,
                "The health-check grace period is already {seconds} s, at or above the cap of {cap} s: the start-up or the health check needs a person."
            ),
            SkipReason::TaskUptimeUnknown => f.write_str(
                "ecs-triage does not know how long the failing task ran, so it cannot tell whether a longer grace period would help.",
            ),
            SkipReason::NotEarlyInLife {
                uptime_ms,
                window_ms,
            } => write!(
                f,
                "The task failed its health checks after running {}, later than the first {}: a longer grace period would not help.",
                duration(*uptime_ms),
                duration(*window_ms)
            ),
            SkipReason::ForeignDeployment {
                id,
                by,
                age_ms,
                min_age_ms,
            } => write!(
                f,
                "Deployment {id}, started by {} {} ago, is younger than {}: ecs-triage does not fight a deployment in progress.",
                by.as_deref().unwrap_or("someone else"),
                duration(*age_ms),
                duration(*min_age_ms)
            ),
            SkipReason::CoolingDown {
                last,
                at_ms,
                until_ms,
            } => write!(
                f,
                "ecs-triage already took an action ({last}) on this service at {}; it waits until {} before acting again.",
                format_rfc3339_ms(*at_ms),
                format_rfc3339_ms(*until_ms)
            ),
            SkipReason::LockedByAnother { until_ms: Some(t) } => write!(
                f,
                "Another remediator invocation acted on this service moments ago; its lock holds until {}.",
                format_rfc3339_ms(*t)
            ),
            SkipReason::LockedByAnother { until_ms: None } => f.write_str(
                "Another remediator invocation acted on this service moments ago and holds its lock.",
            ),
            SkipReason::HourlyCapReached { cap: 0 } => f.write_str(
                "The hourly cap on actions is 0, so ecs-triage takes none.",
            ),
            SkipReason::HourlyCapReached { cap } => write!(
                f,
                "ecs-triage has taken its {cap} actions allowed this hour across all services; it waits for the next hour."
            ),
        }
    }
}

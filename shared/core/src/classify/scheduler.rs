//! Stops decided by ECS or by a person rather than by the container: health checks, deployments
//! and scale-in, maintenance, Spot, host lifecycle, user stops, placement and quotas.
//!
//! Sources: AWS docs "Amazon ECS stopped task error messages" (`Task failed ELB health checks in
//! (target-group …)`, `Task failed container health checks`, `Scaling activity initiated by
//! (deployment ecs-svc/…)`, `Host EC2 (instance i-…) terminated.`, `Container instance
//! deregistration forced by user`, `Task stopped by user`), "Amazon ECS task maintenance" / "AWS
//! Fargate task retirement" (`ECS is performing maintenance on the underlying infrastructure
//! hosting the task`), "Fargate Spot" (`Your Spot Task was interrupted.`), and "Amazon ECS
//! service event messages" (`unable to place a task because no container instance met all of its
//! requirements … has insufficient memory available`, `… is already using a port required by your
//! task`, `Capacity is unavailable at this time`, `You've reached the limit on the number of tasks
//! you can run concurrently`).

use super::extract;
use super::hit::{high, medium, Hit};
use super::text::{words, Text};
use crate::taxonomy::Category::*;

words! {
    /// A load balancer's health check failed the task.
    ELB_HEALTH = any(
        "failed elb health checks",
        "failed load balancer health checks",
        "elb health check",
        "target-group health check",
        "unhealthy in target-group",
        "unhealthy in (target-group",
        "unhealthy in (elb",
        "health checks in (target-group",
        "target group health check",
    );
    /// A container's own health check failed the task.
    CONTAINER_HEALTH = any(
        "failed container health checks",
        "container health check",
        "unhealthy container",
    );
    SCALING_ACTIVITY = any("scaling activity initiated by");
    /// The desired count went down.
    SCALE_IN = any(
        "desired count",
        "scale-in",
        "scaled in",
        "scaling in",
        "scale in",
    );
    UNABLE_OR_FAILED = any("unable to", "failed");
    /// AWS retired the task's infrastructure.
    MAINTENANCE = any(
        "performing maintenance",
        "underlying infrastructure",
        "task retirement",
        "scheduled for retirement",
        "retired",
        "retirement",
    );
    /// Spot capacity reclaimed.
    SPOT = any(
        "spot task was interrupted",
        "spot interruption",
        "spot instance interruption",
        "spot capacity",
    );
    /// The container instance left the cluster.
    DEREGISTERED = any(
        "deregistration forced",
        "instance deregistration",
        "deregistered",
    );
    HOST_EC2 = any("host ec2");
    INSTANCE_ID = any("instance i-");
    HOST_STOPPED = any("terminated", "stopped", "shutting-down", "shutting down");
    INSTANCE_TERMINATED = any(
        "instance was terminated",
        "instance terminated",
        "instance has been terminated",
    );
    DRAINING = any("instance draining", "instance is draining", "draining");
    /// StopTask.
    USER_STOPPED = any(
        "task stopped by user",
        "stopped by user",
        "user initiated",
        "user-initiated",
        "stoptask",
    );
    CIRCUIT_BREAKER = any("circuit breaker");
    pub(super) ROLLBACK = any("rolling back", "rollback", "rolled back");
    DEPLOYMENT_FAILED = any(
        "deployment failed",
        "deployment has failed",
        "cloudwatch alarm",
        "alarm(s)",
    );
    DEPLOYMENT = any("deployment");
    /// Service quotas and account limits.
    QUOTA = any(
        "reached the limit",
        "limitexceeded",
        "limit exceeded",
        "above your limit",
        "limit was exceeded",
        "exceeds the limit",
        "exceeded the limit",
        "quota",
        "service limit",
        "vcpu limit",
        "account limit",
        "maximum number of",
    );
    /// No instance has the host port free.
    PORTS = any(
        "already using a port",
        "resource:ports",
        "ports_tcp",
        "ports_udp",
        "port required by your task",
    );
    /// The ECS agent is not connected.
    AGENT = any(
        "agent is disconnected",
        "agent disconnected",
        "agentconnected",
        "agent was disconnected",
        "ecs agent is not connected",
        "agent not connected",
        "error \"agent\"",
        "ecs agent",
        "ecs-agent",
    );
    /// Not enough CPU, memory or capacity.
    INSUFFICIENT = any(
        "insufficient memory",
        "insufficient cpu",
        "insufficient gpu",
        "has insufficient",
        "resource:cpu",
        "resource:memory",
        "resource:fargate",
        "resource:gpu",
        "resource:eni",
        "capacity is unavailable",
        "insufficient capacity",
        "no container instances were found",
        "encountered error \"resource",
        "no capacity",
    );
    /// The task's network interface could not be created or attached.
    ENI_CAPACITY = any(
        "create network interface",
        "attach network interface",
        "unused device index",
        "free ip",
        "available ip",
    );
    /// A placement failure that names no resource.
    UNABLE_TO_PLACE = any(
        "unable to place a task",
        "unable to place task",
        "no container instance met",
        "missing an attribute",
    );
    /// A server-side error of an AWS service.
    AWS_SIDE = any(
        "serviceunavailable",
        "service unavailable",
        "internalfailure",
        "internal server error",
        "internalservererror",
        "aws service issue",
        "temporarily unavailable",
    );
    ASSUME_ROLE = any("unable to assume the role", "unable to assume role");
    FAILED_TO_START = any(
        "task failed to start",
        "tasks failed to start",
        "failed to start",
    );
}

/// Context the scheduler rules read besides the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The task's `startedBy` (`ecs-svc/<id>` for a service deployment's tasks).
    pub started_by: Option<&'a str>,
}

pub fn classify(t: &Text, ctx: Context<'_>) -> Option<Hit> {
    // The service event "(service x) (instance i-…) (port 80) is unhealthy in (target-group
    // arn:…) due to (reason Health checks failed)" too.
    if t.any(&ELB_HEALTH) {
        return Some(high(
            ElbHealthCheckFailed,
            "The service stopped the task because its load balancer target failed health checks.",
        ));
    }
    if t.any(&CONTAINER_HEALTH) {
        return Some(high(
            ContainerHealthCheckFailed,
            "The service stopped the task because a container's healthCheck reported UNHEALTHY.",
        ));
    }
    // The bit answers whether the marker occurs; only then is it looked for in the text.
    if t.has(&SCALING_ACTIVITY) {
        if let Some(rest) = t.after("scaling activity initiated by") {
            return Some(scaling(rest, ctx));
        }
    }
    if t.any(&SCALE_IN) && !t.any(&UNABLE_OR_FAILED) {
        return Some(medium(
            ScaleIn,
            "The service's desired count went down and the scheduler stopped this task.",
        ));
    }
    if t.any(&MAINTENANCE) {
        return Some(high(InfrastructureMaintenance, "AWS retired the infrastructure hosting the task (Fargate task maintenance); the service replaces it."));
    }
    if t.any(&SPOT) {
        return Some(high(
            SpotInterruption,
            "Spot capacity was reclaimed by AWS.",
        ));
    }
    if t.any(&DEREGISTERED) {
        return Some(high(
            InstanceDeregistered,
            "The container instance was deregistered from the cluster while the task ran on it.",
        ));
    }
    // "Host EC2 (instance i-0123456789abcdef0) terminated." / "… stopped." / draining hosts.
    if t.has(&HOST_EC2)
        || (t.has(&INSTANCE_ID) && t.any(&HOST_STOPPED))
        || t.any(&INSTANCE_TERMINATED)
    {
        return Some(high(HostTerminated, "The EC2 container instance hosting the task stopped or terminated (Auto Scaling scale-in, Spot, or a person)."));
    }
    if t.any(&DRAINING) {
        return Some(medium(
            HostTerminated,
            "The container instance was set to DRAINING and its tasks were moved off.",
        ));
    }
    if t.any(&USER_STOPPED) {
        return Some(high(
            UserStopped,
            "A person or automation stopped the task (StopTask).",
        ));
    }
    // "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/…".
    if t.has(&CIRCUIT_BREAKER) && t.any(&ROLLBACK) {
        return Some(high(
            DeploymentFailed,
            "The deployment circuit breaker failed the deployment and is rolling back.",
        ));
    }
    if t.any(&DEPLOYMENT_FAILED) && t.has(&DEPLOYMENT) {
        return Some(high(DeploymentFailed, "The service deployment failed."));
    }
    None
}

/// `Scaling activity initiated by (deployment ecs-svc/123…)`: the same message for a deployment
/// that replaces old tasks and for a scale-in of the current one. The task's own `startedBy` tells
/// them apart: a task started by the deployment named in the message was scaled in by it; a task
/// of an older deployment was replaced.
fn scaling(rest: &str, ctx: Context<'_>) -> Hit {
    let named = extract::deployment_id(rest);
    match (named, ctx.started_by) {
        (Some(d), Some(sb)) if d.eq_ignore_ascii_case(sb) => high(
            ScaleIn,
            "The service scaled in: its current deployment stopped one of its own tasks (desired count went down).",
        ),
        (Some(_), Some(sb)) if sb.starts_with("ecs-svc/") => high(
            DeploymentReplaced,
            "A newer deployment of the service replaced this task (normal rolling update).",
        ),
        _ => medium(
            DeploymentReplaced,
            "The service scheduler stopped the task as part of a deployment or scale-in (normal).",
        ),
    }
}

/// Placement and quota messages (service events; sometimes quoted as a stop reason).
pub fn placement(t: &Text) -> Option<Hit> {
    // "You've reached the limit on the number of tasks you can run concurrently", ENI or vCPU
    // limits, `LimitExceededException`, Service Quotas.
    // "The requested CPU configuration is above your limit", "the tasks provisioning capacity
    // limit was exceeded" (service event messages doc).
    if t.any(&QUOTA) {
        return Some(high(
            QuotaExceeded,
            "A service quota or account limit prevented launching the task.",
        ));
    }
    if t.any(&PORTS) {
        return Some(high(
            PortConflict,
            "No container instance has the host port the task needs free.",
        ));
    }
    // Placement errors name the agent: `encountered error "AGENT"`, "Timed out waiting for Amazon
    // ECS Agent to start. Please check logs at /var/log/ecs/ecs-agent.log" (service event
    // messages doc).
    if t.any(&AGENT) {
        return Some(high(
            AgentDisconnected,
            "The ECS agent on the container instance is disconnected.",
        ));
    }
    if t.any(&INSUFFICIENT) {
        return Some(high(
            InsufficientResources,
            "There was not enough CPU, memory or capacity to place the task.",
        ));
    }
    // The task's network interface could not be created or attached at placement: "Unexpected EC2
    // error while attempting to Create Network Interface … in subnet" (subnet out of addresses),
    // "Unable to attach network interface to unused device index" (instance ENI capacity).
    if t.any(&ENI_CAPACITY) {
        return Some(medium(
            InsufficientResources,
            "The task's network interface could not be created or attached: the subnet has no free addresses or the instance no free ENI slots.",
        ));
    }
    // Generic placement failures name no resource: capacity is the usual cause, not the certain one.
    if t.any(&UNABLE_TO_PLACE) {
        return Some(medium(
            InsufficientResources,
            "ECS could not place the task: no capacity matched its requirements.",
        ));
    }
    if t.any(&AWS_SIDE) {
        return Some(medium(AwsPlatformIssue, "An AWS service answered with a server-side error: likely an AWS-side issue, not configuration."));
    }
    // "ECS was unable to assume the role '…' that was provided for this task. Please verify that
    // the role being passed has the proper trust relationship" (stopped task error messages doc):
    // no taxonomy label names role trust; the task failed to start for it.
    if t.any(&ASSUME_ROLE) {
        return Some(medium(
            TaskFailedToStartUnspecified,
            "ECS could not assume the task's IAM role: check its trust policy (ecs-tasks.amazonaws.com) and iam:PassRole.",
        ));
    }
    if t.any(&FAILED_TO_START) {
        return Some(medium(
            TaskFailedToStartUnspecified,
            "The task failed to start and ECS gave no further detail.",
        ));
    }
    None
}

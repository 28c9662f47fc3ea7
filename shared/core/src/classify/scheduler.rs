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
use super::text::Text;
use crate::taxonomy::Category::*;

/// Context the scheduler rules read besides the text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The task's `startedBy` (`ecs-svc/<id>` for a service deployment's tasks).
    pub started_by: Option<&'a str>,
}

pub fn classify(t: &Text, ctx: Context<'_>) -> Option<Hit> {
    if t.any(&[
        "failed elb health checks",
        "failed load balancer health checks",
        "elb health check",
        "target-group health check",
        "unhealthy in target-group",
        // The service event "(service x) (instance i-…) (port 80) is unhealthy in
        // (target-group arn:…) due to (reason Health checks failed)".
        "unhealthy in (target-group",
        "unhealthy in (elb",
        "health checks in (target-group",
        "target group health check",
    ]) {
        return Some(high(
            ElbHealthCheckFailed,
            "The service stopped the task because its load balancer target failed health checks.",
        ));
    }
    if t.any(&[
        "failed container health checks",
        "container health check",
        "unhealthy container",
    ]) {
        return Some(high(
            ContainerHealthCheckFailed,
            "The service stopped the task because a container's healthCheck reported UNHEALTHY.",
        ));
    }
    if let Some(rest) = t.after("scaling activity initiated by") {
        return Some(scaling(rest, ctx));
    }
    if t.any(&[
        "desired count",
        "scale-in",
        "scaled in",
        "scaling in",
        "scale in",
    ]) && !t.any(&["unable to", "failed"])
    {
        return Some(medium(
            ScaleIn,
            "The service's desired count went down and the scheduler stopped this task.",
        ));
    }
    if t.any(&[
        "performing maintenance",
        "underlying infrastructure",
        "task retirement",
        "scheduled for retirement",
        "retired",
        "retirement",
    ]) {
        return Some(high(InfrastructureMaintenance, "AWS retired the infrastructure hosting the task (Fargate task maintenance); the service replaces it."));
    }
    if t.any(&[
        "spot task was interrupted",
        "spot interruption",
        "spot instance interruption",
        "spot capacity",
    ]) {
        return Some(high(
            SpotInterruption,
            "Spot capacity was reclaimed by AWS.",
        ));
    }
    if t.any(&[
        "deregistration forced",
        "instance deregistration",
        "deregistered",
    ]) {
        return Some(high(
            InstanceDeregistered,
            "The container instance was deregistered from the cluster while the task ran on it.",
        ));
    }
    // "Host EC2 (instance i-0123456789abcdef0) terminated." / "… stopped." / draining hosts.
    if t.has("host ec2")
        || (t.has("instance i-")
            && t.any(&["terminated", "stopped", "shutting-down", "shutting down"]))
        || t.any(&[
            "instance was terminated",
            "instance terminated",
            "instance has been terminated",
        ])
    {
        return Some(high(HostTerminated, "The EC2 container instance hosting the task stopped or terminated (Auto Scaling scale-in, Spot, or a person)."));
    }
    if t.any(&["instance draining", "instance is draining", "draining"]) {
        return Some(medium(
            HostTerminated,
            "The container instance was set to DRAINING and its tasks were moved off.",
        ));
    }
    if t.any(&[
        "task stopped by user",
        "stopped by user",
        "user initiated",
        "user-initiated",
        "stoptask",
    ]) {
        return Some(high(
            UserStopped,
            "A person or automation stopped the task (StopTask).",
        ));
    }
    // "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/…".
    if t.has("circuit breaker") && t.any(&["rolling back", "rollback", "rolled back"]) {
        return Some(high(
            DeploymentFailed,
            "The deployment circuit breaker failed the deployment and is rolling back.",
        ));
    }
    if t.any(&[
        "deployment failed",
        "deployment has failed",
        "cloudwatch alarm",
        "alarm(s)",
    ]) && t.has("deployment")
    {
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
    if t.any(&[
        "reached the limit",
        "limitexceeded",
        "limit exceeded",
        // "The requested CPU configuration is above your limit", "the tasks provisioning capacity
        // limit was exceeded" (service event messages doc).
        "above your limit",
        "limit was exceeded",
        "exceeds the limit",
        "exceeded the limit",
        "quota",
        "service limit",
        "vcpu limit",
        "account limit",
        "maximum number of",
    ]) {
        return Some(high(
            QuotaExceeded,
            "A service quota or account limit prevented launching the task.",
        ));
    }
    if t.any(&[
        "already using a port",
        "resource:ports",
        "ports_tcp",
        "ports_udp",
        "port required by your task",
    ]) {
        return Some(high(
            PortConflict,
            "No container instance has the host port the task needs free.",
        ));
    }
    if t.any(&[
        "agent is disconnected",
        "agent disconnected",
        "agentconnected",
        "agent was disconnected",
        "ecs agent is not connected",
        "agent not connected",
        // Placement errors name the agent: `encountered error "AGENT"`, "Timed out waiting for
        // Amazon ECS Agent to start. Please check logs at /var/log/ecs/ecs-agent.log" (service
        // event messages doc).
        "error \"agent\"",
        "ecs agent",
        "ecs-agent",
    ]) {
        return Some(high(
            AgentDisconnected,
            "The ECS agent on the container instance is disconnected.",
        ));
    }
    if t.any(&[
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
    ]) {
        return Some(high(
            InsufficientResources,
            "There was not enough CPU, memory or capacity to place the task.",
        ));
    }
    // The task's network interface could not be created or attached at placement: "Unexpected EC2
    // error while attempting to Create Network Interface … in subnet" (subnet out of addresses),
    // "Unable to attach network interface to unused device index" (instance ENI capacity).
    if t.any(&[
        "create network interface",
        "attach network interface",
        "unused device index",
        "free ip",
        "available ip",
    ]) {
        return Some(medium(
            InsufficientResources,
            "The task's network interface could not be created or attached: the subnet has no free addresses or the instance no free ENI slots.",
        ));
    }
    // Generic placement failures name no resource: capacity is the usual cause, not the certain one.
    if t.any(&[
        "unable to place a task",
        "unable to place task",
        "no container instance met",
        "missing an attribute",
    ]) {
        return Some(medium(
            InsufficientResources,
            "ECS could not place the task: no capacity matched its requirements.",
        ));
    }
    if t.any(&[
        "serviceunavailable",
        "service unavailable",
        "internalfailure",
        "internal server error",
        "internalservererror",
        "aws service issue",
        "temporarily unavailable",
    ]) {
        return Some(medium(AwsPlatformIssue, "An AWS service answered with a server-side error: likely an AWS-side issue, not configuration."));
    }
    // "ECS was unable to assume the role '…' that was provided for this task. Please verify that
    // the role being passed has the proper trust relationship" (stopped task error messages doc):
    // no taxonomy label names role trust; the task failed to start for it.
    if t.any(&["unable to assume the role", "unable to assume role"]) {
        return Some(medium(
            TaskFailedToStartUnspecified,
            "ECS could not assume the task's IAM role: check its trust policy (ecs-tasks.amazonaws.com) and iam:PassRole.",
        ));
    }
    if t.any(&[
        "task failed to start",
        "tasks failed to start",
        "failed to start",
    ]) {
        return Some(medium(
            TaskFailedToStartUnspecified,
            "The task failed to start and ECS gave no further detail.",
        ));
    }
    None
}

//! The load balancer's view of the task: each target group's health check, the task's own targets
//! with their state and reason code, and whether the service gave the task long enough to start
//! before health checks counted.
//!
//! Reason codes and their meaning: Elastic Load Balancing API reference, `TargetHealth`
//! ("Target health reason codes"). Timing: a target is marked unhealthy after
//! `UnhealthyThresholdCount` consecutive failed checks `HealthCheckIntervalSeconds` apart, and the
//! ECS service scheduler ignores ELB health for `healthCheckGracePeriodSeconds` after a task starts
//! (ECS "Health check grace period").
//!
//! Note for tests against the local emulator: moto reports IP targets as always `healthy`, so
//! an unhealthy target is only ever seen against AWS or in unit tests.

use super::{count, join_and};
use crate::diagnose::finding::{Check, Finding, Verdict};
use crate::diagnose::view::{ServiceView, TargetGroupView, TargetHealthView};
use crate::taxonomy::Category;

/// ALB defaults when the target group does not say (CreateTargetGroup).
const DEFAULT_INTERVAL_S: i32 = 30;
const DEFAULT_TIMEOUT_S: i32 = 5;
const DEFAULT_HEALTHY: i32 = 5;
const DEFAULT_UNHEALTHY: i32 = 2;

/// What a target health reason code means (ELB API reference, `TargetHealth.Reason`).
pub fn reason_meaning(code: &str) -> Option<&'static str> {
    Some(match code {
        "Elb.RegistrationInProgress" => "the target is being registered with the load balancer",
        "Elb.InitialHealthChecking" => {
            "the load balancer is still sending the minimum number of health checks to decide"
        }
        "Elb.InternalError" => "health checks failed because of an internal load balancer error",
        "Target.ResponseCodeMismatch" => {
            "the health check got an HTTP status outside the matcher: check the path and the expected codes"
        }
        "Target.Timeout" => {
            "the health check got no answer within the timeout: the application is slow or not listening on that port, or the task's security group does not admit the load balancer"
        }
        "Target.FailedHealthChecks" => {
            "the load balancer could not connect or got a malformed response: the application is not listening on the health-check port (or only on 127.0.0.1)"
        }
        "Target.NotRegistered" => "the target is not registered with the target group",
        "Target.NotInUse" => {
            "the target group is not used by a load balancer, or the target's Availability Zone is not enabled on it"
        }
        "Target.DeregistrationInProgress" => "the target is being deregistered (draining)",
        "Target.InvalidState" => "the target is stopped or terminated",
        "Target.IpUnusable" => "the IP address is reserved for use by a load balancer",
        "Target.HealthCheckDisabled" => "health checks are disabled for the target group",
        _ => return None,
    })
}

/// The target group's name, from `arn:…:targetgroup/<name>/<id>`.
fn tg_name(arn: &str) -> &str {
    arn.split_once("targetgroup/")
        .and_then(|(_, rest)| rest.split('/').next())
        .filter(|n| !n.is_empty())
        .unwrap_or(arn)
}

fn health_check_text(tg: &TargetGroupView) -> String {
    let protocol = tg
        .health_check_protocol
        .as_deref()
        .or(tg.protocol.as_deref())
        .unwrap_or("HTTP");
    let path = match protocol.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTPS" => format!(" {}", tg.health_check_path.as_deref().unwrap_or("/")),
        _ => String::new(),
    };
    let port = match tg.health_check_port.as_deref() {
        None | Some("traffic-port") => "the traffic port".to_owned(),
        Some(p) => format!("port {p}"),
    };
    let matcher = tg
        .matcher
        .as_deref()
        .map(|m| format!(", expecting {m}"))
        .unwrap_or_default();
    format!(
        "{protocol}{path} on {port} every {} s (timeout {} s), healthy after {} and unhealthy after {} checks{matcher}",
        tg.interval_s.unwrap_or(DEFAULT_INTERVAL_S),
        tg.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S),
        tg.healthy_threshold.unwrap_or(DEFAULT_HEALTHY),
        tg.unhealthy_threshold.unwrap_or(DEFAULT_UNHEALTHY),
    )
}

fn target_text(t: &TargetHealthView) -> String {
    match t.port {
        Some(p) => format!("{}:{p}", t.id),
        None => t.id.clone(),
    }
}

/// `tgs` are the service's target groups, `health` each target group's targets (by ARN),
/// `task_ips` the identifiers the task's targets are registered under: its private IPs (`ip`
/// targets, awsvpc) and, for bridge/host tasks, its EC2 instance id (`instance` targets).
pub fn analyze_load_balancer(
    tgs: &[TargetGroupView],
    health: &[(String, Vec<TargetHealthView>)],
    service: Option<&ServiceView>,
    task_ips: &[String],
    started_at_ms: Option<i64>,
    stopped_at_ms: Option<i64>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for tg in tgs {
        let name = tg_name(&tg.arn);
        let mut details = Vec::new();
        if let Some(t) = &tg.target_type {
            details.push(format!("target type: {t}"));
        }
        if let (Some(p), Some(port)) = (&tg.protocol, tg.port) {
            details.push(format!("traffic: {p} port {port}"));
        }
        out.push(
            Finding::new(
                Check::LoadBalancer,
                Verdict::Info,
                format!("Target group {name} checks {}.", health_check_text(tg)),
            )
            .with_details(details),
        );
        let targets = health
            .iter()
            .find(|(arn, _)| *arn == tg.arn)
            .map(|(_, t)| t.as_slice());
        if let Some(targets) = targets {
            out.extend(targets_findings(name, targets, task_ips));
        }
    }
    // Target health read for a group whose settings were not (or could not be) read.
    for (arn, targets) in health {
        if !tgs.iter().any(|tg| tg.arn == *arn) {
            out.extend(targets_findings(tg_name(arn), targets, task_ips));
        }
    }
    out.extend(grace_period(tgs, service, started_at_ms, stopped_at_ms));
    out
}

fn targets_findings(tg: &str, targets: &[TargetHealthView], task_ips: &[String]) -> Vec<Finding> {
    let mine: Vec<&TargetHealthView> = targets
        .iter()
        .filter(|t| task_ips.contains(&t.id))
        .collect();
    let mut out = Vec::new();
    if mine.is_empty() && !task_ips.is_empty() {
        out.push(Finding::new(
            Check::LoadBalancer,
            Verdict::Info,
            format!(
                "None of the task's addresses ({}) is registered in {tg} any more: ECS deregisters a task's targets when it stops.",
                join_and(task_ips)
            ),
        ));
    }
    for t in &mine {
        out.push(target_finding(tg, t));
    }
    let others: Vec<&TargetHealthView> = targets
        .iter()
        .filter(|t| !task_ips.contains(&t.id))
        .collect();
    if !others.is_empty() && others.iter().all(|t| t.state == "unhealthy") {
        out.push(
            Finding::new(
                Check::LoadBalancer,
                Verdict::Warning,
                format!(
                    "All {} of {tg} are unhealthy too: the health-check settings (path, port, matcher) or the security groups are the likely cause, not this task alone.",
                    count(others.len(), "other target")
                ),
            )
            .with_details(others.iter().map(|t| target_line(t)).collect()),
        );
    }
    out
}

fn target_line(t: &TargetHealthView) -> String {
    let mut line = format!("{}: {}", target_text(t), t.state);
    if let Some(r) = &t.reason {
        line.push_str(&format!(", {r}"));
    }
    if let Some(d) = &t.description {
        line.push_str(&format!(" ({d})"));
    }
    line
}

fn target_finding(tg: &str, t: &TargetHealthView) -> Finding {
    let target = target_text(t);
    let reason = t.reason.as_deref();
    let why = match (reason, t.description.as_deref()) {
        (Some(r), Some(d)) => format!(": {r} ({d})"),
        (Some(r), None) => format!(": {r}"),
        (None, Some(d)) => format!(": {d}"),
        (None, None) => String::new(),
    };
    let details: Vec<String> = reason
        .and_then(|r| reason_meaning(r).map(|m| format!("{r}: {m}")))
        .into_iter()
        .collect();
    let summary = format!("The task's target {target} in {tg} is {}{why}.", t.state);
    match t.state.as_str() {
        "healthy" => Finding::new(Check::LoadBalancer, Verdict::Ok, summary),
        "unhealthy" => Finding::new(Check::LoadBalancer, Verdict::Problem, summary)
            .with_details(details)
            .refining(Category::ElbHealthCheckFailed),
        _ => Finding::new(Check::LoadBalancer, Verdict::Info, summary).with_details(details),
    }
}

/// A task that stopped within `grace + unhealthy_threshold × interval` of starting was judged
/// while it may still have been starting: the service's grace period is the knob.
fn grace_period(
    tgs: &[TargetGroupView],
    service: Option<&ServiceView>,
    started_at_ms: Option<i64>,
    stopped_at_ms: Option<i64>,
) -> Option<Finding> {
    let (Some(start), Some(stop)) = (started_at_ms, stopped_at_ms) else {
        return None;
    };
    if stop < start || tgs.is_empty() {
        return None;
    }
    let lived_s = (stop - start) / 1000;
    let grace = service
        .and_then(|s| s.health_check_grace_period_s)
        .map_or(0, i64::from);
    // The slowest target group decides when the scheduler can first act on ELB health.
    let (tg, window) = tgs
        .iter()
        .map(|tg| {
            let interval = i64::from(tg.interval_s.unwrap_or(DEFAULT_INTERVAL_S));
            let unhealthy = i64::from(tg.unhealthy_threshold.unwrap_or(DEFAULT_UNHEALTHY));
            (tg, unhealthy * interval)
        })
        .max_by_key(|(_, w)| *w)?;
    let name = tg_name(&tg.arn);
    let service_name = service.map_or("the service".to_owned(), |s| format!("service {}", s.name));
    if lived_s <= grace + window {
        let suggested = ((lived_s * 2).max(60) + 29) / 30 * 30;
        Some(
            Finding::new(
                Check::LoadBalancer,
                Verdict::Warning,
                format!(
                    "The task lived {lived_s} s, within the grace period of {grace} s plus {window} s of failed checks in {name}: it may have been stopped before the application finished starting."
                ),
            )
            .with_details(vec![
                format!(
                    "Raise healthCheckGracePeriodSeconds of {service_name} above the application's startup time (e.g. {suggested} s): aws ecs update-service --health-check-grace-period-seconds {suggested} …"
                ),
                "The log shows when the application started listening.".to_owned(),
            ]),
        )
    } else {
        Some(Finding::new(
            Check::LoadBalancer,
            Verdict::Info,
            format!(
                "The task lived {lived_s} s, past the grace period of {grace} s plus {window} s of failed checks in {name}: it failed health checks after it had started."
            ),
        ))
    }
}

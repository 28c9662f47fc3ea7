//! `ECS Service Action` and `ECS Deployment State Change` events.
//!
//! Event names and reasons from the AWS docs "Amazon ECS service action events" (the
//! `SERVICE_TASK_PLACEMENT_FAILURE` reasons `RESOURCE:CPU`, `RESOURCE:MEMORY`, `RESOURCE:FARGATE`,
//! `RESOURCE:PORTS_TCP`, `AGENT`, `ATTRIBUTE`, …) and "Amazon ECS deployment state change events".

use super::evidence::item;
use super::hit::{high, low, medium, Hit};
use super::model::{Assessment, Classification, NextSteps, Recovery, Subject};
use super::next_steps::{Hints, Ids, Pending};
use super::text::{words, Text};
use super::{reason, scheduler, subject};
use crate::event::{DeploymentStateChange, Envelope, ServiceAction};
use crate::taxonomy::Category::*;

words! {
    MISSING_AN_ATTRIBUTE = any("missing an attribute");
}

pub fn service_action(envelope: &Envelope, d: &ServiceAction) -> Assessment {
    let subject = subject::of_service(envelope, d.cluster_arn.as_deref(), None);
    let name_clean = super::evidence::clean(d.event_name.as_deref().unwrap_or(""), 100);
    let name = name_clean.as_str();
    let reason_raw = d.reason.as_deref().unwrap_or("");
    let text = Text::new(reason_raw);
    let hit = match name {
        "SERVICE_STEADY_STATE" => {
            return Assessment::Recovery(Recovery {
                event_name: name.to_owned(),
                summary: "The service reached a steady state: its running tasks match the desired count and are healthy.".to_owned(),
                subject,
            })
        }
        "SERVICE_TASK_PLACEMENT_FAILURE" => Some(placement_reason(&text)),
        // "service X is unable to consistently start tasks successfully" (service event messages).
        "SERVICE_TASK_START_IMPAIRED" => Some(high(
            TaskFailedToStartUnspecified,
            "The service is unable to consistently start tasks: they fail soon after launch (see the stopped tasks for the cause).",
        )),
        "ECS_OPERATION_THROTTLED" | "SERVICE_DISCOVERY_OPERATION_THROTTLED" => Some(medium(
            QuotaExceeded,
            "ECS was throttled by an API rate quota while managing the service.",
        )),
        "SERVICE_TASK_CONFIGURATION_FAILURE" => Some(
            reason::classify(&text, scheduler::Context::default(), false)
                .unwrap_or(low(Unknown, "The service could not configure a task; the reason was not recognised.")),
        ),
        _ if is_problem(d.event_type.as_deref()) => reason::classify(&text, scheduler::Context::default(), false),
        _ => None,
    };
    let Some(hit) = hit else {
        return Assessment::Informational {
            detail_type: crate::event::SERVICE_ACTION.to_owned(),
            event_name: Some(name.to_owned()),
            reason: format!("{name} is informational; nothing to diagnose."),
        };
    };
    let mut evidence = vec![item("eventName", name, "The service event ECS emitted.")];
    if !reason_raw.is_empty() {
        evidence.push(item("reason", reason_raw, hit.meaning));
    }
    Assessment::Classified(build(hit, subject, evidence, reason_raw))
}

pub fn deployment(envelope: &Envelope, d: &DeploymentStateChange) -> Assessment {
    let subject = subject::of_service(envelope, None, d.deployment_id.as_deref());
    let name_clean = super::evidence::clean(d.event_name.as_deref().unwrap_or(""), 100);
    let name = name_clean.as_str();
    let reason_raw = d.reason.as_deref().unwrap_or("");
    match name {
        "SERVICE_DEPLOYMENT_COMPLETED" => Assessment::Recovery(Recovery {
            event_name: name.to_owned(),
            summary: "The service deployment completed: the new tasks reached steady state."
                .to_owned(),
            subject,
        }),
        // "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/…" or an alarm.
        "SERVICE_DEPLOYMENT_FAILED" => {
            let hit = high(DeploymentFailed, "The service deployment failed (circuit breaker or alarm) and is being rolled back or stopped.");
            let mut evidence = vec![item("eventName", name, "The deployment failed.")];
            if !reason_raw.is_empty() {
                evidence.push(item(
                    "reason",
                    reason_raw,
                    "What ECS said about the failure.",
                ));
            }
            Assessment::Classified(build(hit, subject, evidence, reason_raw))
        }
        // A rollback is announced by an IN_PROGRESS event whose reason reads "ECS deployment
        // circuit breaker: rolling back to deploymentId ecs-svc/…" (deployment state change
        // events doc): the deployment failed, whatever the event name says.
        _ if is_rollback(&Text::new(reason_raw)) => {
            let hit = high(DeploymentFailed, "The deployment failed and ECS is rolling the service back to the previous deployment.");
            let evidence = vec![
                item("eventName", name, "A deployment progress event."),
                item(
                    "reason",
                    reason_raw,
                    "The circuit breaker or an alarm triggered a rollback.",
                ),
            ];
            Assessment::Classified(build(hit, subject, evidence, reason_raw))
        }
        _ => Assessment::Informational {
            detail_type: crate::event::DEPLOYMENT_STATE_CHANGE.to_owned(),
            event_name: Some(name.to_owned()),
            reason: format!("{name} is a progress update; nothing to diagnose."),
        },
    }
}

fn is_rollback(t: &Text) -> bool {
    t.any(&scheduler::ROLLBACK)
}

fn is_problem(event_type: Option<&str>) -> bool {
    event_type.is_some_and(|t| t.eq_ignore_ascii_case("WARN") || t.eq_ignore_ascii_case("ERROR"))
}

/// `SERVICE_TASK_PLACEMENT_FAILURE` reasons are short codes, sometimes a full sentence.
fn placement_reason(t: &Text) -> Hit {
    if t.as_str() == "agent" {
        return high(
            AgentDisconnected,
            "No container instance with a connected ECS agent could take the task.",
        );
    }
    if t.as_str() == "attribute" || t.has(&MISSING_AN_ATTRIBUTE) {
        return medium(
            InsufficientResources,
            "No container instance has the attributes (placement constraints) the task requires.",
        );
    }
    scheduler::placement(t).unwrap_or(medium(
        InsufficientResources,
        "ECS could not place the task on the cluster's capacity.",
    ))
}

fn build(
    hit: Hit,
    subject: Subject,
    evidence: Vec<super::model::Evidence>,
    message: &str,
) -> Classification {
    let hints = Hints {
        message: (!message.is_empty()).then_some(message),
        ..Hints::default()
    };
    // Built on first read (model::NextSteps).
    let next_steps = NextSteps::pending(Pending::new(hit.category, Ids::of(&subject), hints));
    let mut summary = String::with_capacity(160);
    subject::push_summary_prefix(&mut summary, &subject);
    summary.push_str(hit.meaning);
    Classification {
        category: hit.category,
        family: hit.category.family(),
        severity: hit.category.severity(),
        expected: hit.category.expected(),
        confidence: hit.confidence,
        summary,
        evidence,
        next_steps,
        findings: Vec::new(),
        subject,
    }
}

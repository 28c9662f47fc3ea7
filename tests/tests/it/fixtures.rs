//! Domain values for the adapter tests, built the way the responder builds them (through the
//! incident policy), so what is stored has the real shape.

use ecs_triage_core::classify::{Classification, Confidence, Evidence, NextStep, Subject};
use ecs_triage_core::incident::{
    Incident, IncidentKey, Occurrence, Policy, Workload, WorkloadKind,
};
use ecs_triage_core::{Category, Family, Severity};

/// 2024-05-01T12:00:00Z: the time the tests pretend it is.
pub const NOW_MS: i64 = 1_714_564_800_000;

/// An OOM kill of `task_id` in service `service` of `cluster`, task definition revision 7.
pub fn oom(cluster: &str, service: &str, task_id: &str) -> Classification {
    Classification {
        category: Category::OomKilled,
        family: Family::Runtime,
        severity: Severity::Error,
        expected: false,
        confidence: Confidence::High,
        summary: format!("Container app of task {task_id} was killed: out of memory"),
        evidence: vec![Evidence {
            field: "containers[app].reason".into(),
            value: "OutOfMemoryError: Container killed due to memory usage".to_owned(),
            meaning: "the kernel OOM killer stopped the container".into(),
        }],
        next_steps: vec![NextStep {
            title: "Raise the container's memory".to_owned(),
            command: Some(format!(
                "aws ecs describe-tasks --cluster {cluster} --tasks {task_id}"
            )),
        }]
        .into(),
        findings: vec![],
        subject: Subject {
            region: Some("us-east-1".to_owned()),
            account: Some("123456789012".to_owned()),
            cluster: Some(cluster.to_owned()),
            service: Some(service.to_owned()),
            task_id: Some(task_id.to_owned()),
            task_arn: Some(format!(
                "arn:aws:ecs:us-east-1:123456789012:task/{cluster}/{task_id}"
            )),
            family: Some(service.to_owned()),
            revision: Some(7),
            container: Some("app".to_owned()),
            exit_code: Some(137),
            ..Subject::default()
        },
    }
}

/// One stop as the pipeline would record it: the occurrence and the incident after it.
#[derive(Debug, Clone)]
pub struct Stop {
    pub key: IncidentKey,
    pub occurrence: Occurrence,
    pub incident: Incident,
}

/// The stop of `c` at `at_ms`, on top of `existing` (None: the first one).
pub fn stop(c: &Classification, at_ms: i64, existing: Option<Incident>) -> Stop {
    let policy = Policy::default();
    let key = policy.key_of(c);
    let occurrence = policy.occurrence(c, &key, 1, at_ms, NOW_MS);
    let incident = policy.apply(existing, &key, c, at_ms, NOW_MS);
    Stop {
        key,
        occurrence,
        incident,
    }
}

pub fn service(cluster: &str, name: &str) -> Workload {
    Workload {
        cluster: cluster.to_owned(),
        kind: WorkloadKind::Service,
        name: name.to_owned(),
    }
}

//! One input where every rule allows a rollback in apply mode; each test changes the one fact it
//! is about.

use std::collections::BTreeMap;

use crate::classify::{Classification, Confidence, Subject};
use crate::incident::{Incident, IncidentKey, IncidentStatus, Workload, WorkloadKind};
use crate::remediate::*;
use crate::taxonomy::Category;

/// 2024-05-01T13:45:00Z.
pub const NOW: i64 = 1_714_571_100_000;
pub const MINUTE: i64 = 60_000;

pub fn td(family: &str, revision: u32) -> TaskDefinitionRef {
    TaskDefinitionRef {
        arn: format!("arn:aws:ecs:eu-west-1:111122223333:task-definition/{family}:{revision}"),
        family: family.into(),
        revision,
    }
}

pub fn incident(category: Category, count: u64) -> Incident {
    let key = IncidentKey {
        workload: Workload {
            cluster: "prod".into(),
            kind: WorkloadKind::Service,
            name: "api".into(),
        },
        revision: 8,
        category,
    };
    Incident {
        id: key.id(),
        key,
        status: IncidentStatus::Open,
        episode: 1,
        severity: category.severity(),
        expected: category.expected(),
        first_seen_ms: NOW - 20 * MINUTE,
        last_seen_ms: NOW - MINUTE,
        resolved_ms: None,
        count,
        total_count: count,
        notified_level: 1,
        notifications_sent: 1,
        resolve_notice_pending: false,
        claim: None,
        last: Classification {
            category,
            family: category.family(),
            severity: category.severity(),
            expected: category.expected(),
            confidence: Confidence::High,
            summary: "The essential container exited with code 1.".into(),
            evidence: vec![],
            next_steps: Default::default(),
            subject: Subject {
                region: Some("eu-west-1".into()),
                cluster: Some("prod".into()),
                service: Some("api".into()),
                family: Some("api".into()),
                revision: Some(8),
                ..Subject::default()
            },
            findings: vec![],
        },
        recent: vec![],
        rev: 1,
        expires_at_s: 0,
    }
}

pub fn tags(remediate: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("team".to_owned(), "payments".to_owned()),
        (REMEDIATE_TAG.to_owned(), remediate.to_owned()),
        (MEMORY_MAX_TAG.to_owned(), "4096".to_owned()),
        (GRACE_PERIOD_MAX_TAG.to_owned(), "600".to_owned()),
    ])
}

pub fn state() -> WorkloadState {
    WorkloadState {
        tags: tags("rollback"),
        current: Some(td("api", 8)),
        last_healthy: Some(HealthyRevision {
            task_definition: td("api", 7),
            recorded_at_ms: NOW - 24 * 60 * MINUTE,
        }),
        newest_deployment: Some(DeploymentInfo {
            id: "ecs-svc/1234567890".into(),
            created_at_ms: NOW - 60 * MINUTE,
            initiator: Initiator::Other(Some("alice".into())),
        }),
        exclusion: None,
        memory: Some(MemoryLimit {
            scope: MemoryScope::Task,
            mib: 1024,
        }),
        fargate_cpu_units: None,
        grace_period_s: Some(30),
        last_task_uptime_ms: Some(45_000),
    }
}

pub fn input() -> DecisionInput {
    DecisionInput {
        incident: incident(Category::AppExitError, 5),
        workload: Some(state()),
        guard: GuardState::default(),
        config: RemediationConfig {
            mode: Mode::Apply,
            ..RemediationConfig::default()
        },
        kill_switch: KillSwitch::Released,
        now_ms: NOW,
    }
}

/// The service state of an input (present in the fixture).
pub fn st(i: &mut DecisionInput) -> &mut WorkloadState {
    i.workload.get_or_insert_with(state)
}

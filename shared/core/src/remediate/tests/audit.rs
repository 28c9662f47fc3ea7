//! The audit item: every outcome is recorded with what the decision read, and every action with
//! the commands that apply and undo it.

use super::fixture::*;
use crate::remediate::*;

fn settled(i: &DecisionInput) -> Outcome {
    match decide(i) {
        Decision::Act(plan) => plan.settle(GuardOutcome::Acquired),
        Decision::Skip(reason) => reason.into(),
    }
}

#[test]
fn a_skip_is_audited_with_its_reason_and_no_command() {
    let mut i = input();
    st(&mut i).last_healthy = None;
    let a = AuditRecord::new(&i, &settled(&i));
    assert_eq!(a.outcome, AuditOutcome::Skipped);
    assert_eq!(a.reason_code.as_deref(), Some("no_last_healthy"));
    assert!(a
        .headline
        .starts_with("No action on service api in cluster prod: No healthy revision"));
    assert_eq!(
        (a.action, a.apply_command, a.undo_command),
        (None, None, None)
    );
    assert_eq!(a.inputs.last_healthy, None);
    assert_eq!(a.inputs.current.as_deref(), Some("api:8"));
}

#[test]
fn a_dry_run_is_audited_with_the_commands_it_would_have_run() {
    let mut i = input();
    i.config.mode = Mode::DryRun;
    let a = AuditRecord::new(&i, &settled(&i));
    assert_eq!(a.outcome, AuditOutcome::DryRun);
    assert_eq!(a.mode, Mode::DryRun);
    assert_eq!(
        a.headline,
        "Dry run, nothing changed: ecs-triage would roll back service api in cluster prod from api:8 to api:7."
    );
    assert_eq!(
        a.apply_command.as_deref(),
        Some("aws ecs update-service --cluster prod --service api --region eu-west-1 --task-definition api:7")
    );
    assert_eq!(
        a.undo_command.as_deref(),
        Some("aws ecs update-service --cluster prod --service api --region eu-west-1 --task-definition api:8")
    );
    assert_eq!(a.result, None);
}

#[test]
fn an_applied_action_records_its_result() {
    let i = input();
    let a = AuditRecord::new(&i, &settled(&i));
    assert_eq!(a.outcome, AuditOutcome::Applied);
    let ok = a.clone().with_result(ApplyResult::of(&Ok(Applied {
        deployment_id: Some("ecs-svc/42".into()),
        task_definition_arn: None,
    })));
    assert_eq!(
        ok.result,
        Some(ApplyResult::Accepted {
            deployment_id: Some("ecs-svc/42".into()),
            task_definition_arn: None
        })
    );
    let failed = a.with_result(ApplyResult::of(&Err(crate::ports::PortError::Permanent {
        service: "ecs",
        operation: "UpdateService",
        message: "AccessDenied".into(),
    })));
    assert_eq!(
        failed.result,
        Some(ApplyResult::Failed {
            message: "ecs refused UpdateService: AccessDenied".into()
        })
    );
}

#[test]
fn the_audit_is_keyed_beside_the_workload_and_sorted_by_time() {
    let i = input();
    let a = AuditRecord::new(&i, &settled(&i));
    assert_eq!(a.partition_key(), "WL#prod#svc:api");
    assert_eq!(
        a.sort_key(),
        format!("ACT#2024-05-01T13:45:00.000Z#{}", i.incident.id)
    );
    assert_eq!(a.expires_at_s, NOW / 1000 + 90 * 86_400);
}

#[test]
fn the_inputs_summary_keeps_only_the_remediator_tags_and_survives_a_bad_cap() {
    let mut i = input();
    st(&mut i).tags = tags("rollback, restart");
    st(&mut i).tags.insert(MEMORY_MAX_TAG.into(), "lots".into());
    let a = AuditRecord::new(&i, &settled(&i));
    assert_eq!(a.reason_code.as_deref(), Some("invalid_opt_in"));
    assert!(!a.inputs.tags.contains_key("team"));
    assert_eq!(
        a.inputs.tags.get(MEMORY_MAX_TAG).map(String::as_str),
        Some("lots")
    );
    assert_eq!(a.inputs.opted_in, vec![ActionKind::Rollback]);
    assert_eq!(a.inputs.unknown_opt_in, vec!["restart"]);
}

#[test]
fn the_audit_round_trips_through_json() {
    let mut i = input();
    oom(&mut i);
    let a = AuditRecord::new(&i, &settled(&i));
    let json = serde_json::to_string(&a).unwrap();
    assert!(json.contains(r#""kind":"raise_memory""#), "{json}");
    assert!(json.contains(r#""mode":"apply""#), "{json}");
    let back: AuditRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
}

fn oom(i: &mut DecisionInput) {
    i.incident = incident(crate::taxonomy::Category::OomKilled, 5);
    st(i).tags = tags("memory");
}

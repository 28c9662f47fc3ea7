//! The announcement of an action: published for applied and rehearsed actions only, with the
//! undo command, and safe whatever the names say.

use super::fixture::*;
use crate::remediate::*;
use crate::render::remediation_notification;

fn record(i: &DecisionInput) -> AuditRecord {
    let outcome = match decide(i) {
        Decision::Act(plan) => plan.settle(GuardOutcome::Acquired),
        Decision::Skip(reason) => reason.into(),
    };
    AuditRecord::new(i, &outcome)
}

#[test]
fn a_dry_run_is_announced_with_the_command_and_its_undo() {
    let mut i = input();
    i.config.mode = Mode::DryRun;
    let r = record(&i);
    let n = remediation_notification(&r).expect("a dry run is announced");
    assert_eq!(n.subject, "[ecs-triage] DRY RUN rollback: prod/api");
    let undo = r.undo_command.as_deref().unwrap();
    assert!(n.text.contains(undo), "{}", n.text);
    assert!(
        n.text.contains(r.apply_command.as_deref().unwrap()),
        "{}",
        n.text
    );
    assert!(n.text.contains(&r.sort_key()), "the audit item is named");
    let chat: serde_json::Value = serde_json::from_str(&n.chat_json).unwrap();
    assert!(chat["content"]["description"]
        .as_str()
        .unwrap()
        .contains(undo));
    assert!(n
        .attributes
        .contains(&("remediation".to_owned(), "rollback".to_owned())));
}

#[test]
fn an_applied_action_is_announced_but_a_skip_is_not() {
    let i = input();
    let n = remediation_notification(&record(&i)).expect("applied");
    assert!(
        n.subject.starts_with("[ecs-triage] REMEDIATION rollback"),
        "{}",
        n.subject
    );
    assert!(!n.text.contains("To do it by hand"), "it was done");

    let failed = record(&i).with_result(ApplyResult::Failed {
        message: "AccessDeniedException: not authorized\nto ecs:UpdateService".into(),
    });
    let n = remediation_notification(&failed).unwrap();
    assert!(
        n.subject.starts_with("[ecs-triage] REMEDIATION FAILED"),
        "{}",
        n.subject
    );
    assert!(n.text.contains("ECS did not make the change: AccessDeniedException: not authorized to ecs:UpdateService"), "{}", n.text);

    let mut skipped = input();
    st(&mut skipped).last_healthy = None;
    assert_eq!(remediation_notification(&record(&skipped)), None);
}

#[test]
fn hostile_names_stay_on_one_line_and_cannot_format_chat() {
    let mut i = input();
    i.config.mode = Mode::DryRun;
    i.incident.key.workload.name = "api\n**@channel** [x](http://evil)\u{7}".into();
    i.incident.key.workload.cluster = "prod\r\nBcc: x".into();
    let n = remediation_notification(&record(&i)).unwrap();
    assert!(
        !n.subject.contains('\n') && n.subject.len() < 100,
        "{}",
        n.subject
    );
    assert!(n.subject.is_ascii());
    let chat: serde_json::Value = serde_json::from_str(&n.chat_json).unwrap();
    let title = chat["content"]["title"].as_str().unwrap();
    assert!(
        !title.contains('\n') && !title.contains("**@channel**"),
        "{title}"
    );
    assert!(!title.contains("](http"), "{title}");
    for line in n.text.lines() {
        assert!(!line.starts_with("Bcc:"), "{}", n.text);
    }
    assert!(!n.text.contains('\u{7}'));
}

//! The remediator's announcement (issue 5, "Audit and undo": every action taken, or that would be
//! taken in dry-run, is published to the alerts topic with the exact AWS CLI command that undoes
//! it). Rendered from the audit record alone, so the message says exactly what was stored.
//!
//! Names in the headline come from events and tags: every value passes through the same
//! sanitizers as the incident messages (one line for text, escaped for chat markdown).

use serde_json::json;

use super::sanitize::{chat, one_line, sns_subject};
use crate::event::time::format_rfc3339_ms;
use crate::ports::Notification;
use crate::remediate::{ApplyResult, AuditOutcome, AuditRecord};

/// The announcement of an applied or rehearsed action; `None` for a skip (skips are audited,
/// not announced: a crash loop would otherwise send one per stopped task).
pub fn remediation_notification(record: &AuditRecord) -> Option<Notification> {
    let action = record.action.as_ref()?;
    let failed = matches!(record.result, Some(ApplyResult::Failed { .. }));
    let (head, icon) = match record.outcome {
        AuditOutcome::Applied if failed => ("REMEDIATION FAILED", ":x:"),
        AuditOutcome::Applied => ("REMEDIATION", ":wrench:"),
        AuditOutcome::DryRun => ("DRY RUN", ":memo:"),
        AuditOutcome::Skipped => return None,
    };
    // What ECS said, for an applied action.
    let result = match &record.result {
        Some(ApplyResult::Accepted { deployment_id, .. }) => Some(match deployment_id {
            Some(d) => format!(
                "ECS accepted the change and started deployment {}.",
                one_line(d, 100)
            ),
            None => "ECS accepted the change.".to_owned(),
        }),
        Some(ApplyResult::Failed { message }) => Some(format!(
            "ECS did not make the change: {}",
            one_line(message, 500)
        )),
        None => None,
    };
    let w = &record.workload;
    let subject = sns_subject(&format!(
        "[ecs-triage] {head} {}: {}/{}",
        action.kind(),
        one_line(&w.cluster, 40),
        one_line(&w.name, 60)
    ));
    let undo = record.undo_command.as_deref().unwrap_or("-");
    let apply = record.apply_command.as_deref().unwrap_or("-");
    let mut text = format!(
        "{}\n\nIncident: {} ({}, {} stops)\nDecided at: {}\nMode: {}\n",
        one_line(&record.headline, 600),
        one_line(&record.incident_id, 200),
        record.category.label(),
        record.inputs.incident_count,
        format_rfc3339_ms(record.at_ms),
        record.mode,
    );
    if let Some(r) = &result {
        text.push_str(&format!("Result: {r}\n"));
    }
    if record.outcome == AuditOutcome::DryRun {
        text.push_str(&format!(
            "\nTo do it by hand:\n  {}\n",
            one_line(apply, 2000)
        ));
    }
    text.push_str(&format!(
        "\nTo undo it:\n  {}\n\nThe decision, its inputs and its result are in the audit item {} / {}.\n",
        one_line(undo, 2000),
        one_line(&record.partition_key(), 300),
        one_line(&record.sort_key(), 300),
    ));
    let result_line = result
        .as_deref()
        .map(|r| format!("\n{}", chat(r, 600)))
        .unwrap_or_default();
    let description = format!(
        "{}{result_line}\nUndo: `{}`",
        chat(&record.headline, 600),
        // Inside a code span markdown does not apply; backticks are what could end it.
        one_line(undo, 1500).replace('`', "'"),
    );
    let chat_json = json!({
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": format!(
                "{icon} {head}: {} on {}/{}",
                action.kind(),
                chat(&w.cluster, 60),
                chat(&w.name, 80)
            ),
            "description": description,
            "keywords": ["ecs-triage", "remediation", action.kind().as_str()],
        },
        "metadata": {
            "threadId": record.incident_id,
            "summary": one_line(&record.headline, 200),
            "eventType": "remediation",
        }
    })
    .to_string();
    let value = |s: &str| {
        let v = one_line(s, 256);
        if v.is_empty() {
            "-".to_owned()
        } else {
            v
        }
    };
    Some(Notification {
        subject,
        text,
        chat_json,
        attributes: vec![
            ("severity".to_owned(), "info".to_owned()),
            ("category".to_owned(), record.category.label().to_owned()),
            ("cluster".to_owned(), value(&w.cluster)),
            ("service".to_owned(), value(&w.name)),
            ("remediation".to_owned(), action.kind().as_str().to_owned()),
        ],
    })
}

//! The chat message: the Amazon Q Developer in chat applications (formerly AWS Chatbot)
//! custom-notification schema — `version`, `source: "custom"`, `content` (title, description,
//! nextSteps, keywords) and `metadata` (threadId, summary, eventType, relatedResources) — from the
//! AWS doc "Custom notifications using Amazon Q Developer in chat applications".

use serde_json::json;

use super::sanitize::chat;
use crate::event::time::format_rfc3339_ms;
use crate::incident::{Incident, NotificationKind};

pub fn chat_json(inc: &Incident, what: NotificationKind) -> String {
    let c = &inc.last;
    let w = &inc.key.workload;
    let icon = match (what, inc.severity) {
        (NotificationKind::Resolved, _) => ":white_check_mark:",
        (_, crate::taxonomy::Severity::Error) => ":rotating_light:",
        (_, crate::taxonomy::Severity::Warning) => ":warning:",
        (_, crate::taxonomy::Severity::Info) => ":information_source:",
    };
    let title = match what {
        NotificationKind::Resolved => format!(
            "{icon} Resolved: {} on {}/{}",
            inc.key.category.label(),
            chat(&w.cluster, 60),
            chat(&w.name, 80)
        ),
        _ => format!(
            "{icon} {} on {}/{} ({})",
            inc.key.category.label(),
            chat(&w.cluster, 60),
            chat(&w.name, 80),
            super::stops(inc.count)
        ),
    };
    let mut description = match what {
        NotificationKind::Resolved => format!(
            "The service recovered at {} after {} stopped task(s).",
            format_rfc3339_ms(inc.resolved_ms.unwrap_or(inc.last_seen_ms)),
            inc.count
        ),
        _ => {
            let mut d = chat(&c.summary, 600);
            if let Some(e) = c
                .evidence
                .iter()
                .find(|e| e.field == "stoppedReason" || e.field.ends_with(".reason"))
            {
                d.push_str(&format!(" Reason: {}", chat(&e.value, 400)));
            }
            if let Some(first) = c
                .findings
                .iter()
                .find(|f| f.verdict == crate::diagnose::Verdict::Problem)
                .filter(|f| !c.summary.contains(&f.summary))
            {
                // The first problem leads, right after the reason; the list below has the rest.
                d.push_str(&format!(" Checked: {}", chat(&first.summary, 300)));
            }
            d.push_str(&format!(
                " {} since {}; confidence {}.",
                super::stops(inc.count),
                format_rfc3339_ms(inc.first_seen_ms),
                c.confidence
            ));
            d
        }
    };
    // "What we checked": each check, its verdict and what it found, one line each (the email
    // has the details). Problems first, then warnings, then the rest; at most 8 lines, so the
    // message stays short in a channel.
    if what != NotificationKind::Resolved && !c.findings.is_empty() {
        let mut findings: Vec<&crate::diagnose::Finding> = c.findings.iter().collect();
        findings.sort_by_key(|f| f.verdict);
        description.push_str("\n\n*What we checked*");
        for f in findings.iter().take(MAX_CHECKED_LINES) {
            description.push_str(&checked_line(f));
        }
        if findings.len() > MAX_CHECKED_LINES {
            description.push_str(&format!(
                "\n- … and {} more in the email",
                findings.len() - MAX_CHECKED_LINES
            ));
        }
    }
    let next_steps: Vec<String> = match what {
        NotificationKind::Resolved => Vec::new(),
        _ => c
            .next_steps
            .iter()
            .take(5)
            .map(|s| match &s.command {
                Some(cmd) => format!(
                    "{}: `{}`",
                    chat(&s.title, 200),
                    cmd.replace('`', "'")
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(600)
                        .collect::<String>()
                ),
                None => chat(&s.title, 300),
            })
            .collect(),
    };
    let mut keywords = vec![
        inc.key.category.label().to_owned(),
        c.family.as_str().to_owned(),
        inc.severity.as_str().to_owned(),
    ];
    keywords.push(chat(&w.cluster, 60));
    keywords.push(chat(&w.name, 80));
    let related: Vec<String> = [
        c.subject.task_arn.clone(),
        c.subject.task_definition.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|a| a.chars().filter(|c| !c.is_control()).take(300).collect())
    .collect();
    let event_type = format!("ecs-triage.incident.{}", what.as_str());
    json!({
        "version": "1.0",
        "source": "custom",
        "id": format!("{}-{}-{}-{}", inc.id, inc.episode, what.as_str(), inc.notifications_sent),
        "content": {
            "textType": "client-markdown",
            "title": title,
            "description": description,
            "nextSteps": next_steps,
            "keywords": keywords,
        },
        "metadata": {
            "threadId": inc.id,
            "summary": chat(&format!("{} {}/{}", inc.key.category.label(), w.cluster, w.name), 200),
            "eventType": event_type,
            "relatedResources": related,
            "additionalContext": {
                "category": inc.key.category.label(),
                "severity": inc.severity.as_str(),
                "count": inc.count,
                "episode": inc.episode,
                "status": inc.status.as_str(),
            },
        },
    })
    .to_string()
}

/// Lines of "What we checked" in a chat message.
const MAX_CHECKED_LINES: usize = 8;

/// One line of "What we checked": `- problem, image: Image … does not exist …`.
pub fn checked_line(f: &crate::diagnose::Finding) -> String {
    format!(
        "\n- {}, {}: {}",
        f.verdict.as_str(),
        f.check,
        chat(&f.summary, 200)
    )
}

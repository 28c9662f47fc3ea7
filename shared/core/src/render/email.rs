//! The plain-text report a person reads in a mail client, and the subject line.

use std::fmt::Write;

use super::sanitize::{one_line, plain_block, sns_subject};
use crate::event::time::format_rfc3339_ms;
use crate::incident::{Incident, IncidentStatus, NotificationKind, WorkloadKind};

/// Longest body sent; SNS messages are limited to 256 KB for all protocols together.
const MAX_BODY_CHARS: usize = 48_000;
/// Detail lines shown per finding (a log tail is 50 lines; the last ones matter most).
const MAX_DETAIL_LINES: usize = 20;

/// `RESOLVED` / `ERROR` … `category on cluster/workload (N stops)`, ASCII, < 100 characters.
pub fn subject(inc: &Incident, what: NotificationKind) -> String {
    let w = &inc.key.workload;
    let head = match what {
        NotificationKind::Resolved => "RESOLVED".to_owned(),
        _ => inc.severity.as_str().to_ascii_uppercase(),
    };
    let count = match what {
        NotificationKind::Opened if inc.count <= 1 => String::new(),
        _ => format!(" ({})", super::stops(inc.count)),
    };
    sns_subject(&format!(
        "[ecs-triage] {head} {}: {}/{}{count}",
        inc.key.category.label(),
        one_line(&w.cluster, 40),
        one_line(&w.name, 60)
    ))
}

fn when(ms: i64) -> String {
    format_rfc3339_ms(ms)
}

/// The email body.
pub fn email_text(inc: &Incident, what: NotificationKind, now_ms: i64) -> String {
    let c = &inc.last;
    let s = &c.subject;
    let w = &inc.key.workload;
    let mut out = String::with_capacity(4096);
    let kind = match w.kind {
        WorkloadKind::Service => "Service",
        WorkloadKind::Family => "Task family",
    };
    let headline = match what {
        NotificationKind::Opened => "New incident",
        NotificationKind::Escalated(_) => "Incident still happening",
        NotificationKind::Resolved => "Incident resolved",
    };
    let _ = writeln!(
        out,
        "{headline}: {} ({}, severity {})",
        inc.key.category.label(),
        c.family,
        inc.severity
    );
    let _ = writeln!(
        out,
        "{kind} {} in cluster {}\n",
        one_line(&w.name, 200),
        one_line(&w.cluster, 200)
    );

    out.push_str("WHAT HAPPENED\n");
    match what {
        NotificationKind::Resolved => {
            let at = inc.resolved_ms.unwrap_or(now_ms);
            let _ = writeln!(
                out,
                "  The service recovered at {} after {} stopped task(s) of this kind.",
                when(at),
                inc.count
            );
        }
        _ => {
            let _ = writeln!(out, "  {}", one_line(&c.summary, 600));
            let _ = writeln!(
                out,
                "  {} stopped task(s) since {}; latest at {}.",
                inc.count,
                when(inc.first_seen_ms),
                when(inc.last_seen_ms)
            );
        }
    }
    let _ = writeln!(
        out,
        "  Confidence: {}. {}\n",
        c.confidence,
        one_line(inc.key.category.definition(), 400)
    );

    if what != NotificationKind::Resolved && !c.evidence.is_empty() {
        out.push_str("WHY (evidence)\n");
        for e in &c.evidence {
            let _ = writeln!(
                out,
                "  - {}: {}",
                one_line(&e.field, 100),
                one_line(&e.value, 500)
            );
            let _ = writeln!(out, "    {}", one_line(&e.meaning, 300));
        }
        out.push('\n');
    }

    if what != NotificationKind::Resolved && !c.findings.is_empty() {
        out.push_str("WHAT WE CHECKED\n");
        for f in &c.findings {
            let _ = writeln!(
                out,
                "  - [{}] {}: {}",
                f.verdict.as_str(),
                f.check,
                one_line(&f.summary, 600)
            );
            for d in f.details.iter().take(MAX_DETAIL_LINES) {
                let _ = writeln!(out, "      {}", one_line(d, 300));
            }
            if f.details.len() > MAX_DETAIL_LINES {
                let _ = writeln!(
                    out,
                    "      ({} more lines)",
                    f.details.len() - MAX_DETAIL_LINES
                );
            }
        }
        out.push('\n');
    }

    out.push_str("WHERE\n");
    let mut field = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            // 19 columns: the longest label ("Availability zone:") and a space.
            let _ = writeln!(out, "  {name:<19}{}", one_line(&v, 300));
        }
    };
    field("Cluster:", Some(w.cluster.clone()));
    field(
        if w.kind == WorkloadKind::Service {
            "Service:"
        } else {
            "Task family:"
        },
        Some(w.name.clone()),
    );
    field("Task:", s.task_arn.clone());
    field("Task definition:", s.task_definition.clone());
    field("Revision:", s.revision.map(|r| r.to_string()));
    field("Container:", s.container.clone());
    field("Exit code:", s.exit_code.map(|e| e.to_string()));
    field("Availability zone:", s.availability_zone.clone());
    field("Launch type:", s.launch_type.clone());
    field("Deployment:", s.deployment_id.clone());
    field("Region:", s.region.clone());
    out.push('\n');

    if what != NotificationKind::Resolved && !c.next_steps.is_empty() {
        out.push_str("WHAT TO DO\n");
        for (i, step) in c.next_steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, one_line(&step.title, 400));
            if let Some(cmd) = &step.command {
                let _ = writeln!(out, "     $ {}", one_line(cmd, 2000));
            }
        }
        out.push('\n');
    }

    out.push_str("HISTORY\n");
    let status = match inc.status {
        IncidentStatus::Open => "open",
        IncidentStatus::Resolved => "resolved",
    };
    let _ = writeln!(
        out,
        "  Incident {} ({status}, episode {}): {} stop(s) in this episode, {} in all; {} earlier message(s).",
        inc.id, inc.episode, inc.count, inc.total_count, inc.notifications_sent
    );
    for b in &inc.recent {
        let exit = b
            .exit_code
            .map(|e| format!(" exit {e}"))
            .unwrap_or_default();
        let az = b
            .availability_zone
            .as_deref()
            .map(|a| format!(" in {}", one_line(a, 40)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {} task {}{exit}{az}",
            when(b.at_ms),
            one_line(&b.task_id, 80)
        );
    }
    out.push_str("\n-- \necs-triage: why did my ECS task stop, and what do I do now?\n");

    let mut body = plain_block(&out);
    if body.chars().count() > MAX_BODY_CHARS {
        body = body.chars().take(MAX_BODY_CHARS).collect();
        body.push_str("\n[truncated]\n");
    }
    body
}

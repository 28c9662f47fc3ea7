//! The two output forms of `classify` and `diagnose`.

use std::fmt::Write;

use ecs_triage_core::classify::clean;
use ecs_triage_core::{Assessment, Category};

/// What one input (a file's event, a described task) came to.
#[derive(Debug)]
pub struct Report {
    /// Where it came from: `file[:line]` for `classify`, the task ARN for `diagnose`.
    pub origin: String,
    pub assessment: Assessment,
    /// The classifier's category before the checks changed it (`diagnose` only).
    pub refined_from: Option<Category>,
}

/// One compact JSON object per report, one per line: the assessment's flat schema plus `input`
/// (the origin) and, when the checks changed the category, `refined_from`.
pub fn json_lines(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let mut value = serde_json::to_value(&r.assessment).unwrap_or_default();
        if let Some(obj) = value.as_object_mut() {
            obj.insert("input".into(), r.origin.clone().into());
            if let Some(from) = r.refined_from {
                obj.insert("refined_from".into(), from.label().into());
            }
        }
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out
}

/// A short report a person reads in a terminal. Every text from the event is cleaned of control
/// characters so a hostile reason cannot drive the terminal.
pub fn human(reports: &[Report]) -> String {
    let mut out = String::new();
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let origin = clean(&report.origin, 200);
        match &report.assessment {
            Assessment::Classified(c) => {
                let expected = if c.expected { ", expected" } else { "" };
                let _ = writeln!(
                    out,
                    "{origin}: {} ({}, {}{expected}, {} confidence)",
                    c.category, c.family, c.severity, c.confidence
                );
                let _ = writeln!(out, "  {}", clean(&c.summary, 400));
                if let Some(from) = report.refined_from {
                    let _ = writeln!(out, "  (the checks changed the category from {from})");
                }
                if !c.evidence.is_empty() {
                    out.push_str("  Evidence:\n");
                    for e in &c.evidence {
                        let _ = writeln!(
                            out,
                            "    - {} = {}\n      {}",
                            clean(&e.field, 100),
                            clean(&e.value, 300),
                            clean(&e.meaning, 300)
                        );
                    }
                }
                if !c.findings.is_empty() {
                    out.push_str("  What we checked:\n");
                    for f in &c.findings {
                        let _ = writeln!(
                            out,
                            "    - [{}] {}: {}",
                            f.verdict.as_str(),
                            f.check,
                            clean(&f.summary, 600)
                        );
                        for d in &f.details {
                            let _ = writeln!(out, "        {}", clean(d, 500));
                        }
                    }
                }
                if !c.next_steps.is_empty() {
                    out.push_str("  Next steps:\n");
                    for (n, s) in c.next_steps.iter().enumerate() {
                        let _ = writeln!(out, "    {}. {}", n + 1, clean(&s.title, 300));
                        if let Some(cmd) = &s.command {
                            let _ = writeln!(out, "       $ {}", clean(cmd, 2000));
                        }
                    }
                }
            }
            Assessment::Recovery(r) => {
                let _ = writeln!(out, "{origin}: recovery ({})", clean(&r.event_name, 100));
                let _ = writeln!(out, "  {}", clean(&r.summary, 400));
            }
            Assessment::Informational {
                detail_type,
                event_name,
                reason,
            } => {
                let name = event_name
                    .as_deref()
                    .map(|n| format!(" {}", clean(n, 100)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{origin}: informational ({}{name})",
                    clean(detail_type, 100)
                );
                let _ = writeln!(out, "  {}", clean(reason, 400));
            }
        }
    }
    out
}

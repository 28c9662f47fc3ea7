//! The two output forms of `classify`.

use std::fmt::Write;

use crate::input::Located;
use ecs_triage_core::classify::clean;
use ecs_triage_core::Assessment;

/// One compact JSON object per event, one per line, with the input's origin added.
pub fn json_lines(events: &[(Located, Assessment)]) -> String {
    let mut out = String::new();
    for (located, assessment) in events {
        let mut value = serde_json::to_value(assessment).unwrap_or_default();
        if let Some(obj) = value.as_object_mut() {
            obj.insert("input".into(), located.origin.clone().into());
        }
        out.push_str(&value.to_string());
        out.push('\n');
    }
    out
}

/// A short report a person reads in a terminal. Every text from the event is cleaned of control
/// characters so a hostile reason cannot drive the terminal.
pub fn human(events: &[(Located, Assessment)]) -> String {
    let mut out = String::new();
    for (i, (located, assessment)) in events.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let origin = clean(&located.origin, 200);
        match assessment {
            Assessment::Classified(c) => {
                let expected = if c.expected { ", expected" } else { "" };
                let _ = writeln!(
                    out,
                    "{origin}: {} ({}, {}{expected}, {} confidence)",
                    c.category, c.family, c.severity, c.confidence
                );
                let _ = writeln!(out, "  {}", clean(&c.summary, 400));
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

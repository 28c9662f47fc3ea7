//! Rendering notifications (pure): the email/plain text, the chat JSON in the Amazon Q Developer
//! in chat applications custom-notification schema, the subject and the message attributes.

mod chat;
mod email;
mod remediation;
pub mod sanitize;

pub use chat::{chat_json, checked_line};
pub use email::{email_text, subject};
pub use remediation::remediation_notification;

use crate::incident::{Incident, NotificationKind};
use crate::ports::Notification;

/// Every rendering of one notification about an incident.
pub fn notification(incident: &Incident, what: NotificationKind, now_ms: i64) -> Notification {
    Notification {
        subject: subject(incident, what),
        text: email_text(incident, what, now_ms),
        chat_json: chat_json(incident, what),
        attributes: attributes(incident),
    }
}

/// "1 stop", "5 stops".
pub(crate) fn stops(count: u64) -> String {
    if count == 1 {
        "1 stop".to_owned()
    } else {
        format!("{count} stops")
    }
}

/// `severity`, `category`, `cluster`, `service` (the workload name), for filter policies. SNS
/// rejects empty attribute values, so missing ones are `-`.
pub fn attributes(incident: &Incident) -> Vec<(String, String)> {
    let value = |s: &str| {
        let v = sanitize::one_line(s, 256);
        if v.is_empty() {
            "-".to_owned()
        } else {
            v
        }
    };
    vec![
        ("severity".to_owned(), incident.severity.as_str().to_owned()),
        (
            "category".to_owned(),
            incident.key.category.label().to_owned(),
        ),
        ("cluster".to_owned(), value(&incident.key.workload.cluster)),
        ("service".to_owned(), value(&incident.key.workload.name)),
    ]
}

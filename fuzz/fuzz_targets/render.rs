//! Any event that classifies as a failure, rendered as every message it can produce: the SNS
//! subject is one printable-ASCII line under 100 characters, the chat payload is valid JSON,
//! the email is text.
#![no_main]

use ecs_triage_core::incident::{NotificationKind, Policy};
use ecs_triage_core::render::notification;
use ecs_triage_core::Assessment;
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_714_571_100_000;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = ecs_triage_core::parse_event(data) else {
        return;
    };
    let Assessment::Classified(c) = ecs_triage_core::assess(&event) else {
        return;
    };
    let policy = Policy::default();
    let key = policy.key_of(&c);
    let incident = policy.apply(None, &key, &c, NOW, NOW);
    for what in [
        NotificationKind::Opened,
        NotificationKind::Escalated(3),
        NotificationKind::Resolved,
    ] {
        let n = notification(&incident, what, NOW);
        assert!(n.subject.len() < 100, "subject of {} bytes", n.subject.len());
        assert!(
            n.subject.bytes().all(|b| (0x20..0x7f).contains(&b)),
            "subject not one printable ASCII line: {:?}",
            n.subject
        );
        serde_json::from_str::<serde_json::Value>(&n.chat_json).expect("chat JSON is valid");
        assert!(!n.text.contains('\u{0}'));
    }
});

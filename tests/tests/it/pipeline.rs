//! The responder's pipeline (`ecs_triage_core::respond`) on the real adapters: what the fakes
//! promise, the emulator must keep.

use std::time::Duration;

use ecs_triage_core::event::time::parse_rfc3339_ms;
use ecs_triage_core::incident::NotificationKind;
use ecs_triage_core::incident::Policy;
use ecs_triage_core::parse_event;
use ecs_triage_core::ports::IncidentStore;
use ecs_triage_core::respond::{Action, Responder};

use crate::harness::{emulator, namespace, repo_root};

#[tokio::test]
async fn a_redelivered_stop_is_recorded_once_and_announced_once() {
    let emu = emulator();
    let cluster = namespace("pipeline");
    emu.tap(&cluster).await;
    let sample = std::fs::read_to_string(repo_root().join("events/task-stopped-oom.json"))
        .expect("events/task-stopped-oom.json");
    let event = parse_event(sample.replace("payments-prod", &cluster).as_bytes())
        .expect("the sample parses");
    let (store, notifier, policy) = (
        emu.isolated_store("pipeline").await,
        emu.notifier_for(&cluster).await,
        Policy::default(),
    );
    let responder = Responder {
        store: &store,
        notifier: &notifier,
        policy: &policy,
    };
    let now = parse_rfc3339_ms("2025-04-30T01:45:00Z").unwrap();

    let first = responder.handle(&event, now).await.unwrap();
    let again = responder.handle(&event, now + 1_000).await.unwrap();

    assert_eq!(
        (first.action, first.count, first.notified.as_slice()),
        (
            Action::Recorded,
            Some(1),
            [NotificationKind::Opened].as_slice()
        )
    );
    assert_eq!(
        (again.action, again.count, again.notified.as_slice()),
        (Action::Duplicate, Some(1), [].as_slice())
    );
    let recent = store.recent_incidents(&cluster, 10).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(
        (
            recent[0].notified_level,
            recent[0].notifications_sent,
            recent[0].claim.clone()
        ),
        (1, 1, None)
    );
    // Ask for two to see that no second message comes.
    let messages = emu.drain_tap(&cluster, 2, Duration::from_secs(3)).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0].attribute("category"), Some("oom_killed"));
}

//! The pipeline's idempotency and notification rules, against the in-memory fakes.

use std::sync::atomic::Ordering;

use super::*;
use crate::event::parse_event;
use crate::fakes::{InMemoryStore, RecordingNotifier};
use crate::incident::IncidentStatus;

const OOM: &str = r#"{"version":"0","id":"e1","detail-type":"ECS Task State Change","source":"aws.ecs",
 "account":"111122223333","time":"2026-01-01T00:00:10Z","region":"us-east-1","resources":[],
 "detail":{"clusterArn":"arn:aws:ecs:us-east-1:111122223333:cluster/prod",
  "taskArn":"arn:aws:ecs:us-east-1:111122223333:task/prod/TASK","group":"service:api",
  "taskDefinitionArn":"arn:aws:ecs:us-east-1:111122223333:task-definition/api:7",
  "lastStatus":"STOPPED","stopCode":"EssentialContainerExited","stoppedReason":"Essential container in task exited",
  "stoppedAt":"STOPPED_AT","version":VERSION,
  "containers":[{"name":"app","exitCode":137,"reason":"OutOfMemoryError: Container killed due to memory usage"}]}}"#;

fn oom(task: &str, version: u64, stopped_at: &str) -> EcsEvent {
    let json = OOM
        .replace("TASK", task)
        .replace("VERSION", &version.to_string())
        .replace("STOPPED_AT", stopped_at);
    parse_event(json.as_bytes()).unwrap()
}

fn steady(time: &str) -> EcsEvent {
    let json = format!(
        r#"{{"version":"0","id":"s1","detail-type":"ECS Service Action","source":"aws.ecs","account":"111122223333",
        "time":"{time}","region":"us-east-1","resources":["arn:aws:ecs:us-east-1:111122223333:service/prod/api"],
        "detail":{{"eventType":"INFO","eventName":"SERVICE_STEADY_STATE","clusterArn":"arn:aws:ecs:us-east-1:111122223333:cluster/prod"}}}}"#
    );
    parse_event(json.as_bytes()).unwrap()
}

struct World {
    store: InMemoryStore,
    notifier: RecordingNotifier,
    policy: Policy,
}

impl World {
    fn new() -> World {
        World {
            store: InMemoryStore::default(),
            notifier: RecordingNotifier::default(),
            policy: Policy::default(),
        }
    }
    fn responder(&self) -> Responder<'_> {
        Responder {
            store: &self.store,
            notifier: &self.notifier,
            policy: &self.policy,
        }
    }
}

const NOW: i64 = 1_767_225_700_000;

#[tokio::test]
async fn first_failure_opens_an_incident_and_notifies_once() {
    let w = World::new();
    let out = w
        .responder()
        .handle(&oom("t1", 3, "2026-01-01T00:00:05Z"), NOW)
        .await
        .unwrap();
    assert_eq!(out.action, Action::Recorded);
    assert_eq!(out.notified, vec![NotificationKind::Opened]);
    assert_eq!(out.count, Some(1));
    let sent = w.notifier.sent();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].subject.contains("oom_killed"),
        "{}",
        sent[0].subject
    );
    assert_eq!(w.store.incidents()[0].notified_level, 1);
}

#[tokio::test]
async fn repeats_and_older_versions_are_no_ops() {
    let w = World::new();
    let r = w.responder();
    r.handle(&oom("t1", 3, "2026-01-01T00:00:05Z"), NOW)
        .await
        .unwrap();
    assert_eq!(
        r.handle(&oom("t1", 3, "2026-01-01T00:00:05Z"), NOW)
            .await
            .unwrap()
            .action,
        Action::Duplicate
    );
    assert_eq!(
        r.handle(&oom("t1", 2, "2026-01-01T00:00:05Z"), NOW)
            .await
            .unwrap()
            .action,
        Action::Stale
    );
    assert_eq!(
        r.handle(&oom("t1", 4, "2026-01-01T00:00:05Z"), NOW)
            .await
            .unwrap()
            .action,
        Action::Updated
    );
    assert_eq!(w.store.occurrences().len(), 1);
    assert_eq!(w.store.incidents()[0].count, 1);
    assert_eq!(w.notifier.sent().len(), 1);
}

#[tokio::test]
async fn a_crash_loop_sends_only_the_escalation_digests() {
    let w = World::new();
    let r = w.responder();
    for i in 0..50 {
        r.handle(&oom(&format!("t{i}"), 1, "2026-01-01T00:00:05Z"), NOW + i)
            .await
            .unwrap();
    }
    let inc = &w.store.incidents()[0];
    assert_eq!(inc.count, 50);
    // Thresholds 1, 5, 25 were crossed.
    assert_eq!(w.notifier.sent().len(), 3);
    assert_eq!(inc.notified_level, 3);
}

#[tokio::test]
async fn a_failed_publish_is_retried_and_then_sent_exactly_once() {
    let w = World::new();
    w.notifier.fail_next.store(1, Ordering::SeqCst);
    let r = w.responder();
    let err = r
        .handle(&oom("t1", 1, "2026-01-01T00:00:05Z"), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, RespondError::Notify(_)), "{err}");
    assert!(w.notifier.sent().is_empty());
    // The redelivery is a duplicate occurrence, but the notification is still owed.
    let out = r
        .handle(&oom("t1", 1, "2026-01-01T00:00:05Z"), NOW + 1)
        .await
        .unwrap();
    assert_eq!(out.action, Action::Duplicate);
    assert_eq!(out.notified, vec![NotificationKind::Opened]);
    r.handle(&oom("t1", 1, "2026-01-01T00:00:05Z"), NOW + 2)
        .await
        .unwrap();
    assert_eq!(w.notifier.sent().len(), 1);
}

#[tokio::test]
async fn steady_state_resolves_with_one_message_and_a_recurrence_reopens() {
    let w = World::new();
    let r = w.responder();
    r.handle(&oom("t1", 1, "2026-01-01T00:00:05Z"), NOW)
        .await
        .unwrap();
    let out = r
        .handle(&steady("2026-01-01T00:10:00Z"), NOW)
        .await
        .unwrap();
    assert_eq!(out.notified, vec![NotificationKind::Resolved]);
    r.handle(&steady("2026-01-01T00:11:00Z"), NOW)
        .await
        .unwrap();
    assert_eq!(w.notifier.sent().len(), 2);
    assert_eq!(w.store.incidents()[0].status, IncidentStatus::Resolved);
    let out = r
        .handle(&oom("t2", 1, "2026-01-01T00:20:00Z"), NOW)
        .await
        .unwrap();
    assert_eq!(out.notified, vec![NotificationKind::Opened]);
    let inc = &w.store.incidents()[0];
    assert_eq!(
        (inc.status, inc.episode, inc.count, inc.total_count),
        (IncidentStatus::Open, 2, 1, 2)
    );
}

#[tokio::test]
async fn steady_state_before_a_later_failure_does_not_resolve_it() {
    let w = World::new();
    let r = w.responder();
    r.handle(&oom("t1", 1, "2026-01-01T00:20:00Z"), NOW)
        .await
        .unwrap();
    r.handle(&steady("2026-01-01T00:10:00Z"), NOW)
        .await
        .unwrap();
    assert_eq!(w.store.incidents()[0].status, IncidentStatus::Open);
}

#[tokio::test]
async fn expected_stops_are_recorded_but_not_notified_unless_configured() {
    let json = include_str!("../../../events/task-stopped-scale-in.json");
    let event = parse_event(json.as_bytes()).unwrap();
    let w = World::new();
    let out = w.responder().handle(&event, NOW).await.unwrap();
    assert_eq!(out.action, Action::Recorded);
    assert!(out.notified.is_empty());
    assert!(w.notifier.sent().is_empty());
    let w2 = World {
        policy: Policy {
            notify_expected: true,
            ..Policy::default()
        },
        ..World::new()
    };
    assert_eq!(
        w2.responder()
            .handle(&event, NOW)
            .await
            .unwrap()
            .notified
            .len(),
        1
    );
}

#[tokio::test]
async fn concurrent_duplicates_record_and_notify_once() {
    let w = std::sync::Arc::new(World::new());
    let mut tasks = Vec::new();
    for i in 0..10 {
        let w = w.clone();
        tasks.push(tokio::spawn(async move {
            w.responder()
                .handle(&oom("t1", 1, "2026-01-01T00:00:05Z"), NOW + i)
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(w.store.occurrences().len(), 1);
    assert_eq!(w.notifier.sent().len(), 1);
}

#[tokio::test]
async fn store_failures_surface_as_store_errors() {
    let w = World::new();
    w.store.fail_next.store(1, Ordering::SeqCst);
    let err = w
        .responder()
        .handle(&oom("t1", 1, "2026-01-01T00:00:05Z"), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RespondError::Store(ref e) if e.is_transient()),
        "{err}"
    );
}

#[tokio::test]
async fn events_of_clusters_out_of_scope_are_ignored_and_in_scope_ones_recorded() {
    // A deployment event: EventBridge cannot filter it by cluster (no cluster in its detail).
    let json = include_str!("../../../events/deployment-failed-circuit-breaker.json");
    let event = parse_event(json.as_bytes()).unwrap();
    let cluster = match assess(&event) {
        crate::classify::Assessment::Classified(c) => c.subject.cluster.unwrap(),
        other => panic!("the sample is a failure: {other:?}"),
    };
    let scoped = |clusters: Vec<String>| World {
        policy: Policy {
            clusters,
            ..Policy::default()
        },
        ..World::new()
    };
    let other = scoped(vec!["somewhere-else".into()]);
    let out = other.responder().handle(&event, NOW).await.unwrap();
    assert_eq!(out.action, Action::Ignored);
    assert!(other.notifier.sent().is_empty());

    let mine = scoped(vec!["somewhere-else".into(), cluster]);
    let out = mine.responder().handle(&event, NOW).await.unwrap();
    assert_eq!(out.action, Action::Recorded);
}

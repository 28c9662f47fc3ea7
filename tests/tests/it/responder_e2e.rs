//! The responder end to end: the real handler (`responder::handler::respond`) on the real
//! adapters, over HTTP to the emulator. Each test has its own table and cluster name.

use std::time::Duration;

use ecs_triage_aws::dynamodb::DynamoDbIncidentStore;
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_core::event::time::parse_rfc3339_ms;
use ecs_triage_core::incident::{IncidentStatus, Policy};
use ecs_triage_core::ports::IncidentStore;
use ecs_triage_core::respond::{Action, Responder};
use responder::handler::{respond, NON_RETRYABLE, RETRYABLE};

use crate::harness::{emulator, namespace, repo_root, Emulator, SnsEnvelope};

/// After every sample event, so stops are in the past.
fn now() -> i64 {
    parse_rfc3339_ms("2025-06-01T00:00:00Z").unwrap()
}

/// A sample event with its cluster renamed to this test's namespace.
fn sample(file: &str, from_cluster: &str, cluster: &str) -> String {
    std::fs::read_to_string(repo_root().join("events").join(file))
        .unwrap_or_else(|e| panic!("events/{file}: {e}"))
        .replace(&format!("/{from_cluster}"), &format!("/{cluster}"))
}

/// The crash-loop sample as task `n`, with `detail.version` = `version`.
fn crash(cluster: &str, n: usize, version: u64) -> Vec<u8> {
    sample("task-stopped-app-crash-exit-1.json", "prod-core", cluster)
        .replace("4c91867a3eba500f85c1fb68e024f1aa", &format!("{n:032x}"))
        .replace("\"version\": 5", &format!("\"version\": {version}"))
        .into_bytes()
}

struct World {
    store: DynamoDbIncidentStore,
    notifier: SnsNotifier,
    policy: Policy,
    cluster: String,
}

impl World {
    async fn new(test: &str) -> World {
        let emu = emulator();
        let cluster = namespace(test);
        emu.tap(&cluster).await;
        World {
            store: emu.isolated_store(test).await,
            notifier: emu.notifier_for(&cluster).await,
            policy: Policy::default(),
            cluster,
        }
    }

    fn responder(&self) -> Responder<'_> {
        Responder {
            store: &self.store,
            notifier: &self.notifier,
            policy: &self.policy,
        }
    }

    async fn messages(&self, expect_at_most: usize) -> Vec<SnsEnvelope> {
        // Ask for one more than expected, so a surplus message is seen.
        emulator()
            .drain_tap(&self.cluster, expect_at_most + 1, Duration::from_secs(3))
            .await
    }
}

fn emu() -> &'static Emulator {
    emulator()
}

#[tokio::test]
async fn a_first_failure_opens_one_incident_and_sends_one_message() {
    let w = World::new("e2e-first").await;
    let out = respond(&crash(&w.cluster, 1, 5), &w.responder(), now())
        .await
        .unwrap();
    assert_eq!(out.action, Action::Recorded);

    let incidents = w.store.recent_incidents(&w.cluster, 10).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(
        (incidents[0].count, incidents[0].status),
        (1, IncidentStatus::Open)
    );

    let messages = w.messages(1).await;
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let m = &messages[0];
    let subject = m.subject.as_deref().unwrap_or("");
    assert!(
        subject.len() < 100 && subject.is_ascii() && !subject.contains('\n'),
        "{subject}"
    );
    assert!(subject.contains("app_exit_error"), "{subject}");
    // The tap queue is an SQS subscriber: it receives the chat JSON.
    let chat: serde_json::Value = serde_json::from_str(&m.message).expect("chat JSON");
    assert_eq!(chat["version"], "1.0");
    assert_eq!(chat["source"], "custom");
    assert_eq!(chat["metadata"]["threadId"], incidents[0].id.as_str());
    assert!(chat["content"]["nextSteps"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    for attr in ["severity", "category", "cluster", "service"] {
        assert!(
            m.attribute(attr).is_some(),
            "attribute {attr} missing: {m:#?}"
        );
    }
    assert_eq!(m.attribute("cluster"), Some(w.cluster.as_str()));
}

#[tokio::test]
async fn fifty_stops_of_one_failure_are_one_incident_and_three_digests() {
    let w = World::new("e2e-storm").await;
    for n in 0..50 {
        respond(&crash(&w.cluster, n, 5), &w.responder(), now() + n as i64)
            .await
            .unwrap();
    }
    let incidents = w.store.recent_incidents(&w.cluster, 10).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].count, 50);
    // Default thresholds 1, 5, 25.
    let messages = w.messages(3).await;
    assert_eq!(messages.len(), 3, "{messages:#?}");
}

#[tokio::test]
async fn the_same_event_twice_is_one_occurrence_and_one_message() {
    let w = World::new("e2e-twice").await;
    let event = crash(&w.cluster, 7, 5);
    let first = respond(&event, &w.responder(), now()).await.unwrap();
    let second = respond(&event, &w.responder(), now() + 500).await.unwrap();
    assert_eq!(
        (first.action, second.action),
        (Action::Recorded, Action::Duplicate)
    );
    assert_eq!(
        w.store.recent_incidents(&w.cluster, 10).await.unwrap()[0].count,
        1
    );
    assert_eq!(w.messages(1).await.len(), 1);
}

#[tokio::test]
async fn ten_concurrent_deliveries_are_one_occurrence_and_one_message() {
    let w = World::new("e2e-concurrent").await;
    let event = crash(&w.cluster, 9, 5);
    let responder = w.responder();
    // Concurrent on one task: the handler borrows the responder, as the Lambda runtime's does.
    let outcomes =
        futures::future::join_all((0..10).map(|i| respond(&event, &responder, now() + i))).await;
    let recorded = outcomes
        .iter()
        .filter(|o| o.as_ref().unwrap().action == Action::Recorded)
        .count();
    assert_eq!(recorded, 1, "{outcomes:#?}");
    let incidents = w.store.recent_incidents(&w.cluster, 10).await.unwrap();
    assert_eq!(incidents[0].count, 1);
    assert_eq!(w.messages(1).await.len(), 1);
}

#[tokio::test]
async fn an_older_version_after_a_newer_one_is_ignored() {
    let w = World::new("e2e-stale").await;
    respond(&crash(&w.cluster, 3, 6), &w.responder(), now())
        .await
        .unwrap();
    let stale = respond(&crash(&w.cluster, 3, 4), &w.responder(), now() + 1)
        .await
        .unwrap();
    assert_eq!(stale.action, Action::Stale);
    assert_eq!(
        w.store.recent_incidents(&w.cluster, 10).await.unwrap()[0].count,
        1
    );
    assert_eq!(w.messages(1).await.len(), 1);
}

#[tokio::test]
async fn an_expected_stop_is_recorded_without_a_message() {
    let w = World::new("e2e-expected").await;
    let event = sample("task-stopped-scale-in.json", "data-platform", &w.cluster);
    let out = respond(event.as_bytes(), &w.responder(), now())
        .await
        .unwrap();
    assert_eq!(out.action, Action::Recorded);
    assert!(out.notified.is_empty());
    let incidents = w.store.recent_incidents(&w.cluster, 10).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert!(incidents[0].expected);
    assert!(w.messages(0).await.is_empty());
}

#[tokio::test]
async fn steady_state_resolves_the_incident_with_one_resolved_message() {
    let w = World::new("e2e-resolve").await;
    respond(&crash(&w.cluster, 1, 5), &w.responder(), now())
        .await
        .unwrap();
    let steady = sample("service-steady-state.json", "prod-core", &w.cluster);
    respond(steady.as_bytes(), &w.responder(), now())
        .await
        .unwrap();
    // A repeated steady state sends nothing more.
    respond(steady.as_bytes(), &w.responder(), now() + 1)
        .await
        .unwrap();
    let incidents = w.store.recent_incidents(&w.cluster, 10).await.unwrap();
    assert_eq!(incidents[0].status, IncidentStatus::Resolved);
    let messages = w.messages(2).await;
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.subject.as_deref().is_some_and(|s| s.contains("RESOLVED"))),
        "{messages:#?}"
    );
}

#[tokio::test]
async fn a_missing_topic_is_retryable_and_the_redelivery_notifies_exactly_once() {
    let w = World::new("e2e-topic").await;
    let broken = SnsNotifier::new(
        aws_sdk_sns::Client::new(&emu().sdk_config().await),
        format!("{}-does-not-exist", emu().topic_arn),
    );
    let failing = Responder {
        store: &w.store,
        notifier: &broken,
        policy: &w.policy,
    };
    let event = crash(&w.cluster, 2, 5);
    let err = respond(&event, &failing, now()).await.unwrap_err();
    assert_eq!(err.error_type(), RETRYABLE, "{err}");
    // Written before notifying: the occurrence is stored, the message is still owed.
    assert_eq!(
        w.store.recent_incidents(&w.cluster, 10).await.unwrap()[0].notified_level,
        0
    );

    let again = respond(&event, &w.responder(), now() + 1_000)
        .await
        .unwrap();
    assert_eq!(again.action, Action::Duplicate);
    assert_eq!(again.notified.len(), 1);
    respond(&event, &w.responder(), now() + 2_000)
        .await
        .unwrap();
    assert_eq!(w.messages(1).await.len(), 1);
}

#[tokio::test]
async fn a_malformed_event_is_non_retryable_names_the_problem_and_writes_nothing() {
    let w = World::new("e2e-malformed").await;
    for (payload, needle) in [
        (&b"{\"source\": \"aws.ecs\", \"detail-type\": \"ECS Task State Change\", \"detail\": \"nope\"}"[..], "detail"),
        (&b"{not json"[..], "line 1"),
        (&b"{\"source\": \"aws.s3\", \"detail-type\": \"Object Created\", \"detail\": {}}"[..], "aws.s3"),
    ] {
        let err = respond(payload, &w.responder(), now()).await.unwrap_err();
        assert_eq!(err.error_type(), NON_RETRYABLE);
        assert!(err.to_string().contains(needle), "{err}");
    }
    assert!(w
        .store
        .recent_incidents(&w.cluster, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(w.messages(0).await.is_empty());
}

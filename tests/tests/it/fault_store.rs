//! The fault matrix for the responder's own dependencies, DynamoDB and SNS (issue 7: "DynamoDB
//! or SNS failing transiently → the SDK retries; failing beyond retries → a `Retryable` error,
//! and a redelivery of the same event then produces exactly one occurrence and one message").
//! The store and the notifier talk to the emulator through the [`FaultProxy`]; the messages are
//! counted on the test's own tap.

use std::time::Duration;

use ecs_triage_aws::client::ClientSettings;
use ecs_triage_aws::{DynamoDbIncidentStore, SnsNotifier};
use ecs_triage_core::incident::Policy;
use ecs_triage_core::ports::IncidentStore;
use ecs_triage_core::respond::Responder;
use responder::handler::{respond, RETRYABLE};

use crate::fault_proxy::{Fault, FaultProxy, Times};
use crate::harness::{emulator, namespace, now_ms, sdk_config_at};
use crate::world::{task_id, StoppedContainer, StoppedTask};

const LATE: Duration = Duration::from_secs(3);

/// Three attempts (the default). Under an injected latency each is cut at 2 s, so a 3 s latency
/// is a timeout every time; otherwise the timeouts are generous, because a full test run keeps
/// the one-request-at-a-time emulator busy (a slow answer must not pass for a fault).
fn settings(fault: Fault) -> ClientSettings {
    let slow = matches!(fault, Fault::Latency(_));
    ClientSettings {
        connect_timeout: Duration::from_secs(if slow { 2 } else { 5 }),
        attempt_timeout: Duration::from_secs(if slow { 2 } else { 20 }),
        operation_timeout: Duration::from_secs(if slow { 10 } else { 60 }),
        max_attempts: 3,
    }
}

struct Setup {
    cluster: String,
    store: DynamoDbIncidentStore,
    notifier: SnsNotifier,
    event: Vec<u8>,
}

async fn setup(test: &str, proxy: &FaultProxy, fault: Fault) -> Setup {
    let emu = emulator();
    let cluster = namespace(test);
    emu.tap(&cluster).await;
    let table = emu.isolated_table(test, false).await;
    let sdk = sdk_config_at(proxy.endpoint(), &settings(fault)).await;
    let stopped_at = now_ms() - 5_000;
    let task = StoppedTask {
        cluster: cluster.clone(),
        task_id: task_id(&cluster),
        task_definition_arn: format!(
            "arn:aws:ecs:us-east-1:123456789012:task-definition/{cluster}:3"
        ),
        started_by: "ecs-svc/1234567890123456789".to_owned(),
        subnet: "subnet-0123456789abcdef0".to_owned(),
        private_ip: "10.0.1.9".to_owned(),
        containers: vec![StoppedContainer {
            name: "app".to_owned(),
            image: "registry.example/app:3".to_owned(),
            exit_code: Some(1),
            reason: None,
        }],
        stop_code: "EssentialContainerExited".to_owned(),
        stopped_reason: "Essential container in task exited".to_owned(),
        started_at_ms: Some(stopped_at - 60_000),
        stopped_at_ms: stopped_at,
        cpu: "256".to_owned(),
        memory: "512".to_owned(),
    };
    Setup {
        store: DynamoDbIncidentStore::new(aws_sdk_dynamodb::Client::new(&sdk), table),
        notifier: SnsNotifier::new(aws_sdk_sns::Client::new(&sdk), emu.topic_for(&cluster)),
        event: task.event(),
        cluster,
    }
}

impl Setup {
    async fn deliver(&self) -> Result<(), String> {
        let policy = Policy::default();
        let responder = Responder {
            store: &self.store,
            notifier: &self.notifier,
            policy: &policy,
        };
        match respond(&self.event, &responder, now_ms()).await {
            Ok(_) => Ok(()),
            Err(e) => {
                assert_eq!(
                    e.error_type(),
                    RETRYABLE,
                    "a dependency failure is retryable: {e}"
                );
                Err(e.to_string())
            }
        }
    }

    /// Exactly one incident, counting one stop, and exactly one message on the tap.
    async fn assert_once(&self) {
        self.assert_messages(1..=1).await;
    }

    /// One incident counting one stop, and a number of messages in `range`.
    async fn assert_messages(&self, range: std::ops::RangeInclusive<usize>) {
        let incidents = self
            .store
            .recent_incidents(&self.cluster, 10)
            .await
            .expect("readable once healed");
        assert_eq!(incidents.len(), 1, "{incidents:?}");
        assert_eq!(incidents[0].count, 1, "one occurrence");
        let messages = emulator()
            .drain_tap(&self.cluster, range.end() + 1, Duration::from_secs(3))
            .await;
        assert!(
            range.contains(&messages.len()),
            "{range:?} messages: {messages:?}"
        );
        // Whatever the count, it is one notification: the same subject and body every time.
        let distinct: std::collections::BTreeSet<_> = messages
            .iter()
            .map(|m| (m.subject.clone(), m.message.clone()))
            .collect();
        assert!(distinct.len() <= 1, "different notifications: {distinct:?}");
    }
}

/// The dependency fails every call: the event fails as Retryable; once it is back, the
/// redelivery records and announces exactly once.
///
/// One exception, a fact of SNS rather than of ecs-triage: a publish that times out on the
/// client may still have been delivered (the proxy, like a slow network, forwards it late), and
/// SNS standard topics have no idempotency key. Then each timed-out attempt can arrive; they are
/// copies of the same notification (same subject, same chat `threadId` and `id`), which chat
/// threads together. Every other fault of SNS, and every fault of DynamoDB, sends exactly one.
async fn beyond_retries(test: &str, service: &str, fault: Fault) {
    let proxy = FaultProxy::start(&emulator().endpoint).await;
    let s = setup(test, &proxy, fault).await;
    proxy.inject(service, None, fault, Times::Always);
    let err = s
        .deliver()
        .await
        .expect_err("the event must fail while the dependency does");
    assert!(err.contains(service), "the error names {service}: {err}");
    proxy.heal();
    s.deliver().await.expect("the redelivery succeeds");
    if service == "sns" && matches!(fault, Fault::Latency(_)) {
        let attempts = settings(fault).max_attempts as usize;
        s.assert_messages(1..=attempts + 1).await;
    } else {
        s.assert_once().await;
    }
}

/// The dependency fails once: the SDK retries, and the event goes through the first time.
async fn transient(test: &str, service: &str, fault: Fault) {
    let proxy = FaultProxy::start(&emulator().endpoint).await;
    let s = setup(test, &proxy, fault).await;
    proxy.inject(service, None, fault, Times::First(1));
    s.deliver()
        .await
        .expect("the SDK's retry absorbs one failure");
    s.assert_once().await;
}

macro_rules! matrix {
    ($($name:ident: $service:literal;)*) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test]
                async fn throttled_once_is_retried() {
                    transient(concat!("s-", stringify!($name), "-thr1"), $service, Fault::Throttle).await;
                }
                #[tokio::test]
                async fn server_error_once_is_retried() {
                    transient(concat!("s-", stringify!($name), "-5xx1"), $service, Fault::ServerError).await;
                }
                #[tokio::test]
                async fn reset_once_is_retried() {
                    transient(concat!("s-", stringify!($name), "-rst1"), $service, Fault::Reset).await;
                }
                #[tokio::test]
                async fn throttled_beyond_retries_then_redelivered() {
                    beyond_retries(concat!("s-", stringify!($name), "-thr"), $service, Fault::Throttle).await;
                }
                #[tokio::test]
                async fn server_error_beyond_retries_then_redelivered() {
                    beyond_retries(concat!("s-", stringify!($name), "-5xx"), $service, Fault::ServerError).await;
                }
                #[tokio::test]
                async fn access_denied_then_redelivered() {
                    beyond_retries(concat!("s-", stringify!($name), "-ad"), $service, Fault::AccessDenied).await;
                }
                #[tokio::test]
                async fn malformed_body_then_redelivered() {
                    beyond_retries(concat!("s-", stringify!($name), "-mal"), $service, Fault::Malformed).await;
                }
                #[tokio::test]
                async fn latency_beyond_the_timeouts_then_redelivered() {
                    beyond_retries(concat!("s-", stringify!($name), "-lat"), $service, Fault::Latency(LATE)).await;
                }
                #[tokio::test]
                async fn reset_beyond_retries_then_redelivered() {
                    beyond_retries(concat!("s-", stringify!($name), "-rst"), $service, Fault::Reset).await;
                }
            }
        )*
    };
}

matrix! {
    dynamodb: "dynamodb";
    sns: "sns";
}

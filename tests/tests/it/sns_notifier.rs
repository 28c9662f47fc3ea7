//! `SnsNotifier` against the emulator's topic, observed through the SQS queue subscribed to it.

use std::time::Duration;

use ecs_triage_aws::client::ClientSettings;
use ecs_triage_aws::SnsNotifier;
use ecs_triage_core::incident::NotificationKind;
use ecs_triage_core::ports::{Notifier, PortError};
use ecs_triage_core::render;

use crate::fixtures::{oom, stop, NOW_MS};
use crate::harness::{closed_port_endpoint, emulator, namespace, sdk_config_at};

#[tokio::test]
async fn a_notification_reaches_the_queue_as_chat_json_with_subject_and_attributes() {
    let emu = emulator();
    let cluster = namespace("publish");
    emu.tap(&cluster).await;
    let incident = stop(&oom(&cluster, "web", "task-1"), NOW_MS, None).incident;
    let note = render::notification(&incident, NotificationKind::Opened, NOW_MS);

    emu.notifier_for(&cluster)
        .await
        .publish(&note)
        .await
        .unwrap();

    let got = emu.drain_tap(&cluster, 1, Duration::from_secs(10)).await;
    assert_eq!(
        got.len(),
        1,
        "expected exactly one message for cluster {cluster}, got {got:#?}"
    );
    let envelope = &got[0];
    assert_eq!(envelope.kind, "Notification");
    assert_eq!(envelope.topic_arn, emu.topic_for(&cluster));
    assert!(!envelope.message_id.is_empty());
    // The sqs protocol gets the chat JSON, byte for byte.
    assert_eq!(envelope.message, note.chat_json);
    let chat: serde_json::Value =
        serde_json::from_str(&envelope.message).expect("the chat JSON parses");
    assert!(chat.is_object(), "{chat}");
    assert_eq!(envelope.subject.as_deref(), Some(note.subject.as_str()));
    for (name, value) in &note.attributes {
        let attr = envelope
            .message_attributes
            .get(name)
            .unwrap_or_else(|| panic!("no attribute {name} in {envelope:#?}"));
        assert_eq!(
            (attr.kind.as_str(), attr.value.as_str()),
            ("String", value.as_str()),
            "{name}"
        );
    }
    let mut names: Vec<&str> = envelope
        .message_attributes
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["category", "cluster", "service", "severity"]);
}

#[tokio::test]
async fn publishing_to_a_topic_that_does_not_exist_is_a_permanent_error() {
    let emu = emulator();
    let missing = format!(
        "arn:aws:sns:{}:123456789012:{}",
        emu.region,
        namespace("no-topic")
    );
    let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(&emu.sdk_config().await), &missing);
    let incident = stop(&oom("c", "web", "task-1"), NOW_MS, None).incident;

    let err = notifier
        .publish(&render::notification(
            &incident,
            NotificationKind::Opened,
            NOW_MS,
        ))
        .await
        .unwrap_err();

    let PortError::Permanent {
        service,
        operation,
        message,
    } = &err
    else {
        panic!("expected Permanent, got {err:?}")
    };
    assert_eq!((*service, *operation), ("sns", "Publish"));
    assert!(
        message.contains(&missing) && message.contains("NotFound"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unreachable_sns_endpoint_is_a_transient_error() {
    let settings = ClientSettings::default();
    let config = sdk_config_at(&closed_port_endpoint(), &settings).await;
    let notifier = SnsNotifier::new(
        aws_sdk_sns::Client::new(&config),
        "arn:aws:sns:us-east-1:123456789012:t",
    );
    let incident = stop(&oom("c", "web", "task-1"), NOW_MS, None).incident;
    let begun = std::time::Instant::now();

    let err = notifier
        .publish(&render::notification(
            &incident,
            NotificationKind::Opened,
            NOW_MS,
        ))
        .await
        .unwrap_err();

    assert!(err.is_transient(), "{err:?}");
    assert!(
        begun.elapsed() <= settings.operation_timeout + Duration::from_secs(1),
        "took {:?}",
        begun.elapsed()
    );
}

//! `LogsAdapter` against the emulator: the tail of a stream up to a time, oldest first, and a
//! missing group or stream as an error that says which.

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use ecs_triage_aws::LogsAdapter;
use ecs_triage_core::diagnose::ports::LogReader;
use ecs_triage_core::diagnose::view::LogLine;
use ecs_triage_core::ports::PortError;

use crate::harness::{emulator, namespace, now_ms, seeded};

const STREAM: &str = "web/app/0123456789abcdef0123456789abcdef";

/// A group with one stream holding `line 0` … `line 9`, one second apart, ending a minute ago.
/// Returns the group and the time of `line 0`.
async fn ten_lines(test: &str) -> (String, i64) {
    let emu = emulator();
    let logs = emu.logs().await;
    let group = format!("/ecs/{}", namespace(test));
    let base = now_ms() - 70_000;
    seeded(
        "CreateLogGroup",
        logs.create_log_group().log_group_name(&group).send().await,
    );
    seeded(
        "CreateLogStream",
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name(STREAM)
            .send()
            .await,
    );
    let events = (0..10)
        .map(|i| {
            InputLogEvent::builder()
                .timestamp(base + i * 1000)
                .message(format!("line {i}"))
                .build()
                .expect("log event is complete")
        })
        .collect();
    seeded(
        "PutLogEvents",
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(STREAM)
            .set_log_events(Some(events))
            .send()
            .await,
    );
    (group, base)
}

fn messages(lines: &[LogLine]) -> Vec<&str> {
    lines.iter().map(|l| l.message.as_str()).collect()
}

#[tokio::test]
async fn the_tail_is_the_last_lines_up_to_until_inclusive_oldest_first() {
    let (group, base) = ten_lines("tail-until").await;
    let adapter = LogsAdapter::new(emulator().logs().await);

    let lines = adapter
        .tail(&group, STREAM, Some(base + 6000), 3)
        .await
        .unwrap();
    assert_eq!(messages(&lines), ["line 4", "line 5", "line 6"]);
    assert_eq!(
        lines.iter().map(|l| l.at_ms).collect::<Vec<_>>(),
        [base + 4000, base + 5000, base + 6000]
    );

    // Between lines 5 and 6: line 6 is left out. (Not at 6 s - 1 ms: the adapter asks for
    // endTime = until + 1, which AWS excludes and moto 5.2.5 includes.)
    let lines = adapter
        .tail(&group, STREAM, Some(base + 5500), 2)
        .await
        .unwrap();
    assert_eq!(messages(&lines), ["line 4", "line 5"]);
}

#[tokio::test]
async fn without_until_the_tail_ends_at_the_newest_line_and_a_large_limit_returns_all() {
    let (group, _) = ten_lines("tail-all").await;
    let adapter = LogsAdapter::new(emulator().logs().await);

    let last = adapter.tail(&group, STREAM, None, 2).await.unwrap();
    assert_eq!(messages(&last), ["line 8", "line 9"]);

    let all = adapter.tail(&group, STREAM, None, 500).await.unwrap();
    let want: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
    assert_eq!(messages(&all), want);

    assert!(adapter
        .tail(&group, STREAM, None, 0)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_missing_stream_or_group_is_a_permanent_error_that_says_which() {
    let (group, _) = ten_lines("tail-missing").await;
    let adapter = LogsAdapter::new(emulator().logs().await);

    let err = adapter
        .tail(&group, "web/app/never-started", None, 10)
        .await
        .unwrap_err();
    let PortError::Permanent {
        service: "logs",
        operation: "GetLogEvents",
        message,
    } = &err
    else {
        panic!("expected a permanent GetLogEvents error, got {err:?}");
    };
    assert!(
        message.contains(&format!(
            "log group `{group}` has no log stream `web/app/never-started`"
        )),
        "{message}"
    );
    assert!(message.contains("ResourceNotFoundException"), "{message}");

    let no_group = format!("{group}-gone");
    let err = adapter.tail(&no_group, STREAM, None, 10).await.unwrap_err();
    let PortError::Permanent { message, .. } = &err else {
        panic!("expected a permanent error, got {err:?}");
    };
    assert!(
        message.contains(&format!("log group `{no_group}` does not exist")),
        "{message}"
    );
}

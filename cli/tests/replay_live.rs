//! `ecs-triage replay --from-queue URL` as an operator runs it (issue 7, "Nothing lost"): the
//! built binary, configured through the environment only, against the emulator. Two events wait
//! in a failure queue, in both shapes it receives (a Lambda invocation record and an EventBridge
//! dead letter), with a message that holds no event. During a DynamoDB outage (its endpoint
//! refuses connections) nothing is lost: both events stay queued. Once DynamoDB is back they
//! are recorded and deleted; the message without an event stays to be looked at, and a second
//! replay changes nothing.

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;
use ecs_triage_aws::DynamoDbIncidentStore;
use ecs_triage_core::ports::IncidentStore;
use serde_json::{json, Value};

struct Emulator {
    endpoint: String,
    region: String,
    table: String,
    topic: String,
}

fn emulator() -> Emulator {
    let vars = integration_tests::start_emulator()
        .unwrap_or_else(|why| panic!("the AWS emulator is not available: {why}"));
    let get = |k: &str| {
        vars.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("`scripts/emulator start` printed no {k}"))
    };
    Emulator {
        endpoint: get("AWS_ENDPOINT_URL"),
        region: get("AWS_REGION"),
        table: get("TABLE_NAME"),
        topic: get("TOPIC_ARN"),
    }
}

async fn sdk(emu: &Emulator) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&emu.endpoint)
        .region(Region::new(emu.region.clone()))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "cli-tests",
        ))
        .load()
        .await
}

fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "cli-{test}-{:x}-{}",
        nanos & 0xff_ffff_ffff,
        std::process::id()
    )
}

/// The OOM sample, moved to `cluster`, as task `task_id`.
fn event(cluster: &str, task_id: &str) -> Value {
    let root = integration_tests::repo_root();
    let text = std::fs::read_to_string(root.join("events/task-stopped-oom.json"))
        .expect("the sample")
        .replace("payments-prod", cluster);
    let mut e: Value = serde_json::from_str(&text).expect("JSON");
    let old = e["detail"]["taskArn"]
        .as_str()
        .expect("a task ARN")
        .rsplit('/')
        .next()
        .expect("an id")
        .to_owned();
    let text = serde_json::to_string(&e)
        .expect("JSON")
        .replace(&old, task_id);
    e = serde_json::from_str(&text).expect("JSON");
    e["id"] = json!(unique("event"));
    e
}

/// What Lambda's OnFailure destination sends after the retries.
fn invocation_record(event: &Value) -> String {
    json!({
        "version": "1.0",
        "timestamp": "2024-05-01T12:00:00.000Z",
        "requestContext": {
            "requestId": "0f2a1b3c-4d5e-6f70-8192-a3b4c5d6e7f8",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:ecs-triage-responder:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "Retryable", "errorMessage": "could not store the incident: dynamodb is temporarily unavailable"}
    })
    .to_string()
}

fn replay(emu: &Emulator, queue: &str, dynamodb_endpoint: Option<&str>) -> Output {
    let home = std::env::temp_dir().join(unique("home"));
    std::fs::create_dir_all(&home).expect("a HOME");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecs-triage"));
    cmd.env_clear()
        .env("HOME", &home)
        .env("AWS_ENDPOINT_URL", &emu.endpoint)
        .env("AWS_REGION", &emu.region)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TABLE_NAME", &emu.table)
        .env("TOPIC_ARN", &emu.topic)
        // One attempt, short timeouts: the outage must not take the test's time.
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_OPERATION_TIMEOUT_MS", "3000")
        .args(["replay", "--no-enrich", "--from-queue", queue]);
    if let Some(e) = dynamodb_endpoint {
        // The SDK's per-service endpoint: DynamoDB alone is down.
        cmd.env("AWS_ENDPOINT_URL_DYNAMODB", e);
    }
    cmd.output().expect("the binary runs")
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = l.local_addr().expect("its address").port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn events_that_failed_during_a_dynamodb_outage_are_recovered_after_it() {
    let emu = emulator();
    let sdk = sdk(&emu).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let cluster = unique("replay");
    let queue = sqs
        .create_queue()
        .queue_name(&cluster)
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("a URL");
    let (first, second) = (
        event(&cluster, &"a".repeat(32)),
        event(&cluster, &"b".repeat(32)),
    );
    for body in [
        invocation_record(&first),
        second.to_string(),
        "not an event".to_owned(),
    ] {
        sqs.send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
            .expect("SendMessage");
    }

    // DynamoDB is down: both events stay queued, and say why.
    let out = replay(&emu, &queue, Some(&closed_port()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("kept ")).count(),
        3,
        "{stdout}"
    );
    assert!(stdout.contains("Retryable"), "{stdout}");
    assert!(stdout.contains("0 replayed, 3 kept"), "{stdout}");

    // DynamoDB is back: both events are recorded once and deleted; the non-event stays.
    let out = replay(&emu, &queue, None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2 replayed, 1 kept"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("it had failed with Retryable"), "{stdout}");
    assert!(
        stdout.contains("kept") && stdout.contains("not JSON"),
        "{stdout}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a kept message is worth a non-zero status"
    );
    let store = DynamoDbIncidentStore::new(aws_sdk_dynamodb::Client::new(&sdk), &emu.table);
    let incidents = store
        .recent_incidents(&cluster, 10)
        .await
        .expect("readable");
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].count, 2, "each task counted once");

    // Replaying again changes nothing: the handled messages are gone.
    let out = replay(&emu, &queue, None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 replayed"), "{stdout}");
    let incidents = store
        .recent_incidents(&cluster, 10)
        .await
        .expect("readable");
    assert_eq!(incidents[0].count, 2);
}

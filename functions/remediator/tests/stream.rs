//! Which stream records are work, and what a malformed one reports. The records are shaped as
//! Lambda delivers them (AWS docs, "Using AWS Lambda with Amazon DynamoDB", example event); the
//! end-to-end path over the emulator's real stream is in `tests/tests/it/remediator.rs`.

use remediator::stream::{read, sequence_number, Change, RecordError};
use serde_json::{json, Value};

fn incident_doc(count: u64) -> String {
    // The smallest incident document the store writes (every field the type requires).
    json!({
        "key": {
            "workload": {"cluster": "prod", "kind": "service", "name": "api"},
            "revision": 8,
            "category": "app_exit_error"
        },
        "id": "inc-0123456789abcdef",
        "status": "OPEN",
        "episode": 1,
        "severity": "error",
        "expected": false,
        "first_seen_ms": 1_714_571_000_000_i64,
        "last_seen_ms": 1_714_571_100_000_i64,
        "count": count,
        "total_count": count,
        "notified_level": 1,
        "notifications_sent": 1,
        "resolve_notice_pending": false,
        "last": {
            "category": "app_exit_error",
            "family": "app_runtime",
            "severity": "error",
            "expected": false,
            "confidence": "high",
            "summary": "The essential container exited with code 1.",
            "evidence": [],
            "next_steps": [],
            "subject": {"cluster": "prod", "service": "api", "revision": 8}
        },
        "recent": [],
        "rev": count,
        "expires_at_s": 0
    })
    .to_string()
}

fn record(name: &str, sk: &str, new: Value, old: Option<Value>) -> Value {
    let mut change = json!({
        "ApproximateCreationDateTime": 1_714_571_100,
        "Keys": {"pk": {"S": "WL#prod#svc:api"}, "sk": {"S": sk}},
        "NewImage": new,
        "SequenceNumber": "111",
        "SizeBytes": 26,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    });
    if let Some(old) = old {
        change["OldImage"] = old;
    }
    json!({
        "eventID": "1",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": change,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/incidents/stream/2024-05-01T00:00:00.000"
    })
}

fn image(count: u64, last_seen: i64) -> Value {
    json!({
        "pk": {"S": "WL#prod#svc:api"},
        "sk": {"S": "INC#app_exit_error#8"},
        "count": {"N": count.to_string()},
        "last_seen": {"N": last_seen.to_string()},
        "doc": {"S": incident_doc(count)}
    })
}

#[test]
fn a_new_incident_and_a_new_stop_are_work() {
    let inserted = record("INSERT", "INC#app_exit_error#8", image(1, 10), None);
    let Change::Incident(i) = read(&inserted).unwrap() else {
        panic!("an insert is work");
    };
    assert_eq!((i.count, i.key.revision), (1, 8));
    let counted = record(
        "MODIFY",
        "INC#app_exit_error#8",
        image(2, 20),
        Some(image(1, 10)),
    );
    assert!(matches!(read(&counted).unwrap(), Change::Incident(_)));
}

#[test]
fn bookkeeping_removals_and_other_items_are_ignored() {
    let bookkeeping = record(
        "MODIFY",
        "INC#app_exit_error#8",
        image(2, 20),
        Some(image(2, 20)),
    );
    assert!(matches!(read(&bookkeeping).unwrap(), Change::Ignored(_)));
    let removed = record(
        "REMOVE",
        "INC#app_exit_error#8",
        json!({}),
        Some(image(2, 20)),
    );
    assert!(matches!(read(&removed).unwrap(), Change::Ignored(_)));
    for sk in [
        "OCC#abc",
        "ACT#2024-05-01T13:45:00.000Z#inc-1",
        "LOCK#apply",
    ] {
        let r = record("INSERT", sk, json!({"doc": {"S": "{}"}}), None);
        assert!(matches!(read(&r).unwrap(), Change::Ignored(_)), "{sk}");
    }
}

#[test]
fn a_healthy_record_is_work() {
    let doc = json!({
        "workload": {"cluster": "prod", "kind": "service", "name": "api"},
        "revision": {
            "task_definition": {"arn": "arn:aws:ecs:us-east-1:1:task-definition/api:7", "family": "api", "revision": 7},
            "recorded_at_ms": 1_714_571_100_000_i64
        }
    });
    let r = record(
        "MODIFY",
        "STATE",
        json!({"doc": {"S": doc.to_string()}}),
        None,
    );
    let Change::Healthy(h) = read(&r).unwrap() else {
        panic!("a STATE item is work");
    };
    assert_eq!(h.revision.task_definition.revision, 7);
    assert_eq!(h.workload.name, "api");
}

#[test]
fn malformed_records_say_what_is_wrong_and_keep_their_sequence_number() {
    let no_doc = record("INSERT", "INC#x#1", json!({"count": {"N": "1"}}), None);
    assert_eq!(sequence_number(&no_doc).as_deref(), Some("111"));
    assert!(matches!(read(&no_doc), Err(RecordError::NoDocument { .. })));

    let not_an_incident = record(
        "INSERT",
        "INC#x#1",
        json!({"doc": {"S": "{\"a\":1}"}}),
        None,
    );
    let err = read(&not_an_incident).unwrap_err();
    assert!(
        err.to_string().contains("is not an incident") && err.to_string().contains("INC#x#1"),
        "{err}"
    );

    let shapeless = json!({"dynamodb": {"SequenceNumber": "222"}, "eventName": 5});
    assert_eq!(sequence_number(&shapeless).as_deref(), Some("222"));
    assert!(matches!(read(&shapeless), Err(RecordError::Shape(_))));

    let no_sk = record("INSERT", "x", json!({}), None);
    let mut no_sk = no_sk;
    no_sk["dynamodb"]["Keys"] = json!({"pk": {"S": "p"}});
    assert!(matches!(read(&no_sk), Err(RecordError::Shape(_))));

    // Control characters in keys and documents are an error like any other, not a panic.
    let hostile = record(
        "INSERT",
        "INC#x\n#1",
        json!({"doc": {"S": "\u{0}\n}"}}),
        None,
    );
    assert!(read(&hostile).is_err());
}

#[test]
fn the_sample_batch_reads_as_one_healthy_record_and_five_stops() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events/stream/dynamodb-stream-crash-loop.json");
    let batch: Value = serde_json::from_slice(&std::fs::read(&path).expect("the sample exists"))
        .expect("the sample is JSON");
    let (mut healthy, mut counts, mut ignored) = (0, Vec::new(), 0);
    for r in batch["Records"].as_array().expect("Records") {
        assert!(sequence_number(r).is_some());
        match read(r).unwrap_or_else(|e| panic!("{e}")) {
            Change::Healthy(_) => healthy += 1,
            Change::Incident(i) => counts.push(i.count),
            Change::Ignored(_) => ignored += 1,
        }
    }
    assert_eq!(healthy, 1);
    assert_eq!(counts, [1, 2, 3, 4, 5], "one change per stop, in order");
    assert!(ignored >= 5, "occurrences and bookkeeping are not work");
}

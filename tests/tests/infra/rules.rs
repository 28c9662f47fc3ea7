//! The EventBridge rules take the sample events in `events/` they should, and none they should
//! not; the cluster filter keeps other clusters out; the remediator's stream filter lets through
//! exactly the records it acts on.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::pattern::matches;
use crate::template::{properties, repo_root, resolve_ifs, template};

const RULES: [&str; 3] = ["TaskStoppedRule", "ServiceActionRule", "DeploymentRule"];

/// The rule's pattern with `conditions` true, and `ClusterArns` set to `clusters`.
fn pattern(rule: &str, conditions: &[&str], clusters: &[&str]) -> Value {
    let t = template();
    let p = resolve_ifs(&properties(&t, rule)["EventPattern"], conditions);
    substitute_clusters(p, clusters)
}

fn substitute_clusters(v: Value, clusters: &[&str]) -> Value {
    match v {
        Value::Object(m) if m.get("Ref").and_then(Value::as_str) == Some("ClusterArns") => {
            json!(clusters)
        }
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, substitute_clusters(x, clusters)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|x| substitute_clusters(x, clusters))
                .collect(),
        ),
        other => other,
    }
}

fn samples() -> Vec<(String, Value)> {
    let dir: PathBuf = repo_root().join("events");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("events/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let v = serde_json::from_slice(&std::fs::read(&p).expect("readable"))
                .expect("a JSON event");
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 20, "the samples are there: {}", out.len());
    out
}

/// Which rule must take an event, from what the responder handles: stopped tasks, every
/// service action (steady state resolves), every deployment change.
fn expected_rule(event: &Value) -> Option<&'static str> {
    if event["source"] != "aws.ecs" {
        return None;
    }
    match event["detail-type"].as_str() {
        Some("ECS Task State Change") if event["detail"]["lastStatus"] == "STOPPED" => {
            Some("TaskStoppedRule")
        }
        Some("ECS Service Action") => Some("ServiceActionRule"),
        Some("ECS Deployment State Change") => Some("DeploymentRule"),
        _ => None,
    }
}

#[test]
fn every_sample_event_is_taken_by_exactly_the_rule_it_should() {
    let patterns: Vec<(&str, Value)> = RULES.iter().map(|r| (*r, pattern(r, &[], &[]))).collect();
    let mut seen = std::collections::BTreeSet::new();
    for (file, event) in samples() {
        let taken: Vec<&str> = patterns
            .iter()
            .filter(|(_, p)| matches(p, &event))
            .map(|(r, _)| *r)
            .collect();
        let want: Vec<&str> = expected_rule(&event).into_iter().collect();
        assert_eq!(taken, want, "{file}");
        seen.extend(want);
    }
    assert_eq!(seen.len(), 3, "the samples exercise every rule: {seen:?}");
}

#[test]
fn events_the_responder_does_not_handle_are_not_taken() {
    let (_, stopped) = samples()
        .into_iter()
        .find(|(f, _)| f == "task-stopped-oom.json")
        .expect("the OOM sample");
    let mut running = stopped.clone();
    running["detail"]["lastStatus"] = json!("RUNNING");
    let mut other_source = stopped.clone();
    other_source["source"] = json!("custom.ecs");
    let mut stopping = stopped.clone();
    stopping["detail"]["lastStatus"] = json!("DEACTIVATING");
    for (name, e) in [
        ("running", running),
        ("other source", other_source),
        ("deactivating", stopping),
    ] {
        for r in RULES {
            assert!(
                !matches(&pattern(r, &[], &[]), &e),
                "{r} took the {name} event"
            );
        }
    }
}

#[test]
fn the_cluster_filter_keeps_other_clusters_out() {
    let (_, stopped) = samples()
        .into_iter()
        .find(|(f, _)| f == "task-stopped-oom.json")
        .expect("the OOM sample");
    let mine = stopped["detail"]["clusterArn"]
        .as_str()
        .expect("a cluster ARN")
        .to_owned();
    let theirs = "arn:aws:ecs:eu-west-1:111122223333:cluster/someone-else";
    let filtered = pattern("TaskStoppedRule", &["HasClusterFilter"], &[theirs]);
    assert!(!matches(&filtered, &stopped));
    let filtered = pattern("TaskStoppedRule", &["HasClusterFilter"], &[theirs, &mine]);
    assert!(matches(&filtered, &stopped));

    let (_, action) = samples()
        .into_iter()
        .find(|(_, e)| e["detail-type"] == "ECS Service Action")
        .expect("a service action sample");
    let cluster = action["detail"]["clusterArn"]
        .as_str()
        .expect("a cluster ARN")
        .to_owned();
    assert!(!matches(
        &pattern("ServiceActionRule", &["HasClusterFilter"], &[theirs]),
        &action
    ));
    assert!(matches(
        &pattern("ServiceActionRule", &["HasClusterFilter"], &[&cluster]),
        &action
    ));
}

#[test]
fn the_remediators_stream_filter_takes_incidents_and_the_healthy_revision_only() {
    let t = template();
    let events = &properties(&t, "RemediatorFunction")["Events"]["Incidents"]["Properties"];
    let filters = events["FilterCriteria"]["Filters"]
        .as_array()
        .expect("filters");
    let patterns: Vec<Value> = filters
        .iter()
        .map(|f| serde_json::from_str(f["Pattern"].as_str().expect("a JSON string")).expect("JSON"))
        .collect();
    let path = repo_root().join("events/stream/dynamodb-stream-crash-loop.json");
    let batch: Value =
        serde_json::from_slice(&std::fs::read(path).expect("the sample")).expect("JSON");
    let mut taken = 0;
    for r in batch["Records"].as_array().expect("records") {
        let sk = r["dynamodb"]["Keys"]["sk"]["S"]
            .as_str()
            .expect("a sort key");
        let want = sk.starts_with("INC#") || sk == "STATE";
        let got = patterns.iter().any(|p| matches(p, r));
        assert_eq!(got, want, "{sk}");
        taken += usize::from(got);
    }
    assert!(
        taken >= 6,
        "the sample has incident and state records: {taken}"
    );
    for sk in [
        "LOCK#apply",
        "ACT#2024-05-01T00:00:00.000Z#inc-1",
        "HOUR#2024-05-01T00",
    ] {
        let r = json!({"dynamodb": {"Keys": {"sk": {"S": sk}}}});
        assert!(
            !patterns.iter().any(|p| matches(p, &r)),
            "its own {sk} must not trigger it"
        );
    }
    assert_eq!(
        events["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );
}

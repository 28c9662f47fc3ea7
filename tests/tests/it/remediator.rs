//! The remediator end to end in the emulator (issue 5, "Tests"): the real responder records a
//! crash loop in a table with a stream, the stream's records go through the real remediator
//! handler, and the tests read back the audit items, the service and the announcements.
//!
//! Each test's crash loop counts three stops (the default threshold), so the first two records
//! are `below_threshold` skips and the third is the decision that matters.

use aws_sdk_dynamodb::types::AttributeValue;
use ecs_triage_aws::dynamodb::{KILL_SWITCH_PK, KILL_SWITCH_SK};
use ecs_triage_core::remediate::{
    ApplyResult, AuditOutcome, FollowUp, HealthyRevisionStore, Mode, RemediationConfig,
    REMEDIATE_TAG,
};
use serde_json::json;

use crate::harness::{emulator, now_ms, seeded};
use crate::remediation_lab::{apply, Lab, Stop};

const HOUR_MS: i64 = 3_600_000;

fn skip(code: &str) -> (String, Option<String>) {
    ("skipped".to_owned(), Some(code.to_owned()))
}

fn outcome(o: &str) -> (String, Option<String>) {
    (o.to_owned(), None)
}

#[tokio::test]
async fn without_opt_in_nothing_calls_ecs() {
    let mut lab = Lab::new("rem-no-opt-in", &[("team", "payments")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    let out = lab.remediate(&batch, &apply()).await;

    assert!(out.batch_item_failures.is_empty(), "{out:?}");
    assert_eq!(lab.calls(), 0, "the applier was never called");
    assert_eq!(
        lab.service_td().await,
        lab.bad_td,
        "the service is untouched"
    );
    let decisions = lab.decisions().await;
    assert_eq!(
        decisions,
        vec![skip("not_opted_in"); 3],
        "one audit per stop"
    );
    assert!(
        lab.announcements(1, 2).await.is_empty(),
        "skips are not announced"
    );
}

#[tokio::test]
async fn a_dry_run_audits_and_announces_the_undo_but_changes_nothing() {
    let mut lab = Lab::new("rem-dry-run", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    let config = RemediationConfig {
        mode: Mode::DryRun,
        ..apply()
    };
    let out = lab.remediate(&batch, &config).await;

    assert!(out.batch_item_failures.is_empty(), "{out:?}");
    assert_eq!(
        lab.decisions().await,
        vec![
            skip("below_threshold"),
            skip("below_threshold"),
            outcome("dry_run")
        ]
    );
    assert_eq!(lab.calls(), 0);
    assert_eq!(lab.service_td().await, lab.bad_td);
    let audits = lab.audits().await;
    let (dry, _) = audits.last().expect("the dry run is audited");
    let undo = dry.undo_command.as_deref().expect("an undo command");
    assert!(
        undo.contains("aws ecs update-service") && undo.contains(&format!("{}:2", lab.cluster)),
        "undo puts the failing revision back: {undo}"
    );
    let messages = lab.announcements(1, 5).await;
    assert_eq!(messages.len(), 1, "one announcement for the dry run");
    assert!(
        messages[0].message.contains(undo),
        "{}",
        messages[0].message
    );
    assert!(
        messages[0]
            .subject
            .as_deref()
            .is_some_and(|s| s.starts_with("[ecs-triage] DRY RUN rollback")),
        "{:?}",
        messages[0].subject
    );
}

#[tokio::test]
async fn apply_rolls_the_service_back_to_the_last_healthy_revision_and_follows_up() {
    let mut lab = Lab::new("rem-apply", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    let out = lab.remediate(&batch, &apply()).await;

    assert!(out.batch_item_failures.is_empty(), "{out:?}");
    assert_eq!(lab.service_td().await, lab.healthy_td, "rolled back");
    assert_eq!(lab.calls(), 1);
    let audits = lab.audits().await;
    let (applied, follow_up) = audits.last().expect("audited");
    assert_eq!(applied.outcome, AuditOutcome::Applied);
    assert!(
        matches!(applied.result, Some(ApplyResult::Accepted { .. })),
        "{:?}",
        applied.result
    );
    assert_eq!(*follow_up, None, "no outcome yet");
    let messages = lab.announcements(1, 5).await;
    assert_eq!(messages.len(), 1);
    let undo = applied.undo_command.as_deref().expect("an undo command");
    assert!(
        messages[0].message.contains(undo),
        "{}",
        messages[0].message
    );
    assert!(
        messages[0].message.contains("ECS accepted the change"),
        "{}",
        messages[0].message
    );

    // The service settles on revision 1: the responder records it, and the remediator reads
    // that record from the stream as the action's outcome.
    lab.record_healthy(&lab.healthy_td, now_ms()).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &apply()).await;
    let audits = lab.audits().await;
    let (_, follow_up) = audits
        .iter()
        .find(|(a, _)| a.outcome == AuditOutcome::Applied)
        .expect("the applied audit");
    assert!(
        matches!(follow_up, Some(FollowUp::Recovered { revision, .. }) if revision.ends_with(":1")),
        "{follow_up:?}"
    );
    assert_eq!(lab.calls(), 1, "the follow-up changes nothing");
}

#[tokio::test]
async fn a_rollback_that_fails_again_is_recorded_as_such() {
    let mut lab = Lab::new("rem-fails-again", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &apply()).await;
    assert_eq!(lab.service_td().await, lab.healthy_td);

    // Revision 1 crashes too now (a dependency broke, not the deploy).
    lab.stops(1, &lab.healthy_td, Stop::Crash).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &apply()).await;
    let audits = lab.audits().await;
    let (_, follow_up) = audits
        .iter()
        .find(|(a, _)| a.outcome == AuditOutcome::Applied)
        .expect("the applied audit");
    assert!(
        matches!(follow_up, Some(FollowUp::FailedAgain { revision: 1, .. })),
        "{follow_up:?}"
    );
    assert_eq!(lab.calls(), 1, "nothing more was done");
}

#[tokio::test]
async fn two_concurrent_invocations_for_one_service_act_once() {
    let mut lab = Lab::new("rem-concurrent", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    let config = apply();
    let (a, b) = tokio::join!(
        lab.remediate(&batch, &config),
        lab.remediate_in_a_new_process(&batch, &config)
    );
    assert!(a.batch_item_failures.is_empty() && b.batch_item_failures.is_empty());

    assert_eq!(lab.calls(), 1, "exactly one ECS change");
    let decisions = lab.decisions().await;
    let applied = decisions.iter().filter(|d| d.0 == "applied").count();
    assert_eq!(applied, 1, "{decisions:?}");
    let held = decisions
        .iter()
        .filter(|d| matches!(d.1.as_deref(), Some("locked" | "cooldown")))
        .count();
    assert_eq!(held, 1, "the other invocation was held off: {decisions:?}");
    assert_eq!(lab.service_td().await, lab.healthy_td);
}

#[tokio::test]
async fn the_cooldown_holds_across_a_new_process() {
    let mut lab = Lab::new("rem-cooldown", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &apply()).await;
    assert_eq!(lab.calls(), 1);

    // Someone deploys the bad revision again, and it keeps crashing: within the cooldown, a
    // new execution environment must not fight them.
    seeded(
        "UpdateService",
        emulator()
            .ecs()
            .await
            .update_service()
            .cluster(&lab.cluster)
            .service("web")
            .task_definition(&lab.bad_td)
            .send()
            .await,
    );
    lab.stops(1, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    lab.remediate_in_a_new_process(&batch, &apply()).await;

    assert_eq!(lab.calls(), 1, "no second action");
    assert_eq!(
        lab.service_td().await,
        lab.bad_td,
        "the person's deploy stands"
    );
    let decisions = lab.decisions().await;
    assert_eq!(decisions.last(), Some(&skip("cooldown")), "{decisions:?}");
}

#[tokio::test]
async fn the_kill_switch_stops_it_without_a_deploy() {
    let mut lab = Lab::new("rem-kill", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    let table = lab.table.clone();
    let switch = |state: &'static str| {
        let table = table.clone();
        async move {
            seeded(
                "PutItem",
                emulator()
                    .dynamodb()
                    .await
                    .put_item()
                    .table_name(table)
                    .item("pk", AttributeValue::S(KILL_SWITCH_PK.into()))
                    .item("sk", AttributeValue::S(KILL_SWITCH_SK.into()))
                    .item("state", AttributeValue::S(state.into()))
                    .send()
                    .await,
            );
        }
    };
    switch("engaged").await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    let config = apply();
    lab.remediate(&batch, &config).await;
    assert_eq!(lab.calls(), 0);
    assert_eq!(lab.service_td().await, lab.bad_td);
    let engaged = lab.decisions().await;
    assert!(
        engaged.iter().all(|d| d == &skip("kill_switch")),
        "{engaged:?}"
    );

    // Released: the same configuration, the same process, acts on the next stop.
    switch("released").await;
    lab.stops(1, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &config).await;
    assert_eq!(lab.calls(), 1);
    assert_eq!(lab.service_td().await, lab.healthy_td);
}

#[tokio::test]
async fn without_a_last_known_healthy_revision_it_skips_and_says_why() {
    let mut lab = Lab::new("rem-no-healthy", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &apply()).await;

    assert_eq!(lab.calls(), 0);
    let audits = lab.audits().await;
    let (last, _) = audits.last().expect("audited");
    assert_eq!(last.reason_code.as_deref(), Some("no_last_healthy"));
    assert!(
        last.headline.contains("No healthy revision"),
        "{}",
        last.headline
    );
}

#[tokio::test]
async fn a_platform_failure_is_never_remediated() {
    let mut lab = Lab::new("rem-platform", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Spot).await;
    let batch = lab.batch().await;
    lab.remediate(&batch, &apply()).await;

    assert_eq!(lab.calls(), 0);
    assert_eq!(lab.service_td().await, lab.bad_td);
    assert_eq!(lab.decisions().await, vec![skip("platform_failure"); 3]);
}

#[tokio::test]
async fn a_malformed_record_is_reported_and_the_rest_are_processed() {
    let mut lab = Lab::new("rem-malformed", &[(REMEDIATE_TAG, "rollback")]).await;
    lab.record_healthy(&lab.healthy_td, now_ms() - HOUR_MS)
        .await;
    lab.stops(3, &lab.bad_td, Stop::Crash).await;
    let mut batch = lab.batch().await;
    let records = batch["Records"].as_array_mut().expect("records");
    let good = records.len();
    // An incident item whose document is not an incident, and a record with no stream part.
    let mut broken = records[0].clone();
    broken["dynamodb"]["SequenceNumber"] = json!("900000000000000000001");
    broken["dynamodb"]["NewImage"]["doc"] = json!({ "S": "{\"not\": \"an incident\"}" });
    records.insert(1, broken);
    let mut shapeless = records[0].clone();
    shapeless["dynamodb"] = json!({ "SequenceNumber": "900000000000000000002", "Keys": 7 });
    records.push(shapeless);

    let out = lab.remediate(&batch, &apply()).await;
    let failed: Vec<&str> = out
        .batch_item_failures
        .iter()
        .filter_map(|f| f.item_identifier.as_deref())
        .collect();
    assert_eq!(failed, ["900000000000000000001", "900000000000000000002"]);
    assert!(good >= 3, "the responder's writes reached the stream");
    assert_eq!(lab.calls(), 1, "the good records were processed");
    assert_eq!(lab.service_td().await, lab.healthy_td);
}

#[tokio::test]
async fn a_payload_that_is_not_a_stream_event_fails_the_invocation_and_says_why() {
    let lab = Lab::new("rem-not-stream", &[(REMEDIATE_TAG, "rollback")]).await;
    for payload in [
        json!({"detail-type": "ECS Task State Change"}),
        json!([1, 2]),
    ] {
        let err = lab.try_remediate(&payload, &apply()).await.unwrap_err();
        assert!(err.to_string().contains("Records"), "{err}");
    }
    // A failed record that has no sequence number cannot be reported alone: the whole batch
    // is failed (and retried), rather than silently dropped.
    let batch = json!({"Records": [{"eventName": "INSERT"}]});
    let err = lab.try_remediate(&batch, &apply()).await.unwrap_err();
    assert!(
        err.to_string().contains("without a sequence number"),
        "{err}"
    );
    assert_eq!(lab.calls(), 0);
}

#[tokio::test]
async fn the_healthy_record_keeps_the_newest_revision() {
    let lab = Lab::new("rem-state", &[]).await;
    let now = now_ms();
    lab.record_healthy(&lab.bad_td, now).await;
    // An older recovery event delivered late must not move the record back.
    lab.record_healthy(&lab.healthy_td, now - HOUR_MS).await;
    let stored = lab
        .store
        .last_healthy(&lab.workload())
        .await
        .expect("readable")
        .expect("recorded");
    assert_eq!(stored.task_definition.arn, lab.bad_td);
    assert_eq!(stored.recorded_at_ms, now);
}

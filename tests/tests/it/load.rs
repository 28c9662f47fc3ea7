//! Load (issue 7, item 5), small enough for every test run: a crash loop of 150 stops and 30
//! stops of two other failures, shuffled, through the real handler (`respond_with`) by 8
//! concurrent invocations on the real adapters. Exactness only: every occurrence stored once,
//! every incident's count equal to its stops, no more messages than the notification policy's
//! levels (and the level reached announced), no invocation failed. How fast is measured by
//! `scripts/bench-load` (`tests/examples/load.rs`, 1,200 events), never here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use ecs_triage_aws::dynamodb::DynamoDbIncidentStore;
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_core::incident::Policy;
use ecs_triage_core::ports::IncidentStore;
use ecs_triage_core::respond::{Action, Outcome, Responder};
use responder::handler::respond_with;

use crate::harness::{emulator, namespace, now_ms};
use crate::world::{ecr_image, task_id, StoppedContainer, StoppedTask, ACCOUNT, REGION};

const CONCURRENCY: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Failure {
    /// Exit code 1 of the essential container: the crash loop.
    Crash,
    /// OOM-killed (exit 137), same service and revision: another incident (another category).
    Oom,
    /// The image tag of revision 8 does not exist: the task never started.
    ImagePull,
}

/// The failures and their stops: 150 crash-loop stops (levels 1, 5, 25, 100: 4 messages at
/// most), 20 OOM kills (2) and 10 pull failures (2).
const PLAN: [(Failure, usize); 3] = [
    (Failure::Crash, 150),
    (Failure::Oom, 20),
    (Failure::ImagePull, 10),
];

fn stop(cluster: &str, failure: Failure, n: usize, stopped_at_ms: i64) -> StoppedTask {
    let td = |revision: u32| {
        format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{cluster}:{revision}")
    };
    let (revision, exit_code, reason, stop_code, stopped_reason) = match failure {
        Failure::Crash => (
            7,
            Some(1),
            None,
            "EssentialContainerExited",
            "Essential container in task exited".to_owned(),
        ),
        Failure::Oom => (
            7,
            Some(137),
            Some("OutOfMemoryError: Container killed due to memory usage".to_owned()),
            "EssentialContainerExited",
            "Essential container in task exited".to_owned(),
        ),
        Failure::ImagePull => {
            let image = ecr_image(cluster, "2.0.1");
            let pull = format!(
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): \
                 failed to resolve ref {image}: {image}: not found"
            );
            (8, None, Some(pull.clone()), "TaskFailedToStart", pull)
        }
    };
    StoppedTask {
        cluster: cluster.to_owned(),
        task_id: task_id(&format!("{cluster}/{failure:?}/{n}")),
        task_definition_arn: td(revision),
        started_by: "ecs-svc/5519283746620193847".to_owned(),
        subnet: "subnet-0ad59a867c1f1a3b9".to_owned(),
        private_ip: "10.60.1.57".to_owned(),
        containers: vec![StoppedContainer {
            name: "app".to_owned(),
            image: ecr_image(cluster, if revision == 8 { "2.0.1" } else { "2.0.0" }),
            exit_code,
            reason,
        }],
        stop_code: stop_code.to_owned(),
        stopped_reason,
        started_at_ms: (failure != Failure::ImagePull).then_some(stopped_at_ms - 30_000),
        stopped_at_ms,
        cpu: "512".to_owned(),
        memory: "1024".to_owned(),
    }
}

/// A fixed shuffle (splitmix64), so stops arrive out of order, as EventBridge delivers them.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    let mut next = || {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = usize::try_from(next() % (i as u64 + 1)).unwrap_or(0);
        items.swap(i, j);
    }
}

struct Event {
    failure: Failure,
    task_id: String,
    payload: Vec<u8>,
}

struct Run {
    events: Vec<Event>,
    next: AtomicUsize,
    store: DynamoDbIncidentStore,
    notifier: SnsNotifier,
    policy: Policy,
}

/// One execution environment: one event at a time until none is left.
async fn invocations(run: Arc<Run>) -> Vec<(usize, Result<Outcome, String>)> {
    let responder = Responder {
        store: &run.store,
        notifier: &run.notifier,
        policy: &run.policy,
    };
    let mut results = Vec::new();
    loop {
        let i = run.next.fetch_add(1, Ordering::Relaxed);
        let Some(event) = run.events.get(i) else {
            return results;
        };
        let out = respond_with(&event.payload, &responder, None, None, now_ms()).await;
        results.push((i, out.map_err(|e| format!("{}: {e}", e.error_type()))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_stops_by_eight_invocations_stores_each_once_and_notifies_by_the_policy() {
    let emu = emulator();
    let cluster = namespace("load");
    emu.tap(&cluster).await;
    let store = emu.isolated_store("load").await;
    let table = store.table().to_owned();

    let first_stop = now_ms() - 3_600_000;
    let mut events = Vec::new();
    for (failure, stops) in PLAN {
        for n in 0..stops {
            let at = first_stop + i64::try_from(events.len()).unwrap_or(0) * 1_000;
            let task = stop(&cluster, failure, n, at);
            events.push(Event {
                failure,
                task_id: task.task_id.clone(),
                payload: task.event(),
            });
        }
    }
    shuffle(&mut events, 7);
    let total = events.len();
    let distinct: HashSet<&str> = events.iter().map(|e| e.task_id.as_str()).collect();
    assert_eq!(distinct.len(), total, "the generated task ids collide");

    let run = Arc::new(Run {
        events,
        next: AtomicUsize::new(0),
        store,
        notifier: emu.notifier_for(&cluster).await,
        policy: Policy::default(),
    });
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| tokio::spawn(invocations(Arc::clone(&run))))
        .collect();
    let mut results = Vec::with_capacity(total);
    for w in workers {
        results.extend(w.await.expect("an invocation panicked"));
    }
    assert_eq!(results.len(), total, "every event was handled once");

    // What failed. Lambda retries a failed asynchronous invocation (twice), so each failed event
    // is delivered once more, one at a time, before the checks below: they then say whether
    // anything was lost or doubled. That an invocation failed at all is asserted at the end.
    let mut results: Vec<(usize, Result<Outcome, String>)> = results;
    results.sort_by_key(|(i, _)| *i);
    let mut failed: Vec<String> = Vec::new();
    let responder = Responder {
        store: &run.store,
        notifier: &run.notifier,
        policy: &run.policy,
    };
    for (i, result) in &mut results {
        if let Err(e) = result {
            let again = respond_with(&run.events[*i].payload, &responder, None, None, now_ms())
                .await
                .map_err(|e| format!("{}: {e}", e.error_type()));
            failed.push(format!(
                "{e} (delivered again: {})",
                match &again {
                    Ok(o) => o.action.as_str().to_owned(),
                    Err(e) => e.clone(),
                }
            ));
            *result = again;
        }
    }
    let mut incident_of: BTreeMap<Failure, HashSet<String>> = BTreeMap::new();
    for (i, result) in &results {
        let out = result
            .as_ref()
            .unwrap_or_else(|e| panic!("failed twice: {e}; first failures: {failed:#?}"));
        // `duplicate` is right when the failed attempt, or a transaction the SDK retried after a
        // timeout, had written the occurrence: the table below says whether it counted once.
        assert!(
            matches!(out.action, Action::Recorded | Action::Duplicate),
            "stop {} ({:?}) was not recorded: {out:?}",
            run.events[*i].task_id,
            run.events[*i].failure
        );
        incident_of
            .entry(run.events[*i].failure)
            .or_default()
            .extend(out.incident_id.clone());
    }
    let ids: BTreeMap<Failure, String> = incident_of
        .into_iter()
        .map(|(failure, ids)| {
            assert_eq!(ids.len(), 1, "the {failure:?} stops went to {ids:?}");
            (failure, ids.into_iter().next().unwrap_or_default())
        })
        .collect();
    let unique: HashSet<&String> = ids.values().collect();
    assert_eq!(
        unique.len(),
        PLAN.len(),
        "one incident per failure: {ids:?}"
    );

    // Every occurrence is in the table exactly once.
    let ddb = emu.dynamodb().await;
    let mut stored: HashMap<String, usize> = HashMap::new();
    let mut start = None;
    loop {
        let page = ddb
            .scan()
            .table_name(&table)
            .filter_expression("begins_with(sk, :occ)")
            .expression_attribute_values(":occ", AttributeValue::S("OCC#".to_owned()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("Scan of the test's table");
        for item in page.items() {
            let Some(AttributeValue::S(sk)) = item.get("sk") else {
                panic!("an item without a string sk: {item:?}");
            };
            *stored
                .entry(sk.trim_start_matches("OCC#").to_owned())
                .or_default() += 1;
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    let twice: Vec<(&String, &usize)> = stored.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "occurrences stored more than once: {twice:?}"
    );
    let missing: Vec<&str> = run
        .events
        .iter()
        .map(|e| e.task_id.as_str())
        .filter(|t| !stored.contains_key(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {total} occurrences missing: {missing:?}",
        missing.len()
    );
    assert_eq!(stored.len(), total, "occurrences of tasks never sent");

    // Each incident counts its stops; the messages stay within the policy's levels.
    let incidents = run
        .store
        .recent_incidents(&cluster, 10)
        .await
        .expect("the test's incidents");
    assert_eq!(incidents.len(), PLAN.len(), "{incidents:#?}");
    let allowed_total: u32 = PLAN
        .iter()
        .map(|(_, stops)| run.policy.level(*stops as u64))
        .sum();
    // Ask for one more than allowed, so a surplus message is seen.
    let messages = emu
        .drain_tap(&cluster, allowed_total as usize + 1, Duration::from_secs(3))
        .await;
    let mut per_incident: HashMap<String, u32> = HashMap::new();
    for m in &messages {
        let chat: serde_json::Value = serde_json::from_str(&m.message).expect("chat JSON");
        let thread = chat["metadata"]["threadId"].as_str().unwrap_or("<none>");
        *per_incident.entry(thread.to_owned()).or_default() += 1;
    }
    for (failure, stops) in PLAN {
        let id = &ids[&failure];
        let inc = incidents
            .iter()
            .find(|i| &i.id == id)
            .unwrap_or_else(|| panic!("incident {id} ({failure:?}) not stored"));
        let levels = run.policy.level(stops as u64);
        let got = per_incident.remove(id).unwrap_or(0);
        assert_eq!(inc.count, stops as u64, "{failure:?}: count");
        assert_eq!(inc.claim, None, "{failure:?}: a claim was left behind");
        assert!(
            (1..=levels).contains(&got),
            "{failure:?}: {got} messages for {stops} stops; the policy allows 1 to {levels}"
        );
        assert_eq!(
            got, inc.notifications_sent,
            "{failure:?}: messages received vs recorded as sent"
        );
        assert_eq!(
            inc.notified_level, levels,
            "{failure:?}: the level reached was not announced"
        );
    }
    assert!(
        per_incident.is_empty(),
        "messages of no incident of this test: {per_incident:?}"
    );
    assert!(
        failed.is_empty(),
        "{} of {total} invocations failed (the rest of the run was exact): {failed:#?}",
        failed.len()
    );
}

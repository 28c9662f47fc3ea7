//! `DynamoDbIncidentStore` against the emulator's table, over HTTP: the conditional-write
//! semantics of the in-memory fake, the item layout, and the error mapping.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use ecs_triage_aws::client::ClientSettings;
use ecs_triage_aws::DynamoDbIncidentStore;
use ecs_triage_core::incident::{IncidentKey, Policy};
use ecs_triage_core::ports::{IncidentStore, PortError, RecordOutcome};
use ecs_triage_core::Category;

use crate::fixtures::{oom, service, stop, NOW_MS};
use crate::harness::{closed_port_endpoint, emulator, namespace, sdk_config_at};

#[tokio::test]
async fn recording_a_new_occurrence_writes_the_occurrence_and_the_incident() {
    let emu = emulator();
    let store = emu.isolated_store("record-new").await;
    let cluster = namespace("record-new");
    let s = stop(&oom(&cluster, "web", "task-1"), NOW_MS, None);

    assert_eq!(
        store
            .record(&s.occurrence, &s.incident, None)
            .await
            .unwrap(),
        RecordOutcome::Written
    );

    assert_eq!(
        store.get_incident(&s.key).await.unwrap(),
        Some(s.incident.clone())
    );
    assert_eq!(
        store
            .get_occurrence(&s.key.workload, "task-1")
            .await
            .unwrap(),
        Some(s.occurrence.clone())
    );
    assert_eq!(
        store
            .get_occurrence(&s.key.workload, "task-other")
            .await
            .unwrap(),
        None
    );

    // The item layout other readers (console, stream consumer, index) rely on.
    let raw = emu.dynamodb().await;
    let item = raw
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S(s.key.workload.partition_key()))
        .key("sk", AttributeValue::S(s.key.sort_key()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the incident item");
    let attr = |name: &str| {
        item.get(name)
            .cloned()
            .unwrap_or_else(|| panic!("no `{name}` in {item:?}"))
    };
    assert_eq!(attr("type"), AttributeValue::S("incident".into()));
    assert_eq!(attr("rev"), AttributeValue::N("1".into()));
    assert_eq!(attr("count"), AttributeValue::N("1".into()));
    assert_eq!(
        attr("gsi1pk"),
        AttributeValue::S(format!("CLUSTER#{cluster}"))
    );
    assert_eq!(
        attr("gsi1sk"),
        AttributeValue::S(format!("2024-05-01T12:00:00.000Z#{}", s.incident.id))
    );
    assert_eq!(
        attr("expires_at"),
        AttributeValue::N(s.incident.expires_at_s.to_string())
    );
}

#[tokio::test]
async fn recording_the_same_occurrence_again_reports_it_exists_and_changes_nothing() {
    let store = emulator().isolated_store("record-dup").await;
    let cluster = namespace("record-dup");
    let c = oom(&cluster, "web", "task-1");
    let first = stop(&c, NOW_MS, None);
    assert_eq!(
        store
            .record(&first.occurrence, &first.incident, None)
            .await
            .unwrap(),
        RecordOutcome::Written
    );

    // A second delivery of the same event: the pipeline read rev 1 and would count it again.
    let again = stop(&c, NOW_MS, Some(first.incident.clone()));
    assert_eq!(again.incident.count, 2);
    let outcome = store
        .record(&again.occurrence, &again.incident, Some(first.incident.rev))
        .await
        .unwrap();

    assert_eq!(outcome, RecordOutcome::OccurrenceExists);
    assert_eq!(
        store.get_incident(&first.key).await.unwrap(),
        Some(first.incident),
        "the incident must not count the duplicate"
    );
}

#[tokio::test]
async fn a_stale_incident_revision_writes_neither_item() {
    let store = emulator().isolated_store("record-stale").await;
    let cluster = namespace("record-stale");
    let first = stop(&oom(&cluster, "web", "task-1"), NOW_MS, None);
    assert_eq!(
        store
            .record(&first.occurrence, &first.incident, None)
            .await
            .unwrap(),
        RecordOutcome::Written
    );

    // Another task of the same incident, computed from a revision that is no longer current.
    let second = stop(
        &oom(&cluster, "web", "task-2"),
        NOW_MS + 1_000,
        Some(first.incident.clone()),
    );
    let stale_rev = Some(first.incident.rev - 1);
    assert_eq!(
        store
            .record(&second.occurrence, &second.incident, stale_rev)
            .await
            .unwrap(),
        RecordOutcome::IncidentChanged
    );
    // "Absent" when it exists is stale too.
    assert_eq!(
        store
            .record(&second.occurrence, &second.incident, None)
            .await
            .unwrap(),
        RecordOutcome::IncidentChanged
    );

    // Atomic: the occurrence of the failed transaction was not written either.
    assert_eq!(
        store
            .get_occurrence(&second.key.workload, "task-2")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.get_incident(&first.key).await.unwrap(),
        Some(first.incident.clone())
    );

    // With the current revision it goes through.
    assert_eq!(
        store
            .record(
                &second.occurrence,
                &second.incident,
                Some(first.incident.rev)
            )
            .await
            .unwrap(),
        RecordOutcome::Written
    );
    assert_eq!(
        store
            .get_incident(&first.key)
            .await
            .unwrap()
            .map(|i| i.count),
        Some(2)
    );
}

#[tokio::test]
async fn an_incident_revision_for_an_incident_that_does_not_exist_is_a_conflict() {
    let store = emulator().isolated_store("record-missing").await;
    let s = stop(
        &oom(&namespace("record-missing"), "web", "task-1"),
        NOW_MS,
        None,
    );
    assert_eq!(
        store
            .record(&s.occurrence, &s.incident, Some(3))
            .await
            .unwrap(),
        RecordOutcome::IncidentChanged
    );
    assert_eq!(
        store
            .get_occurrence(&s.key.workload, "task-1")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn save_incident_writes_only_over_the_expected_revision() {
    let store = emulator().isolated_store("save").await;
    let s = stop(&oom(&namespace("save"), "web", "task-1"), NOW_MS, None);
    store
        .record(&s.occurrence, &s.incident, None)
        .await
        .unwrap();
    let policy = Policy::default();

    let resolved = policy
        .resolve(&s.incident, NOW_MS + 60_000, NOW_MS + 60_000)
        .expect("an open incident resolves");
    assert!(store
        .save_incident(&resolved, s.incident.rev)
        .await
        .unwrap());
    assert_eq!(
        store.get_incident(&s.key).await.unwrap(),
        Some(resolved.clone())
    );

    // A writer that still holds the old revision loses.
    let mut late = s.incident.clone();
    late.rev += 1;
    late.count = 99;
    assert!(!store.save_incident(&late, s.incident.rev).await.unwrap());
    assert_eq!(store.get_incident(&s.key).await.unwrap(), Some(resolved));

    // Saving an incident that was never recorded is a conflict, not a blind insert.
    let other = stop(&oom(&namespace("save-none"), "web", "task-1"), NOW_MS, None);
    assert!(!store.save_incident(&other.incident, 0).await.unwrap());
    assert_eq!(store.get_incident(&other.key).await.unwrap(), None);
}

#[tokio::test]
async fn update_occurrence_replaces_only_the_expected_version() {
    let store = emulator().isolated_store("update-occ").await;
    let s = stop(
        &oom(&namespace("update-occ"), "web", "task-1"),
        NOW_MS,
        None,
    );
    store
        .record(&s.occurrence, &s.incident, None)
        .await
        .unwrap();
    let mut newer = s.occurrence.clone();
    newer.version = 3;
    newer.summary = "a later version of the same stop".to_owned();

    assert!(
        !store.update_occurrence(&newer, 2).await.unwrap(),
        "stored version is 1, not 2"
    );
    assert_eq!(
        store
            .get_occurrence(&s.key.workload, "task-1")
            .await
            .unwrap(),
        Some(s.occurrence.clone())
    );

    assert!(store.update_occurrence(&newer, 1).await.unwrap());
    assert_eq!(
        store
            .get_occurrence(&s.key.workload, "task-1")
            .await
            .unwrap(),
        Some(newer.clone())
    );

    let mut unknown = newer.clone();
    unknown.task_id = "task-never-recorded".to_owned();
    assert!(
        !store.update_occurrence(&unknown, 0).await.unwrap(),
        "no occurrence to update"
    );
    assert_eq!(
        store
            .get_occurrence(&s.key.workload, "task-never-recorded")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn workload_incidents_lists_every_incident_of_that_workload_only() {
    let store = emulator().isolated_store("workload").await;
    let cluster = namespace("workload");
    let web_oom = stop(&oom(&cluster, "web", "task-1"), NOW_MS, None);
    let mut crash = oom(&cluster, "web", "task-2");
    crash.category = Category::AppExitError;
    let web_crash = stop(&crash, NOW_MS + 1, None);
    let api_oom = stop(&oom(&cluster, "api", "task-3"), NOW_MS + 2, None);
    for s in [&web_oom, &web_crash, &api_oom] {
        assert_eq!(
            store
                .record(&s.occurrence, &s.incident, None)
                .await
                .unwrap(),
            RecordOutcome::Written
        );
    }

    let mut ids: Vec<String> = store
        .workload_incidents(&service(&cluster, "web"))
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    let mut want = vec![web_oom.incident.id, web_crash.incident.id];
    want.sort();
    assert_eq!(
        ids, want,
        "both web incidents, no occurrences, nothing of api"
    );

    assert_eq!(
        store
            .workload_incidents(&service(&cluster, "nothing-here"))
            .await
            .unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn recent_incidents_come_newest_first_from_the_cluster_index() {
    let store = emulator().isolated_store("recent").await;
    let cluster = namespace("recent");
    let mut ids_by_age = Vec::new();
    // Recorded out of time order, so the order comes from the index, not from insertion.
    for (name, at) in [
        ("b", NOW_MS + 2_000),
        ("a", NOW_MS),
        ("c", NOW_MS + 3_000),
        ("d", NOW_MS + 1_000),
    ] {
        let s = stop(&oom(&cluster, name, &format!("task-{name}")), at, None);
        store
            .record(&s.occurrence, &s.incident, None)
            .await
            .unwrap();
        ids_by_age.push((at, s.incident.id));
    }
    let elsewhere = stop(
        &oom(&namespace("recent-other"), "web", "task-x"),
        NOW_MS + 9_000,
        None,
    );
    store
        .record(&elsewhere.occurrence, &elsewhere.incident, None)
        .await
        .unwrap();
    ids_by_age.sort();
    let newest_first: Vec<String> = ids_by_age.into_iter().rev().map(|(_, id)| id).collect();

    let two: Vec<String> = store
        .recent_incidents(&cluster, 2)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(two, newest_first[..2]);
    let all: Vec<String> = store
        .recent_incidents(&cluster, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(all, newest_first);
    assert_eq!(store.recent_incidents(&cluster, 0).await.unwrap(), vec![]);
}

#[tokio::test]
async fn an_item_whose_doc_does_not_decode_is_corrupt_and_named() {
    let emu = emulator();
    let store = emu.isolated_store("corrupt").await;
    let cluster = namespace("corrupt");
    let key = IncidentKey {
        workload: service(&cluster, "web"),
        revision: 7,
        category: Category::OomKilled,
    };
    emu.dynamodb()
        .await
        .put_item()
        .table_name(store.table())
        .item("pk", AttributeValue::S(key.workload.partition_key()))
        .item("sk", AttributeValue::S(key.sort_key()))
        .item("doc", AttributeValue::S("{\"id\": \"truncated".to_owned()))
        .send()
        .await
        .unwrap();

    for err in [
        store.get_incident(&key).await.unwrap_err(),
        store.workload_incidents(&key.workload).await.unwrap_err(),
    ] {
        let PortError::Corrupt {
            service,
            what,
            message,
        } = &err
        else {
            panic!("expected Corrupt, got {err:?}")
        };
        assert_eq!(*service, "dynamodb");
        assert!(
            what.contains(&key.workload.partition_key()) && what.contains(&key.sort_key()),
            "{what}"
        );
        assert!(
            message.contains("expected `doc` to hold the JSON of an incident"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_table_that_does_not_exist_is_a_permanent_error() {
    let emu = emulator();
    let store = DynamoDbIncidentStore::new(emu.dynamodb().await, "no-such-table");
    let err = store
        .get_incident(&stop(&oom("c", "web", "t"), NOW_MS, None).key)
        .await
        .unwrap_err();
    let PortError::Permanent {
        operation, message, ..
    } = &err
    else {
        panic!("expected Permanent, got {err:?}")
    };
    assert_eq!(*operation, "GetItem");
    assert!(
        message.contains("expected table `no-such-table`")
            && message.contains("ResourceNotFoundException"),
        "{message}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transient_error_within_the_timeouts() {
    let settings = ClientSettings::default();
    let config = sdk_config_at(&closed_port_endpoint(), &settings).await;
    let store = DynamoDbIncidentStore::new(aws_sdk_dynamodb::Client::new(&config), "t");
    let begun = Instant::now();

    let err = store
        .get_incident(&stop(&oom("c", "web", "t"), NOW_MS, None).key)
        .await
        .unwrap_err();

    assert!(err.is_transient(), "{err:?}");
    assert!(
        begun.elapsed() <= settings.operation_timeout + Duration::from_secs(1),
        "took {:?}",
        begun.elapsed()
    );
}

#[tokio::test]
async fn an_endpoint_that_never_answers_times_out_as_a_transient_error() {
    // Bound but never accepted: the kernel completes the handshake, nobody ever answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let settings = ClientSettings {
        connect_timeout: Duration::from_millis(300),
        attempt_timeout: Duration::from_millis(300),
        operation_timeout: Duration::from_millis(1_000),
        max_attempts: 3,
    };
    let store = DynamoDbIncidentStore::new(
        aws_sdk_dynamodb::Client::new(&sdk_config_at(&endpoint, &settings).await),
        "t",
    );
    let begun = Instant::now();

    let err = store
        .get_incident(&stop(&oom("c", "web", "t"), NOW_MS, None).key)
        .await
        .unwrap_err();

    let elapsed = begun.elapsed();
    assert!(err.is_transient(), "{err:?}");
    assert!(err.to_string().contains("timeout"), "{err}");
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed <= Duration::from_millis(2_000),
        "took {elapsed:?}"
    );
    drop(silent);
}

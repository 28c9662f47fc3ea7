//! The remediator's DynamoDB adapter on its own: the guard's conditional transaction (the lock
//! and the hourly cap), the lock's applied/follow-up life, the audit item and the kill switch.

use aws_sdk_dynamodb::types::AttributeValue;
use ecs_triage_aws::dynamodb::{KILL_SWITCH_PK, KILL_SWITCH_SK};
use ecs_triage_aws::DynamoDbRemediationStore;
use ecs_triage_core::incident::{Workload, WorkloadKind};
use ecs_triage_core::ports::PortError;
use ecs_triage_core::remediate::{
    audit_sort_key, Action, Applied, AuditLog, FollowUp, GuardClaim, GuardKeys, GuardOutcome, Held,
    KillSwitch, KillSwitchReader, Mode, OpenAction, RemediationGuard, ServiceRef,
    TaskDefinitionRef,
};

use crate::harness::{emulator, now_ms, seeded};

async fn store(test: &str) -> (DynamoDbRemediationStore, String) {
    let emu = emulator();
    let table = emu.isolated_table(test, false).await;
    (
        DynamoDbRemediationStore::new(emu.dynamodb().await, &table),
        table,
    )
}

fn workload(name: &str) -> Workload {
    Workload {
        cluster: "prod".into(),
        kind: WorkloadKind::Service,
        name: name.into(),
    }
}

fn rollback(service: &str) -> Action {
    let td = |revision| TaskDefinitionRef {
        arn: format!("arn:aws:ecs:us-east-1:123456789012:task-definition/{service}:{revision}"),
        family: service.into(),
        revision,
    };
    Action::Rollback {
        service: ServiceRef {
            cluster: "prod".into(),
            service: service.into(),
            region: None,
        },
        from: td(8),
        to: td(7),
    }
}

/// A claim as the policy makes it (the constructor is the policy's), built through its fields.
fn claim(service: &str, at_ms: i64, cooldown_ms: i64, cap: u32) -> GuardClaim {
    let w = workload(service);
    let action = rollback(service);
    GuardClaim {
        keys: GuardKeys::new(&w, Mode::Apply, at_ms),
        action: action.kind(),
        detail: action,
        incident_id: format!("inc-{service}"),
        at_ms,
        until_ms: at_ms + cooldown_ms,
        hourly_cap: cap,
        lock_expires_at_s: (at_ms + cooldown_ms) / 1000 + 86_400,
        hour_expires_at_s: at_ms / 1000 + 2 * 86_400,
    }
}

#[tokio::test]
async fn the_lock_holds_for_its_cooldown_then_lets_go() {
    let (store, _) = store("guard-lock").await;
    // Mid-hour, so the three claims share one hourly bucket.
    let t0 = now_ms() / 3_600_000 * 3_600_000 + 60_000;
    let first = claim("api", t0, 60_000, 10);
    assert_eq!(store.acquire(&first).await, Ok(GuardOutcome::Acquired));

    let again = claim("api", t0 + 1_000, 60_000, 10);
    assert_eq!(
        store.acquire(&again).await,
        Ok(GuardOutcome::Held(Held::Workload {
            until_ms: Some(t0 + 60_000)
        })),
        "the stored cooldown is reported"
    );

    let later = claim("api", t0 + 60_000, 60_000, 10);
    assert_eq!(store.acquire(&later).await, Ok(GuardOutcome::Acquired));

    let state = store.read(&later.keys).await.expect("readable");
    assert_eq!(state.actions_this_hour, 2, "only acquired claims count");
    let last = state.last_action.expect("the lock's action");
    assert_eq!(last.at_ms, t0 + 60_000);
    assert_eq!(state.open, None, "nothing applied yet");
}

#[tokio::test]
async fn the_hourly_cap_holds_across_services() {
    let (store, _) = store("guard-cap").await;
    let t0 = now_ms() / 3_600_000 * 3_600_000 + 60_000;
    assert_eq!(
        store.acquire(&claim("a", t0, 60_000, 2)).await,
        Ok(GuardOutcome::Acquired)
    );
    assert_eq!(
        store.acquire(&claim("b", t0, 60_000, 2)).await,
        Ok(GuardOutcome::Acquired)
    );
    assert_eq!(
        store.acquire(&claim("c", t0, 60_000, 2)).await,
        Ok(GuardOutcome::Held(Held::Hourly))
    );
    // The refused claim took no lock: service c is free once the cap allows.
    let state = store
        .read(&claim("c", t0, 60_000, 2).keys)
        .await
        .expect("readable");
    assert_eq!(state.last_action, None);
}

#[tokio::test]
async fn concurrent_claims_on_one_service_give_one_owner() {
    let (store, _) = store("guard-race").await;
    let t0 = now_ms();
    let claims: Vec<GuardClaim> = (0..6).map(|i| claim("api", t0 + i, 60_000, 10)).collect();
    let results = futures::future::join_all(claims.iter().map(|c| store.acquire(c))).await;
    let acquired = results
        .iter()
        .filter(|r| matches!(r, Ok(GuardOutcome::Acquired)))
        .count();
    assert_eq!(acquired, 1, "{results:?}");
    assert!(
        results.iter().all(|r| r.is_ok()),
        "a lost race is an outcome, not an error: {results:?}"
    );
}

#[tokio::test]
async fn an_applied_action_waits_for_one_follow_up() {
    let (store, table) = store("guard-follow").await;
    let t0 = now_ms();
    let c = claim("api", t0, 60_000, 10);
    assert_eq!(store.acquire(&c).await, Ok(GuardOutcome::Acquired));
    store
        .record_applied(
            &c.keys.lock,
            t0,
            &Applied {
                deployment_id: Some("ecs-svc/42".into()),
                task_definition_arn: None,
            },
        )
        .await
        .expect("marked");
    let state = store.read(&c.keys).await.expect("readable");
    assert_eq!(state.own_deployment_id.as_deref(), Some("ecs-svc/42"));
    let open: OpenAction = state.open.expect("waiting for its outcome");
    assert_eq!(open.action, c.detail);

    let recovered = FollowUp::Recovered {
        revision: "api:7".into(),
        at_ms: t0 + 5_000,
    };
    // Without its audit item the follow-up is refused: the transaction names the item.
    let err = store.follow_up(&c.keys.lock, &open, &recovered).await;
    assert!(matches!(err, Err(PortError::Permanent { .. })), "{err:?}");

    seeded(
        "PutItem",
        emulator()
            .dynamodb()
            .await
            .put_item()
            .table_name(&table)
            .item("pk", AttributeValue::S(c.keys.lock.pk.clone()))
            .item("sk", AttributeValue::S(audit_sort_key(t0, &c.incident_id)))
            .send()
            .await,
    );
    assert_eq!(
        store.follow_up(&c.keys.lock, &open, &recovered).await,
        Ok(true)
    );
    let again = FollowUp::FailedAgain {
        incident_id: "inc-2".into(),
        category: ecs_triage_core::Category::AppExitError,
        revision: 7,
        at_ms: t0 + 9_000,
    };
    assert_eq!(
        store.follow_up(&c.keys.lock, &open, &again).await,
        Ok(false),
        "one outcome per action"
    );
    let state = store.read(&c.keys).await.expect("readable");
    assert_eq!(state.open, None, "closed");
    assert_eq!(
        state.own_deployment_id.as_deref(),
        Some("ecs-svc/42"),
        "still the remediator's own deployment"
    );
}

#[tokio::test]
async fn the_kill_switch_reads_released_when_absent_and_errors_when_unreadable() {
    let (store, table) = store("kill-switch").await;
    assert_eq!(store.kill_switch().await, Ok(KillSwitch::Released));
    let put = |state: &'static str| {
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
    put("ON").await;
    assert_eq!(store.kill_switch().await, Ok(KillSwitch::Engaged));
    put("perhaps").await;
    let err = store.kill_switch().await.unwrap_err();
    assert!(
        matches!(&err, PortError::Corrupt { .. }) && err.to_string().contains("perhaps"),
        "{err}"
    );
}

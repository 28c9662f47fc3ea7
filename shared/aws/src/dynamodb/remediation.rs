//! The remediator's items in the incidents table: the guard (lock and hourly bucket), the audit
//! records, the last-known-healthy `STATE` item and the kill switch. Layout:
//!
//! | item | pk | sk | attributes |
//! |---|---|---|---|
//! | lock | `WL#<cluster>#svc:<service>` | `LOCK#<mode>` | `action`, `incident_id`, `at_ms`, `until_ms`, `audit_sk`, `doc` (the action, JSON), `expires_at`; after applying `applied`, `deployment_id`; after the outcome `followed_up` |
//! | hourly bucket | `GUARD#<mode>` | `HOUR#<YYYY-MM-DDTHH>` | `actions`, `expires_at` |
//! | audit | `WL#…` | `ACT#<time>#<incident id>` | `outcome`, `action`, `reason_code`, `mode`, `doc` (the record, JSON), `expires_at`; later `follow_up` (JSON) |
//! | healthy revision | `WL#…` | `STATE` | `task_definition`, `recorded_at`, `doc` ([`HealthyRecord`], JSON) |
//! | kill switch | `CONFIG` | `KILL_SWITCH` | `state`: `engaged`/`released` (or on/off, true/false) |
//!
//! The conditions are those [`GuardClaim`] documents; they are what make the cooldown and the cap
//! hold across concurrent invocations and restarts.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ecs_triage_core::incident::Workload;
use ecs_triage_core::ports::PortError;
use ecs_triage_core::remediate::{
    Action, ActionKind, Applied, AuditLog, AuditRecord, FollowUp, GuardClaim, GuardKeys,
    GuardOutcome, GuardState, HealthyRecord, HealthyRevision, HealthyRevisionStore, Held, ItemKey,
    KillSwitch, KillSwitchReader, LastAction, OpenAction, RemediationGuard,
};
use serde::Serialize;

use super::item::{describe_key, key, Item, DOC, EXPIRES_AT, PK};

const SERVICE: &str = "dynamodb";
const CONDITION_FAILED: &str = "ConditionalCheckFailed";
/// The IAM actions [`DynamoDbRemediationStore`] can call (transactions are authorized by the
/// actions of their items: puts and updates).
pub const OPERATIONS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
/// What [`HealthyRevisionStore::record_healthy`] alone needs (the responder's use).
pub const RECORD_HEALTHY_OPERATIONS: &[&str] = &["dynamodb:PutItem"];
/// The kill switch's item.
pub const KILL_SWITCH_PK: &str = "CONFIG";
pub const KILL_SWITCH_SK: &str = "KILL_SWITCH";
/// Sort key of the last-known-healthy item in a workload's partition.
pub const STATE_SK: &str = "STATE";
/// Sort-key prefix of audit items.
pub const AUDIT_PREFIX: &str = "ACT#";

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The remediator's reads and writes on the incidents table.
#[derive(Debug, Clone)]
pub struct DynamoDbRemediationStore {
    client: Client,
    table: String,
}

impl DynamoDbRemediationStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbRemediationStore {
            client,
            table: table.into(),
        }
    }

    fn sdk_error<E>(
        &self,
        operation: &'static str,
        doing: &str,
        err: &SdkError<E, HttpResponse>,
    ) -> PortError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        super::table_error(&self.table, operation, doing, err)
    }

    fn corrupt(&self, item: &Item, message: String) -> PortError {
        super::corrupt_item(&self.table, item, message)
    }

    fn json<T: Serialize>(operation: &'static str, what: &str, v: &T) -> Result<String, PortError> {
        serde_json::to_string(v).map_err(|e| PortError::Permanent {
            service: SERVICE,
            operation,
            message: format!("expected {what} to serialize as JSON, got: {e}"),
        })
    }

    async fn get(&self, k: &ItemKey, what: &str) -> Result<Option<Item>, PortError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(k.pk.clone(), k.sk.clone())))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                self.sdk_error(
                    "GetItem",
                    &format!("return {what} pk={}, sk={}", k.pk, k.sk),
                    &e,
                )
            })?;
        Ok(out.item)
    }

    fn number(&self, item: &Item, name: &str) -> Result<Option<i64>, PortError> {
        match item.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| {
                self.corrupt(
                    item,
                    format!("expected `{name}` to be a whole number, found {v:?}"),
                )
            }),
            Some(other) => Err(self.corrupt(
                item,
                format!("expected `{name}` to be a number (N), found {other:?}"),
            )),
        }
    }

    fn string<'i>(&self, item: &'i Item, name: &str) -> Result<Option<&'i str>, PortError> {
        match item.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v)),
            Some(other) => Err(self.corrupt(
                item,
                format!("expected `{name}` to be a string (S), found {other:?}"),
            )),
        }
    }

    /// The lock's part of [`GuardState`] (everything but the hourly count).
    fn lock_state(&self, lock: &Item) -> Result<GuardState, PortError> {
        let at_ms = self.number(lock, "at_ms")?;
        let kind = match self.string(lock, "action")? {
            Some(name) => Some(ActionKind::from_tag(name).ok_or_else(|| {
                self.corrupt(
                    lock,
                    format!("expected `action` to name an action, found {name:?}"),
                )
            })?),
            None => None,
        };
        let last = match (kind, at_ms) {
            (Some(kind), Some(at_ms)) => Some(LastAction { kind, at_ms }),
            _ => None,
        };
        let deployment_id = self.string(lock, "deployment_id")?.map(str::to_owned);
        let applied = matches!(lock.get("applied"), Some(AttributeValue::Bool(true)));
        let open = match (applied, lock.contains_key("followed_up"), at_ms) {
            (true, false, Some(at_ms)) => {
                let doc = self.string(lock, DOC)?.unwrap_or_default();
                let action: Action = serde_json::from_str(doc).map_err(|e| {
                    self.corrupt(
                        lock,
                        format!("expected `{DOC}` to hold the action as JSON: {e}"),
                    )
                })?;
                Some(OpenAction {
                    action,
                    at_ms,
                    incident_id: self
                        .string(lock, "incident_id")?
                        .unwrap_or_default()
                        .to_owned(),
                    deployment_id: deployment_id.clone(),
                })
            }
            _ => None,
        };
        Ok(GuardState {
            last_action: last,
            own_deployment_id: deployment_id,
            open,
            actions_this_hour: 0,
        })
    }

    fn transact_error(
        &self,
        doing: &str,
        err: &SdkError<TransactWriteItemsError, HttpResponse>,
        codes: &[Option<&str>],
    ) -> PortError {
        const OP: &str = "TransactWriteItems";
        let message = format!(
            "expected table `{}` to {doing}, or to cancel it on a condition; got cancellation reasons {codes:?}: {}",
            self.table,
            DisplayErrorContext(err)
        );
        if codes
            .iter()
            .flatten()
            .any(|c| super::TRANSIENT_REASONS.contains(c))
        {
            PortError::Transient {
                service: SERVICE,
                operation: OP,
                message,
            }
        } else {
            PortError::Permanent {
                service: SERVICE,
                operation: OP,
                message,
            }
        }
    }

    fn build_error(what: &str, e: impl std::error::Error) -> PortError {
        PortError::Permanent {
            service: SERVICE,
            operation: "TransactWriteItems",
            message: format!("expected a complete {what} request, got: {e}"),
        }
    }
}

#[async_trait]
impl KillSwitchReader for DynamoDbRemediationStore {
    async fn kill_switch(&self) -> Result<KillSwitch, PortError> {
        let k = ItemKey {
            pk: KILL_SWITCH_PK.to_owned(),
            sk: KILL_SWITCH_SK.to_owned(),
        };
        let Some(item) = self.get(&k, "the kill switch").await? else {
            return Ok(KillSwitch::Released);
        };
        let value = match item.get("state") {
            Some(AttributeValue::S(v)) => v.clone(),
            Some(AttributeValue::Bool(b)) => b.to_string(),
            Some(AttributeValue::N(v)) => v.clone(),
            other => {
                return Err(self.corrupt(
                    &item,
                    format!(
                        "expected `state` to say engaged or released, found {}",
                        other.map_or("no `state` attribute".to_owned(), |v| format!("{v:?}"))
                    ),
                ))
            }
        };
        value
            .parse()
            .map_err(|e| self.corrupt(&item, format!("{e}")))
    }
}

#[async_trait]
impl RemediationGuard for DynamoDbRemediationStore {
    async fn read(&self, keys: &GuardKeys) -> Result<GuardState, PortError> {
        let mut state = match self.get(&keys.lock, "the remediation lock").await? {
            Some(lock) => self.lock_state(&lock)?,
            None => GuardState::default(),
        };
        if let Some(hour) = self.get(&keys.hour, "the hourly action count").await? {
            let count = self.number(&hour, "actions")?.unwrap_or(0);
            state.actions_this_hour = u32::try_from(count.max(0)).unwrap_or(u32::MAX);
        }
        Ok(state)
    }

    async fn acquire(&self, claim: &GuardClaim) -> Result<GuardOutcome, PortError> {
        let doc = Self::json("TransactWriteItems", "the action", &claim.detail)?;
        let mut lock: Item = key(claim.keys.lock.pk.clone(), claim.keys.lock.sk.clone());
        lock.extend([
            ("type".to_owned(), s("lock")),
            ("action".to_owned(), s(claim.action.as_str())),
            ("incident_id".to_owned(), s(&claim.incident_id)),
            ("at_ms".to_owned(), n(claim.at_ms)),
            ("until_ms".to_owned(), n(claim.until_ms)),
            ("audit_sk".to_owned(), s(claim.audit_sort_key())),
            (DOC.to_owned(), s(doc)),
            (EXPIRES_AT.to_owned(), n(claim.lock_expires_at_s)),
        ]);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(lock))
            .condition_expression("attribute_not_exists(pk) OR until_ms <= :at")
            .expression_attribute_values(":at", n(claim.at_ms))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| Self::build_error("Put", e))?;
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(
                claim.keys.hour.pk.clone(),
                claim.keys.hour.sk.clone(),
            )))
            .update_expression("ADD actions :one SET #exp = :exp")
            .condition_expression("attribute_not_exists(actions) OR actions < :cap")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":exp", n(claim.hour_expires_at_s))
            .expression_attribute_values(":cap", n(claim.hourly_cap))
            .build()
            .map_err(|e| Self::build_error("Update", e))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(update).build())
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(GuardOutcome::Acquired),
            Err(e) => e,
        };
        let doing = format!(
            "take the lock pk={}, sk={} and count it in pk={}, sk={}",
            claim.keys.lock.pk, claim.keys.lock.sk, claim.keys.hour.pk, claim.keys.hour.sk
        );
        let Some(TransactWriteItemsError::TransactionCanceledException(tce)) =
            err.as_service_error()
        else {
            return Err(self.sdk_error("TransactWriteItems", &doing, &err));
        };
        let reasons = tce.cancellation_reasons();
        let codes: Vec<Option<&str>> = reasons.iter().map(|r| r.code()).collect();
        if codes.first().copied().flatten() == Some(CONDITION_FAILED) {
            let until_ms = reasons.first().and_then(|r| r.item()).and_then(
                |old: &HashMap<String, AttributeValue>| match old.get("until_ms") {
                    Some(AttributeValue::N(v)) => v.parse().ok(),
                    _ => None,
                },
            );
            return Ok(GuardOutcome::Held(Held::Workload { until_ms }));
        }
        if codes.get(1).copied().flatten() == Some(CONDITION_FAILED) {
            return Ok(GuardOutcome::Held(Held::Hourly));
        }
        Err(self.transact_error(&doing, &err, &codes))
    }

    async fn record_applied(
        &self,
        lock: &ItemKey,
        at_ms: i64,
        applied: &Applied,
    ) -> Result<(), PortError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(lock.pk.clone(), lock.sk.clone())))
            .condition_expression("at_ms = :at")
            .expression_attribute_values(":at", n(at_ms))
            .expression_attribute_values(":t", AttributeValue::Bool(true));
        update = match &applied.deployment_id {
            Some(id) => update
                .update_expression("SET applied = :t, deployment_id = :d")
                .expression_attribute_values(":d", s(id)),
            None => update.update_expression("SET applied = :t"),
        };
        match update.send().await {
            Ok(_) => Ok(()),
            // Taken again since: the newer action's record is the one that matters.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(self.sdk_error(
                "UpdateItem",
                &format!("mark the lock pk={}, sk={} applied", lock.pk, lock.sk),
                &e,
            )),
        }
    }
}

#[async_trait]
impl AuditLog for DynamoDbRemediationStore {
    async fn write(&self, record: &AuditRecord) -> Result<(), PortError> {
        let doc = Self::json("PutItem", "the audit record", record)?;
        let mut item = key(record.partition_key(), record.sort_key());
        let outcome = serde_json::to_value(record.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        item.extend([
            ("type".to_owned(), s("audit")),
            ("outcome".to_owned(), s(outcome)),
            ("mode".to_owned(), s(record.mode.as_str())),
            ("incident_id".to_owned(), s(&record.incident_id)),
            ("at_ms".to_owned(), n(record.at_ms)),
            (DOC.to_owned(), s(doc)),
            (EXPIRES_AT.to_owned(), n(record.expires_at_s)),
        ]);
        if let Some(a) = &record.action {
            item.insert("action".to_owned(), s(a.kind().as_str()));
        }
        if let Some(code) = &record.reason_code {
            item.insert("reason_code".to_owned(), s(code));
        }
        let described = describe_key(&item);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| {
                self.sdk_error(
                    "PutItem",
                    &format!("store the audit record {described}"),
                    &e,
                )
            })?;
        Ok(())
    }

    async fn follow_up(
        &self,
        lock: &ItemKey,
        open: &OpenAction,
        follow_up: &FollowUp,
    ) -> Result<bool, PortError> {
        let doc = Self::json("TransactWriteItems", "the follow-up", follow_up)?;
        let status = follow_up.status();
        let close = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(lock.pk.clone(), lock.sk.clone())))
            .update_expression("SET followed_up = :status")
            .condition_expression("at_ms = :at AND attribute_not_exists(followed_up)")
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":at", n(open.at_ms))
            .build()
            .map_err(|e| Self::build_error("Update", e))?;
        let audit_sk = ecs_triage_core::remediate::audit_sort_key(open.at_ms, &open.incident_id);
        let record = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(lock.pk.clone(), audit_sk.clone())))
            .update_expression("SET follow_up = :doc")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":doc", s(doc))
            .build()
            .map_err(|e| Self::build_error("Update", e))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(close).build())
            .transact_items(TransactWriteItem::builder().update(record).build())
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(true),
            Err(e) => e,
        };
        let doing = format!(
            "record the outcome on pk={}, sk={audit_sk} and close the lock sk={}",
            lock.pk, lock.sk
        );
        let Some(TransactWriteItemsError::TransactionCanceledException(tce)) =
            err.as_service_error()
        else {
            return Err(self.sdk_error("TransactWriteItems", &doing, &err));
        };
        let codes: Vec<Option<&str>> = tce
            .cancellation_reasons()
            .iter()
            .map(|r| r.code())
            .collect();
        if codes.first().copied().flatten() == Some(CONDITION_FAILED) {
            // Recorded by another invocation, or the lock moved on to a newer action.
            return Ok(false);
        }
        Err(self.transact_error(&doing, &err, &codes))
    }
}

#[async_trait]
impl HealthyRevisionStore for DynamoDbRemediationStore {
    async fn last_healthy(
        &self,
        workload: &Workload,
    ) -> Result<Option<HealthyRevision>, PortError> {
        let k = ItemKey {
            pk: workload.partition_key(),
            sk: STATE_SK.to_owned(),
        };
        let Some(item) = self.get(&k, "the last-known-healthy revision").await? else {
            return Ok(None);
        };
        super::item::decode::<HealthyRecord>(&item, "a healthy-revision record")
            .map(|r| Some(r.revision))
            .map_err(|m| self.corrupt(&item, m))
    }

    async fn record_healthy(
        &self,
        workload: &Workload,
        revision: &HealthyRevision,
    ) -> Result<(), PortError> {
        let record = HealthyRecord {
            workload: workload.clone(),
            revision: revision.clone(),
        };
        let doc = Self::json("PutItem", "the healthy revision", &record)?;
        let mut item = key(workload.partition_key(), STATE_SK.to_owned());
        item.extend([
            ("type".to_owned(), s("state")),
            (
                "task_definition".to_owned(),
                s(revision.task_definition.family_revision()),
            ),
            ("recorded_at".to_owned(), n(revision.recorded_at_ms)),
            (DOC.to_owned(), s(doc)),
        ]);
        let described = describe_key(&item);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk) OR recorded_at < :at")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":at", n(revision.recorded_at_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // A later record is already there: events arrive out of order, the newest wins.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(self.sdk_error(
                "PutItem",
                &format!("store the healthy revision {described}"),
                &e,
            )),
        }
    }
}

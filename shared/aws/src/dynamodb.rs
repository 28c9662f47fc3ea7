//! [`IncidentStore`] on one DynamoDB table (layout in [`item`]), with the conditional-write
//! semantics of the in-memory fake (`ecs_triage_core::fakes::InMemoryStore`).

mod item;
mod remediation;

pub use remediation::{
    DynamoDbRemediationStore, AUDIT_PREFIX, KILL_SWITCH_PK, KILL_SWITCH_SK,
    OPERATIONS as REMEDIATION_OPERATIONS, RECORD_HEALTHY_OPERATIONS, STATE_SK,
};

/// The table's key attributes, index, stream view and TTL attribute, as the code reads and
/// writes them (infra/template.yaml and scripts/lib/emulator.py must create the same; a test
/// compares them).
pub mod schema {
    pub const PARTITION_KEY: &str = super::item::PK;
    pub const SORT_KEY: &str = super::item::SK;
    pub const INDEX: &str = super::CLUSTER_INDEX;
    pub const INDEX_PARTITION_KEY: &str = super::item::GSI1PK;
    pub const INDEX_SORT_KEY: &str = super::item::GSI1SK;
    /// The remediator reads both images (a new stop is a changed `count`).
    pub const STREAM_VIEW: &str = "NEW_AND_OLD_IMAGES";
    pub const TTL_ATTRIBUTE: &str = super::item::EXPIRES_AT;
}

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ecs_triage_core::incident::{Incident, IncidentKey, Occurrence, Workload};
use ecs_triage_core::ports::{IncidentStore, PortError, RecordOutcome};
use serde::de::DeserializeOwned;

use crate::error::port_error;
use item::{Item, GSI1PK, INCIDENT_PREFIX, PK, REV, SK, VERSION};

const SERVICE: &str = "dynamodb";

/// The IAM actions [`DynamoDbIncidentStore`] can call, on the table and its `by-cluster` index.
/// A transaction is authorized by the actions of its items (`TransactWriteItems` of puts needs
/// `PutItem`), not by an action of its own.
pub const OPERATIONS: &[&str] = &["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];

/// The global secondary index that lists a cluster's incidents by last occurrence
/// (`gsi1pk = CLUSTER#<cluster>`, `gsi1sk = <last seen, RFC 3339>#<incident id>`).
pub const CLUSTER_INDEX: &str = "by-cluster";

/// The code DynamoDB gives a transaction item whose condition failed.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Incidents and occurrences in a single DynamoDB table (keys `pk`/`sk`, index `by-cluster`).
#[derive(Debug, Clone)]
pub struct DynamoDbIncidentStore {
    client: Client,
    table: String,
}

impl DynamoDbIncidentStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbIncidentStore {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
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
        table_error(&self.table, operation, doing, err)
    }

    fn corrupt(&self, item: &Item, message: String) -> PortError {
        corrupt_item(&self.table, item, message)
    }

    fn decode<T: DeserializeOwned>(&self, item: &Item, kind: &str) -> Result<T, PortError> {
        item::decode(item, kind).map_err(|m| self.corrupt(item, m))
    }

    fn encode_error(operation: &'static str, kind: &str, err: &serde_json::Error) -> PortError {
        PortError::Permanent {
            service: SERVICE,
            operation,
            message: format!("expected {kind} to serialize as JSON, got: {err}"),
        }
    }

    async fn get(&self, key: Item, kind: &str) -> Result<Option<Item>, PortError> {
        let described = item::describe_key(&key);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.sdk_error("GetItem", &format!("return {kind} {described}"), &e))?;
        Ok(out.item)
    }

    /// PutItem under `#attr = :expected`; false when the condition failed.
    async fn put_if(
        &self,
        item: Item,
        attr: &str,
        expected: u64,
        kind: &str,
    ) -> Result<bool, PortError> {
        let described = item::describe_key(&item);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#attr = :expected")
            .expression_attribute_names("#attr", attr)
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(self.sdk_error(
                "PutItem",
                &format!("store {kind} {described} if its {attr} is {expected}"),
                &e,
            )),
        }
    }

    fn put(
        &self,
        item: Item,
        condition: &str,
        rev: Option<u64>,
    ) -> Result<TransactWriteItem, PortError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if let Some(rev) = rev {
            put = put
                .expression_attribute_names("#rev", REV)
                .expression_attribute_values(":rev", AttributeValue::N(rev.to_string()));
        }
        let put = put.build().map_err(|e| PortError::Permanent {
            service: SERVICE,
            operation: "TransactWriteItems",
            message: format!(
                "expected a complete Put request, got: {}",
                DisplayErrorContext(&e)
            ),
        })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

/// A pause of 5 to 50 ms, different for each caller: after losing an optimistic write, so the
/// writers that lost together do not retry together. The jitter comes from the clock's
/// nanoseconds and the task's address, which differ between concurrent callers; it needs no
/// random number generator.
async fn contention_pause() {
    let marker = 0u8;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let seed = u64::from(nanos) ^ (std::ptr::addr_of!(marker) as u64).rotate_left(17);
    let ms = 5 + seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 46;
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// A failed call on `table`, for both stores of this module.
fn table_error<E>(
    table: &str,
    operation: &'static str,
    doing: &str,
    err: &SdkError<E, HttpResponse>,
) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    port_error(
        SERVICE,
        operation,
        &format!("table `{table}` to {doing}"),
        err,
    )
}

/// An item of `table` that does not decode, for both stores of this module.
fn corrupt_item(table: &str, item: &Item, message: String) -> PortError {
    PortError::Corrupt {
        service: SERVICE,
        what: format!("item {} in table `{table}`", item::describe_key(item)),
        message,
    }
}

/// The cancellation reason codes TransactWriteItems documents that pass if retried later.
const TRANSIENT_REASONS: [&str; 3] = [
    "TransactionConflict",
    "ProvisionedThroughputExceeded",
    "ThrottlingError",
];

/// What a cancelled `record` transaction means, from its cancellation reason codes (one per
/// item, in request order: the occurrence, then the incident).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cancelled {
    Outcome(RecordOutcome),
    Transient,
    Permanent,
}

fn cancelled(codes: &[Option<&str>]) -> Cancelled {
    let code = |i: usize| codes.get(i).copied().flatten();
    if code(0) == Some(CONDITION_FAILED) {
        return Cancelled::Outcome(RecordOutcome::OccurrenceExists);
    }
    if code(1) == Some(CONDITION_FAILED) {
        return Cancelled::Outcome(RecordOutcome::IncidentChanged);
    }
    if codes
        .iter()
        .flatten()
        .any(|c| TRANSIENT_REASONS.contains(c))
    {
        Cancelled::Transient
    } else {
        Cancelled::Permanent
    }
}

#[async_trait]
impl IncidentStore for DynamoDbIncidentStore {
    async fn get_occurrence(
        &self,
        workload: &Workload,
        task_id: &str,
    ) -> Result<Option<Occurrence>, PortError> {
        match self
            .get(item::occurrence_key(workload, task_id), "the occurrence")
            .await?
        {
            Some(found) => self.decode(&found, "an occurrence").map(Some),
            None => Ok(None),
        }
    }

    async fn update_occurrence(
        &self,
        occurrence: &Occurrence,
        expected_version: u64,
    ) -> Result<bool, PortError> {
        let item = item::occurrence_item(occurrence)
            .map_err(|e| Self::encode_error("PutItem", "the occurrence", &e))?;
        self.put_if(item, VERSION, expected_version, "the occurrence")
            .await
    }

    async fn get_incident(&self, key: &IncidentKey) -> Result<Option<Incident>, PortError> {
        match self.get(item::incident_key(key), "the incident").await? {
            Some(found) => self.decode(&found, "an incident").map(Some),
            None => Ok(None),
        }
    }

    async fn record(
        &self,
        occurrence: &Occurrence,
        incident: &Incident,
        expected_rev: Option<u64>,
    ) -> Result<RecordOutcome, PortError> {
        const OP: &str = "TransactWriteItems";
        let occ_item = item::occurrence_item(occurrence)
            .map_err(|e| Self::encode_error(OP, "the occurrence", &e))?;
        let inc_item = item::incident_item(incident)
            .map_err(|e| Self::encode_error(OP, "the incident", &e))?;
        let described = format!(
            "occurrence {} and incident {}",
            item::describe_key(&occ_item),
            item::describe_key(&inc_item)
        );
        // `attribute_not_exists(pk)` on a put means "no item with this whole key yet".
        let occ_put = self.put(occ_item, "attribute_not_exists(pk)", None)?;
        let inc_put = match expected_rev {
            None => self.put(inc_item, "attribute_not_exists(pk)", None)?,
            Some(rev) => self.put(inc_item, "#rev = :rev", Some(rev))?,
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(occ_put)
            .transact_items(inc_put)
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(RecordOutcome::Written),
            Err(e) => e,
        };
        let doing = format!("write {described} in one transaction");
        let Some(TransactWriteItemsError::TransactionCanceledException(tce)) =
            err.as_service_error()
        else {
            return Err(self.sdk_error(OP, &doing, &err));
        };
        let codes: Vec<Option<&str>> = tce
            .cancellation_reasons()
            .iter()
            .map(|r| r.code())
            .collect();
        let message = || {
            format!(
                "expected table `{}` to {doing}, or to cancel it on a condition; got cancellation reasons {codes:?}: {}",
                self.table,
                DisplayErrorContext(&err)
            )
        };
        match cancelled(&codes) {
            Cancelled::Outcome(RecordOutcome::IncidentChanged) => {
                // Another invocation wrote the incident first. The caller reads it again and
                // retries; a short random pause first keeps concurrent writers of one crash
                // loop from colliding round after round (the load test: 8 writers).
                contention_pause().await;
                Ok(RecordOutcome::IncidentChanged)
            }
            Cancelled::Outcome(outcome) => Ok(outcome),
            Cancelled::Transient => Err(PortError::Transient {
                service: SERVICE,
                operation: OP,
                message: message(),
            }),
            Cancelled::Permanent => Err(PortError::Permanent {
                service: SERVICE,
                operation: OP,
                message: message(),
            }),
        }
    }

    async fn save_incident(
        &self,
        incident: &Incident,
        expected_rev: u64,
    ) -> Result<bool, PortError> {
        let item = item::incident_item(incident)
            .map_err(|e| Self::encode_error("PutItem", "the incident", &e))?;
        let written = self.put_if(item, REV, expected_rev, "the incident").await?;
        if !written {
            contention_pause().await;
        }
        Ok(written)
    }

    async fn workload_incidents(&self, workload: &Workload) -> Result<Vec<Incident>, PortError> {
        let pk = workload.partition_key();
        let mut incidents = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(INCIDENT_PREFIX.to_owned()),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    self.sdk_error("Query", &format!("list the incidents under pk={pk}"), &e)
                })?;
            for found in out.items() {
                incidents.push(self.decode(found, "an incident")?);
            }
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => return Ok(incidents),
            }
        }
    }

    async fn recent_incidents(
        &self,
        cluster: &str,
        limit: usize,
    ) -> Result<Vec<Incident>, PortError> {
        let partition = item::cluster_partition(cluster);
        let mut incidents = Vec::new();
        let mut start: Option<Item> = None;
        // Limit caps each page; a page can also end early at 1 MB, so keep going until enough.
        while incidents.len() < limit {
            let remaining = i32::try_from(limit - incidents.len()).unwrap_or(i32::MAX);
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(CLUSTER_INDEX)
                .key_condition_expression("#c = :c")
                .expression_attribute_names("#c", GSI1PK)
                .expression_attribute_values(":c", AttributeValue::S(partition.clone()))
                .scan_index_forward(false)
                .limit(remaining)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    self.sdk_error(
                        "Query",
                        &format!(
                            "list index `{CLUSTER_INDEX}` under {GSI1PK}={partition}, newest first"
                        ),
                        &e,
                    )
                })?;
            for found in out.items() {
                incidents.push(self.decode(found, "an incident")?);
            }
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => break,
            }
        }
        incidents.truncate(limit);
        Ok(incidents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_occurrence_condition_means_the_occurrence_exists() {
        assert_eq!(
            cancelled(&[Some(CONDITION_FAILED), Some("None")]),
            Cancelled::Outcome(RecordOutcome::OccurrenceExists)
        );
        // Both conditions failed: the duplicate wins, as in the fake, which checks it first.
        assert_eq!(
            cancelled(&[Some(CONDITION_FAILED), Some(CONDITION_FAILED)]),
            Cancelled::Outcome(RecordOutcome::OccurrenceExists)
        );
    }

    #[test]
    fn a_failed_incident_condition_means_the_incident_changed() {
        assert_eq!(
            cancelled(&[Some("None"), Some(CONDITION_FAILED)]),
            Cancelled::Outcome(RecordOutcome::IncidentChanged)
        );
        assert_eq!(
            cancelled(&[None, Some(CONDITION_FAILED)]),
            Cancelled::Outcome(RecordOutcome::IncidentChanged)
        );
    }

    #[test]
    fn other_cancellations_are_transient_or_permanent_by_code() {
        assert_eq!(
            cancelled(&[Some("None"), Some("TransactionConflict")]),
            Cancelled::Transient
        );
        assert_eq!(
            cancelled(&[Some("ThrottlingError"), Some("None")]),
            Cancelled::Transient
        );
        assert_eq!(
            cancelled(&[Some("ValidationError"), Some("None")]),
            Cancelled::Permanent
        );
        assert_eq!(cancelled(&[]), Cancelled::Permanent);
    }
}

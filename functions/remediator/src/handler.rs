//! One invocation: a batch of stream records → one decision (or follow-up) per record that is
//! work → `batchItemFailures` naming the records that failed.
//!
//! Every record is handled on its own, in order, and a failure (a malformed record, a port
//! error) is reported by its sequence number while the others go on: Lambda then retries from
//! the first failed record, and, with the event source mapping's retry limit and on-failure
//! destination (infra/), a record that keeps failing ends up in the failure queue instead of
//! blocking the shard. Records after a failed one are therefore seen again on the retry; that is
//! safe because every action goes through the guard's conditional write (a replayed record finds
//! the lock held and is audited as a skip, with no second action and no second announcement).
//!
//! Only a payload that is not a stream event at all, or a failed record without a sequence
//! number to report, fails the whole invocation.

use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use ecs_triage_core::ports::PortError;
use ecs_triage_core::remediate::{Handled, Remediator};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tracing::{debug, error, info, warn};

use crate::stream::{self, Change, RecordError};

/// Why a whole invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("not a DynamoDB stream event: {0}")]
    NotAStreamEvent(String),
    #[error("{count} record(s) failed without a sequence number to report; first: {first}")]
    Unreportable { count: usize, first: String },
}

impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: match e {
                HandlerError::NotAStreamEvent(_) => "NonRetryable",
                HandlerError::Unreportable { .. } => "Retryable",
            }
            .to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// Why one record failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordFailure {
    #[error(transparent)]
    Unreadable(#[from] RecordError),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// The Lambda entry point. `now_ms` is read once per record, so a long batch decides each
/// record at its own time.
pub async fn handle(
    event: LambdaEvent<Value>,
    remediator: &Remediator<'_>,
    now_ms: impl Fn() -> i64,
) -> Result<DynamoDbEventResponse, HandlerError> {
    handle_batch(&event.payload, remediator, now_ms).await
}

/// [`handle`] without the Lambda context (the tests call this).
pub async fn handle_batch(
    payload: &Value,
    remediator: &Remediator<'_>,
    now_ms: impl Fn() -> i64,
) -> Result<DynamoDbEventResponse, HandlerError> {
    let records = payload
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            HandlerError::NotAStreamEvent(format!(
                "expected an object with a `Records` array, found {}",
                describe(payload)
            ))
        })?;
    let mut response = DynamoDbEventResponse::default();
    let mut unreportable: Vec<String> = Vec::new();
    for record in records {
        let sequence = stream::sequence_number(record);
        match handle_record(record, remediator, now_ms()).await {
            Ok(()) => {}
            Err(failure) => {
                error!(sequence_number = sequence.as_deref(), error = %failure, transient = is_transient(&failure), "record failed");
                match sequence {
                    Some(id) => {
                        let mut f = DynamoDbBatchItemFailure::default();
                        f.item_identifier = Some(id);
                        response.batch_item_failures.push(f);
                    }
                    None => unreportable.push(failure.to_string()),
                }
            }
        }
    }
    if let Some(first) = unreportable.first() {
        return Err(HandlerError::Unreportable {
            count: unreportable.len(),
            first: first.clone(),
        });
    }
    info!(
        records = records.len(),
        failed = response.batch_item_failures.len(),
        "batch done"
    );
    Ok(response)
}

async fn handle_record(
    record: &Value,
    remediator: &Remediator<'_>,
    now_ms: i64,
) -> Result<(), RecordFailure> {
    match stream::read(record)? {
        Change::Ignored(why) => {
            debug!(why, "record ignored");
            Ok(())
        }
        Change::Incident(incident) => {
            let handled = remediator.on_incident(&incident, now_ms).await?;
            log(&handled, &incident.id);
            Ok(())
        }
        Change::Healthy(h) => {
            let handled = remediator
                .on_healthy(&h.workload, &h.revision, now_ms)
                .await?;
            log(&handled, &h.workload.label());
            Ok(())
        }
    }
}

fn log(handled: &Handled, subject: &str) {
    if let Some(a) = &handled.audit {
        info!(
            subject,
            outcome = ?a.outcome,
            reason = a.reason_code.as_deref(),
            action = a.action.as_ref().map(|x| x.kind().as_str()),
            result = a.result.as_ref().map(|r| format!("{r:?}")),
            headline = %a.headline,
            "decision"
        );
    }
    if let Some(f) = &handled.follow_up {
        info!(subject, follow_up = %f.describe(), "outcome of an earlier action recorded");
    }
    if let Some(e) = &handled.announce_error {
        // The action and its audit item stand; the message is what was lost. Not failing the
        // record is deliberate: a retry finds the lock held and could not announce either.
        warn!(subject, error = %e, "the announcement could not be published");
    }
}

fn is_transient(f: &RecordFailure) -> bool {
    matches!(f, RecordFailure::Port(p) if p.is_transient())
}

/// What a payload is, without echoing it (it may be large).
fn describe(v: &Value) -> String {
    match v {
        Value::Object(m) => format!(
            "an object with keys {:?}",
            m.keys().take(8).collect::<Vec<_>>()
        ),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::String(_) => "a string".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Null => "null".to_owned(),
    }
}

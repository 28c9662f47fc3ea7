//! Reading the incidents table's stream (NEW_AND_OLD_IMAGES): which records are work, which are
//! not, and what is wrong with a record that cannot be read.
//!
//! The records that are work:
//! - an incident item (`sk` `INC#…`) inserted, or modified with a new stop (its `count` or
//!   `last_seen` changed). Other modifications (notification bookkeeping, a resolution) carry
//!   no new evidence, so they do not make a decision;
//! - the responder's last-known-healthy item (`sk` `STATE`) written: it may close the follow-up
//!   of an applied action.
//!
//! Everything else (occurrences, the remediator's own audit, lock and guard items, TTL
//! removals) is ignored by name. Each record is read on its own, so one malformed record fails
//! alone.

use aws_lambda_events::event::dynamodb::EventRecord;
use ecs_triage_core::incident::Incident;
use ecs_triage_core::remediate::HealthyRecord;
use serde_json::Value;

/// Sort key of the responder's healthy-revision item.
const STATE_SK: &str = ecs_triage_aws::dynamodb::STATE_SK;
/// Sort-key prefix of incident items.
const INCIDENT_PREFIX: &str = "INC#";

/// What a record asks of the remediator.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// An incident that just counted a stop.
    Incident(Box<Incident>),
    /// A new last-known-healthy revision.
    Healthy(HealthyRecord),
    /// Not the remediator's business; the reason is logged at debug level.
    Ignored(&'static str),
}

/// Why a record could not be read. Reported in `batchItemFailures` (the record is retried, then
/// sent to the failure destination), never guessed around.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("the stream record is not a DynamoDB stream record: {0}")]
    Shape(String),
    #[error("the {image} image of item {key} has no string `doc` attribute")]
    NoDocument { image: &'static str, key: String },
    #[error("the `doc` of item {key} is not {what}: {message}")]
    Document {
        key: String,
        what: &'static str,
        message: String,
    },
}

/// The record's sequence number: what `batchItemFailures` names. Read leniently, so even a
/// record that is otherwise unreadable can be reported.
pub fn sequence_number(record: &Value) -> Option<String> {
    record
        .get("dynamodb")?
        .get("SequenceNumber")?
        .as_str()
        .map(str::to_owned)
}

/// Reads one record.
pub fn read(record: &Value) -> Result<Change, RecordError> {
    let record: EventRecord =
        serde_json::from_value(record.clone()).map_err(|e| RecordError::Shape(e.to_string()))?;
    if record.event_name == "REMOVE" {
        return Ok(Change::Ignored("an item was removed (TTL or by hand)"));
    }
    let keys = image(&record.change.keys);
    let pk = string(&keys, "pk").unwrap_or_default();
    let Some(sk) = string(&keys, "sk") else {
        return Err(RecordError::Shape(
            "expected the record's Keys to hold a string `sk`".to_owned(),
        ));
    };
    let key = format!("pk={pk}, sk={sk}");
    let new = image(&record.change.new_image);
    if sk == STATE_SK {
        let healthy = document(&new, &key, "a healthy-revision record")?;
        return Ok(Change::Healthy(healthy));
    }
    if !sk.starts_with(INCIDENT_PREFIX) {
        return Ok(Change::Ignored(
            "not an incident nor a healthy-revision item",
        ));
    }
    if record.event_name == "MODIFY" {
        let old = image(&record.change.old_image);
        let unchanged =
            |attr: &str| number(&old, attr).is_some() && number(&old, attr) == number(&new, attr);
        if unchanged("count") && unchanged("last_seen") {
            return Ok(Change::Ignored("the incident changed without a new stop"));
        }
    }
    let incident: Incident = document(&new, &key, "an incident")?;
    Ok(Change::Incident(Box::new(incident)))
}

/// An image as DynamoDB JSON (`{"attr": {"S": "…"}}`).
fn image(item: &impl serde::Serialize) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

fn string<'a>(image: &'a Value, attr: &str) -> Option<&'a str> {
    image.get(attr)?.get("S")?.as_str()
}

fn number<'a>(image: &'a Value, attr: &str) -> Option<&'a str> {
    image.get(attr)?.get("N")?.as_str()
}

fn document<T: serde::de::DeserializeOwned>(
    new: &Value,
    key: &str,
    what: &'static str,
) -> Result<T, RecordError> {
    let doc = string(new, "doc").ok_or_else(|| RecordError::NoDocument {
        image: "new",
        key: key.to_owned(),
    })?;
    serde_json::from_str(doc).map_err(|e| RecordError::Document {
        key: key.to_owned(),
        what,
        message: e.to_string(),
    })
}

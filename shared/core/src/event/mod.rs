//! The EventBridge `aws.ecs` events ecs-triage reacts to, and their tolerant parser.
//!
//! Parsing is tolerant where AWS may evolve (unknown fields are ignored, an unknown `stopCode` is
//! kept as `Other`, other `aws.ecs` detail types are recognised and ignored) and strict where the
//! input is not what it claims to be (not JSON, not an object, not from `aws.ecs`): those are
//! [`ParseError`]s that say what was expected and what was found.

pub mod arn;
mod input;
mod lenient;
mod service;
mod stop_code;
mod task;
pub mod time;

pub use input::{parse_input, InputKind};
pub use service::{DeploymentStateChange, ServiceAction};
pub use stop_code::StopCode;
pub use task::{
    Attachment, Container, EphemeralStorage, NameValue, NetworkBinding, NetworkInterface,
    TaskStateChange,
};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub const SOURCE_ECS: &str = "aws.ecs";
pub const TASK_STATE_CHANGE: &str = "ECS Task State Change";
pub const SERVICE_ACTION: &str = "ECS Service Action";
pub const DEPLOYMENT_STATE_CHANGE: &str = "ECS Deployment State Change";

/// The EventBridge envelope around every detail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Envelope {
    pub version: Option<String>,
    pub id: Option<String>,
    #[serde(rename = "detail-type")]
    pub detail_type: Option<String>,
    pub source: Option<String>,
    pub account: Option<String>,
    pub time: Option<String>,
    pub region: Option<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub resources: Vec<String>,
}

/// One parsed `aws.ecs` event.
#[derive(Debug, Clone, PartialEq)]
pub enum EcsEvent {
    TaskStateChange {
        envelope: Envelope,
        detail: Box<TaskStateChange>,
    },
    ServiceAction {
        envelope: Envelope,
        detail: ServiceAction,
    },
    DeploymentStateChange {
        envelope: Envelope,
        detail: DeploymentStateChange,
    },
    /// An `aws.ecs` event of a kind ecs-triage does not act on (e.g. `ECS Container Instance State
    /// Change`): recognised, not an error.
    Ignored { envelope: Envelope },
}

impl EcsEvent {
    pub fn envelope(&self) -> &Envelope {
        match self {
            EcsEvent::TaskStateChange { envelope, .. }
            | EcsEvent::ServiceAction { envelope, .. }
            | EcsEvent::DeploymentStateChange { envelope, .. }
            | EcsEvent::Ignored { envelope } => envelope,
        }
    }

    /// The detail-type, for logs and errors.
    pub fn detail_type(&self) -> &str {
        self.envelope().detail_type.as_deref().unwrap_or("")
    }
}

/// Why an input is not an ECS event ecs-triage can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("expected a JSON object, found {found}")]
    NotAnObject { found: &'static str },
    #[error("expected an EventBridge event with source \"aws.ecs\", found source {found:?}")]
    NotEcs { found: String },
    #[error("expected field {field:?} in an EventBridge event, found none")]
    MissingField { field: &'static str },
    #[error("the detail of this {detail_type:?} event is not valid: {message}")]
    BadDetail {
        detail_type: String,
        message: String,
    },
    #[error("expected an EventBridge ECS event, a task (`detail`) object or `aws ecs describe-tasks` output, found an object with keys {keys}")]
    Unrecognised { keys: String },
}

impl ParseError {
    pub(crate) fn from_json(e: &serde_json::Error) -> ParseError {
        // serde_json's own message ends with " at line L column C"; keep only the cause.
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full.get(..i).unwrap_or(&full).to_owned(),
            None => full,
        };
        ParseError::Json {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

/// The envelope with the detail left unparsed until the detail-type says what it is. (Not
/// `#[serde(flatten)]`: flatten cannot hand a `RawValue` through.)
#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "detail-type")]
    detail_type: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default, deserialize_with = "lenient::vec_or_null")]
    resources: Vec<String>,
    #[serde(borrow, default)]
    detail: Option<&'a RawValue>,
}

/// Parses one EventBridge event from raw bytes (the Lambda payload).
pub fn parse_event(bytes: &[u8]) -> Result<EcsEvent, ParseError> {
    let value: &RawValue = serde_json::from_slice(bytes).map_err(|e| ParseError::from_json(&e))?;
    parse_event_raw(value)
}

pub(crate) fn parse_event_raw(value: &RawValue) -> Result<EcsEvent, ParseError> {
    let json = value.get();
    let first = json.trim_start().as_bytes().first().copied();
    if first != Some(b'{') {
        return Err(ParseError::NotAnObject {
            found: json_kind(first),
        });
    }
    let raw: RawEvent<'_> = serde_json::from_str(json).map_err(|e| ParseError::BadDetail {
        detail_type: "EventBridge envelope".into(),
        message: e.to_string(),
    })?;
    let envelope = Envelope {
        version: raw.version,
        id: raw.id,
        detail_type: raw.detail_type,
        source: raw.source,
        account: raw.account,
        time: raw.time,
        region: raw.region,
        resources: raw.resources,
    };
    envelope_to_event(envelope, raw.detail)
}

fn envelope_to_event(
    envelope: Envelope,
    detail: Option<&RawValue>,
) -> Result<EcsEvent, ParseError> {
    match envelope.source.as_deref() {
        Some(SOURCE_ECS) => {}
        Some(other) => {
            return Err(ParseError::NotEcs {
                found: other.to_owned(),
            })
        }
        None => return Err(ParseError::MissingField { field: "source" }),
    }
    let detail_type = envelope
        .detail_type
        .clone()
        .ok_or(ParseError::MissingField {
            field: "detail-type",
        })?;
    let known = matches!(
        detail_type.as_str(),
        TASK_STATE_CHANGE | SERVICE_ACTION | DEPLOYMENT_STATE_CHANGE
    );
    if !known {
        return Ok(EcsEvent::Ignored { envelope });
    }
    let detail = detail.ok_or(ParseError::MissingField { field: "detail" })?;
    let bad = |e: serde_json::Error| ParseError::BadDetail {
        detail_type: detail_type.clone(),
        message: e.to_string(),
    };
    Ok(match detail_type.as_str() {
        TASK_STATE_CHANGE => EcsEvent::TaskStateChange {
            detail: Box::new(serde_json::from_str(detail.get()).map_err(bad)?),
            envelope,
        },
        SERVICE_ACTION => EcsEvent::ServiceAction {
            detail: serde_json::from_str(detail.get()).map_err(bad)?,
            envelope,
        },
        _ => EcsEvent::DeploymentStateChange {
            detail: serde_json::from_str(detail.get()).map_err(bad)?,
            envelope,
        },
    })
}

pub(crate) fn json_kind(first: Option<u8>) -> &'static str {
    match first {
        None => "nothing",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(_) => "a number",
    }
}

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

/// Parses one EventBridge event from raw bytes (the Lambda payload), in one pass: EventBridge
/// writes `source` and `detail-type` before `detail`, so the detail is deserialized straight into
/// its type. (A detail that comes first is kept as raw JSON and parsed afterwards.)
pub fn parse_event(bytes: &[u8]) -> Result<EcsEvent, ParseError> {
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    if first != Some(b'{') {
        // Error path only: say whether it is not JSON at all, or JSON of the wrong kind.
        let value: &RawValue =
            serde_json::from_slice(bytes).map_err(|e| ParseError::from_json(&e))?;
        return Err(ParseError::NotAnObject {
            found: json_kind(value.get().bytes().next()),
        });
    }
    // Read as bytes, serde_json checks the UTF-8 of every string on its own, about a sixth of the
    // time of parsing an event. Checking the whole input once and reading it as text instead
    // costs a fraction of that. Input that is not UTF-8 is read as bytes as before, so that its
    // error stays the same.
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_with(serde_json::Deserializer::from_str(text)),
        Err(_) => parse_with(serde_json::Deserializer::from_slice(bytes)),
    }
}

/// [`parse_event`] with either reader (text or bytes); the same parse.
fn parse_with<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<EcsEvent, ParseError> {
    let stage = std::cell::Cell::new(Stage::Envelope);
    let parsed = serde::de::DeserializeSeed::deserialize(one_pass::Seed { stage: &stage }, &mut de)
        .and_then(|p| de.end().map(|()| p));
    match parsed {
        Ok(one_pass::Parsed {
            envelope,
            detail: one_pass::Detail::Typed(event),
        }) => {
            check_source(&envelope)?;
            Ok((*event).with_envelope(envelope))
        }
        Ok(one_pass::Parsed {
            envelope,
            detail: one_pass::Detail::Raw(raw),
        }) => envelope_to_event(envelope, raw),
        Err(e) => Err(match stage.take() {
            Stage::Detail(detail_type) => ParseError::BadDetail {
                detail_type: detail_type.to_owned(),
                message: e.to_string(),
            },
            Stage::Envelope if e.is_syntax() || e.is_eof() => ParseError::from_json(&e),
            Stage::Envelope => ParseError::BadDetail {
                detail_type: "EventBridge envelope".into(),
                message: e.to_string(),
            },
        }),
    }
}

/// Where the one-pass parser was when it failed, so the error names the right part.
#[derive(Debug, Default)]
enum Stage {
    #[default]
    Envelope,
    /// The detail type, one of the constants (no allocation on the way of every event).
    Detail(&'static str),
}

mod one_pass {
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    use serde_json::value::RawValue;
    use std::cell::Cell;
    use std::fmt;

    use super::{
        DeploymentStateChange, EcsEvent, Envelope, ServiceAction, Stage, TaskStateChange,
        DEPLOYMENT_STATE_CHANGE, SERVICE_ACTION, SOURCE_ECS, TASK_STATE_CHANGE,
    };

    pub(super) enum Detail<'a> {
        /// Parsed in place (its envelope filled in afterwards).
        Typed(Box<Typed>),
        /// Not parsed yet: the detail came before `source`/`detail-type`, or is not ours.
        Raw(Option<&'a RawValue>),
    }

    pub(super) enum Typed {
        Task(Box<TaskStateChange>),
        Service(ServiceAction),
        Deployment(DeploymentStateChange),
    }

    impl Typed {
        pub(super) fn with_envelope(self, envelope: Envelope) -> EcsEvent {
            match self {
                Typed::Task(detail) => EcsEvent::TaskStateChange { envelope, detail },
                Typed::Service(detail) => EcsEvent::ServiceAction { envelope, detail },
                Typed::Deployment(detail) => EcsEvent::DeploymentStateChange { envelope, detail },
            }
        }
    }

    pub(super) struct Parsed<'a> {
        pub envelope: Envelope,
        pub detail: Detail<'a>,
    }

    pub(super) struct Seed<'s> {
        pub stage: &'s Cell<Stage>,
    }

    impl<'de, 's> DeserializeSeed<'de> for Seed<'s> {
        type Value = Parsed<'de>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de, 's> Visitor<'de> for Seed<'s> {
        type Value = Parsed<'de>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an EventBridge event object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut envelope = Envelope::default();
            let mut detail = Detail::Raw(None);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match key.as_ref() {
                    "version" => envelope.version = map.next_value()?,
                    "id" => envelope.id = map.next_value()?,
                    "detail-type" => envelope.detail_type = map.next_value()?,
                    "source" => envelope.source = map.next_value()?,
                    "account" => envelope.account = map.next_value()?,
                    "time" => envelope.time = map.next_value()?,
                    "region" => envelope.region = map.next_value()?,
                    "resources" => {
                        envelope.resources =
                            map.next_value::<Option<Vec<String>>>()?.unwrap_or_default()
                    }
                    "detail" => {
                        let ours = envelope.source.as_deref() == Some(SOURCE_ECS);
                        let kind = envelope.detail_type.as_deref().filter(|_| ours);
                        let typed = match kind {
                            Some(TASK_STATE_CHANGE | SERVICE_ACTION | DEPLOYMENT_STATE_CHANGE) => {
                                kind
                            }
                            _ => None,
                        };
                        detail = match typed {
                            Some(dt) => {
                                let dt = match dt {
                                    TASK_STATE_CHANGE => TASK_STATE_CHANGE,
                                    SERVICE_ACTION => SERVICE_ACTION,
                                    _ => DEPLOYMENT_STATE_CHANGE,
                                };
                                self.stage.set(Stage::Detail(dt));
                                let t = match dt {
                                    TASK_STATE_CHANGE => Typed::Task(map.next_value()?),
                                    SERVICE_ACTION => Typed::Service(map.next_value()?),
                                    _ => Typed::Deployment(map.next_value()?),
                                };
                                self.stage.set(Stage::Envelope);
                                Detail::Typed(Box::new(t))
                            }
                            None => Detail::Raw(Some(map.next_value::<&'de RawValue>()?)),
                        };
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(Parsed { envelope, detail })
        }
    }
}

fn check_source(envelope: &Envelope) -> Result<(), ParseError> {
    match envelope.source.as_deref() {
        Some(SOURCE_ECS) => Ok(()),
        Some(other) => Err(ParseError::NotEcs {
            found: other.to_owned(),
        }),
        None => Err(ParseError::MissingField { field: "source" }),
    }
}

pub(crate) fn parse_event_raw(value: &RawValue) -> Result<EcsEvent, ParseError> {
    parse_event(value.get().as_bytes())
}

fn envelope_to_event(
    envelope: Envelope,
    detail: Option<&RawValue>,
) -> Result<EcsEvent, ParseError> {
    check_source(&envelope)?;
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

//! Re-driving events from a function's failure destination (issue 7, "Nothing lost"): what the
//! queue holds, how to get the original event back, and the port the queue is read through.
//!
//! The responder's failure queue receives two shapes (infra/template.yaml):
//! - Lambda's **invocation record**, from the asynchronous invocation's `OnFailure` destination
//!   (AWS docs, "Capturing records of Lambda asynchronous invocations"): `requestPayload` is the
//!   original event, `requestContext.condition` says why it gave up (`RetriesExhausted`,
//!   `EventAgeExceeded`), `responsePayload` holds the function's last error;
//! - the **event itself**, from an EventBridge rule's dead-letter queue, when EventBridge could not
//!   invoke the function at all (AWS docs, "Using dead-letter queues to process undelivered
//!   events"; the reason is in message attributes, not the body).

use async_trait::async_trait;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::ports::PortError;

/// One message of a failure queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: String,
    /// What deletes it (valid while the message is in flight).
    pub receipt: String,
    pub body: String,
}

/// A failure destination, read and emptied one message at a time.
#[async_trait]
pub trait FailureQueue: Send + Sync {
    /// Up to `max` messages, hidden from other readers while they are handled.
    async fn receive(&self, max: usize) -> Result<Vec<QueuedMessage>, PortError>;
    /// Deletes a message once its event was handled.
    async fn delete(&self, message: &QueuedMessage) -> Result<(), PortError>;
    /// Makes a message that stays visible again at once, for the next replay (rather than
    /// after the queue's visibility timeout).
    async fn release(&self, message: &QueuedMessage) -> Result<(), PortError>;
}

/// Where a queued message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A Lambda invocation record; `condition` and `error` as the record gives them.
    Invocation {
        condition: Option<String>,
        error: Option<String>,
    },
    /// The event itself (an EventBridge dead letter).
    Event,
}

/// The original event of a queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub event: String,
    pub origin: Origin,
}

/// A message that holds no event ecs-triage can re-drive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the queued message is not {expected}: {found}")]
pub struct UnwrapError {
    pub expected: &'static str,
    pub found: String,
}

/// The event inside a failure-queue message body.
pub fn original_event(body: &str) -> Result<Original, UnwrapError> {
    let value: Value = serde_json::from_str(body).map_err(|e| UnwrapError {
        expected: "JSON",
        found: e.to_string(),
    })?;
    if let Some(payload) = value.get("requestPayload") {
        let raw: Box<RawValue> =
            serde_json::value::to_raw_value(payload).map_err(|e| UnwrapError {
                expected: "an invocation record with a JSON requestPayload",
                found: e.to_string(),
            })?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let error = value.get("responsePayload").and_then(|r| {
            let kind = text(r.get("errorType"));
            let message = text(r.get("errorMessage"));
            match (kind, message) {
                (Some(k), Some(m)) => Some(format!("{k}: {m}")),
                (k, m) => k.or(m),
            }
        });
        return Ok(Original {
            event: raw.get().to_owned(),
            origin: Origin::Invocation {
                condition: text(value.get("requestContext").and_then(|c| c.get("condition"))),
                error,
            },
        });
    }
    if value.get("detail-type").is_some() && value.get("source").is_some() {
        return Ok(Original {
            event: body.to_owned(),
            origin: Origin::Event,
        });
    }
    Err(UnwrapError {
        expected: "a Lambda invocation record (requestPayload) or an EventBridge event \
                   (source, detail-type)",
        found: match &value {
            Value::Object(m) => format!(
                "an object with keys {:?}",
                m.keys().take(8).collect::<Vec<_>>()
            ),
            other => format!("a JSON {}", json_kind(other)),
        },
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"version":"0","id":"1","detail-type":"ECS Task State Change","source":"aws.ecs","detail":{"lastStatus":"STOPPED"}}"#;

    #[test]
    fn an_invocation_record_gives_back_its_request_payload_and_why_it_failed() {
        let body = format!(
            r#"{{"version":"1.0","timestamp":"2024-05-01T12:00:00.000Z","requestContext":{{"requestId":"r","functionArn":"arn:aws:lambda:us-east-1:1:function:f:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3}},"requestPayload":{EVENT},"responseContext":{{"statusCode":200,"functionError":"Unhandled"}},"responsePayload":{{"errorType":"Retryable","errorMessage":"could not store the incident: dynamodb is temporarily unavailable"}}}}"#
        );
        let o = original_event(&body).unwrap();
        let v: Value = serde_json::from_str(&o.event).unwrap();
        assert_eq!(v["detail-type"], "ECS Task State Change");
        assert_eq!(
            o.origin,
            Origin::Invocation {
                condition: Some("RetriesExhausted".into()),
                error: Some(
                    "Retryable: could not store the incident: dynamodb is temporarily unavailable"
                        .into()
                ),
            }
        );
    }

    #[test]
    fn an_eventbridge_dead_letter_is_the_event_itself() {
        let o = original_event(EVENT).unwrap();
        assert_eq!(o.event, EVENT);
        assert_eq!(o.origin, Origin::Event);
    }

    #[test]
    fn anything_else_is_an_error_that_says_what_it_found() {
        for (body, found) in [
            ("not json", "expected ident"),
            ("[1,2]", "a JSON array"),
            (r#"{"Records":[]}"#, "Records"),
        ] {
            let e = original_event(body).unwrap_err();
            assert!(e.to_string().contains(found), "{e}");
        }
    }
}

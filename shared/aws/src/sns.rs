//! [`Notifier`] on an SNS topic: one `Publish` per notification, with `MessageStructure=json` so
//! each protocol gets its own rendering (DESIGN.md, "Notifications").

use async_trait::async_trait;
use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sns::Client;
use aws_smithy_types::error::display::DisplayErrorContext;
use ecs_triage_core::ports::{Notification, Notifier, PortError};

use crate::error::port_error;

const SERVICE: &str = "sns";
const OPERATION: &str = "Publish";

/// The IAM actions this adapter can call (compared with the SAM template by a test).
pub const OPERATIONS: &[&str] = &["sns:Publish"];

/// SNS's limit on one published message, message attributes included: 256 KiB ("Publish",
/// Amazon SNS API reference).
pub const MAX_PUBLISH_BYTES: usize = 262_144;

/// Appended to a plain-text report that had to be cut to fit [`MAX_PUBLISH_BYTES`].
const SHORTENED: &str =
    "\n\n[ecs-triage shortened this report to fit the 256 KB SNS message limit. \
The full diagnosis is in the incident record: `ecs-triage incidents`.]";

/// Publishes notifications to one SNS topic.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: Client,
    topic_arn: String,
}

impl SnsNotifier {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        SnsNotifier {
            client,
            topic_arn: topic_arn.into(),
        }
    }

    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }
}

/// The `MessageStructure=json` message: `default` and `email` get the plain text; `https`,
/// `http`, `lambda` and `sqs` get the chat JSON (Amazon Q Developer in chat applications reads
/// the `https` value; an SQS or Lambda subscriber reads the same JSON).
fn structured(text: &str, chat_json: &str) -> String {
    serde_json::json!({
        "default": text,
        "email": text,
        "https": chat_json,
        "http": chat_json,
        "lambda": chat_json,
        "sqs": chat_json,
    })
    .to_string()
}

/// Bytes that message attributes count towards [`MAX_PUBLISH_BYTES`]: name, type and value.
fn attribute_bytes(attributes: &[(String, String)]) -> usize {
    attributes
        .iter()
        .map(|(k, v)| k.len() + "String".len() + v.len())
        .sum()
}

/// The message to publish, with the plain text shortened (and saying so) when the whole would
/// exceed SNS's limit. Err when even an empty text leaves it too large (the chat JSON alone is
/// too big), with both sizes.
pub(crate) fn encode_message(n: &Notification) -> Result<String, String> {
    let budget = MAX_PUBLISH_BYTES.saturating_sub(attribute_bytes(&n.attributes));
    let full = structured(&n.text, &n.chat_json);
    if full.len() <= budget {
        return Ok(full);
    }
    let with_prefix =
        |end: usize| structured(&format!("{}{SHORTENED}", &n.text[..end]), &n.chat_json);
    let fits = |end: usize| with_prefix(end).len() <= budget;
    // Cut points on character boundaries; find the longest prefix that fits.
    let cuts: Vec<usize> = n.text.char_indices().map(|(i, _)| i).collect();
    if !fits(0) {
        return Err(format!(
            "expected the SNS message to fit in {MAX_PUBLISH_BYTES} bytes, found {} bytes even with the plain text left out ({} bytes of chat JSON in each of 4 protocols)",
            with_prefix(0).len(),
            n.chat_json.len()
        ));
    }
    let (mut lo, mut hi) = (0usize, cuts.len().saturating_sub(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if cuts.get(mid).is_some_and(|&end| fits(end)) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Ok(with_prefix(cuts.get(lo).copied().unwrap_or(0)))
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn publish(&self, n: &Notification) -> Result<(), PortError> {
        let message = encode_message(n).map_err(|message| PortError::Permanent {
            service: SERVICE,
            operation: OPERATION,
            message,
        })?;
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message_structure("json")
            .message(message);
        // SNS rejects an empty Subject and empty attribute values; render never produces them,
        // and if it did, a message without them beats no message.
        if !n.subject.is_empty() {
            request = request.subject(&n.subject);
        }
        for (name, value) in n.attributes.iter().filter(|(_, v)| !v.is_empty()) {
            let attribute = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| PortError::Permanent {
                    service: SERVICE,
                    operation: OPERATION,
                    message: format!(
                        "expected message attribute `{name}` to be complete, got: {}",
                        DisplayErrorContext(&e)
                    ),
                })?;
            request = request.message_attributes(name, attribute);
        }
        request.send().await.map_err(|e| {
            port_error(
                SERVICE,
                OPERATION,
                &format!(
                    "topic `{}` to accept the notification {:?}",
                    self.topic_arn, n.subject
                ),
                &e,
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str, chat: &str) -> Notification {
        Notification {
            subject: "OOM in web".to_owned(),
            text: text.to_owned(),
            chat_json: chat.to_owned(),
            attributes: vec![
                ("severity".to_owned(), "error".to_owned()),
                ("cluster".to_owned(), "prod".to_owned()),
            ],
        }
    }

    fn decoded(message: &str) -> serde_json::Value {
        serde_json::from_str(message).unwrap()
    }

    #[test]
    fn every_protocol_gets_its_rendering() {
        let chat = r#"{"version":"1.0","source":"custom"}"#;
        let m = decoded(&encode_message(&note("plain report", chat)).unwrap());
        assert_eq!(m["default"], "plain report");
        assert_eq!(m["email"], "plain report");
        for protocol in ["https", "http", "lambda", "sqs"] {
            assert_eq!(m[protocol], chat, "{protocol}");
        }
        assert_eq!(m.as_object().unwrap().len(), 6);
    }

    #[test]
    fn an_oversized_report_is_shortened_and_says_so() {
        // Multi-byte characters and characters JSON escapes, so byte counts and escapes matter.
        let text = "é\"\n".repeat(60_000);
        let n = note(&text, "{}");
        let message = encode_message(&n).unwrap();
        assert!(message.len() + attribute_bytes(&n.attributes) <= MAX_PUBLISH_BYTES);
        let m = decoded(&message);
        let sent = m["default"].as_str().unwrap();
        assert!(sent.ends_with(SHORTENED), "{}", &sent[sent.len() - 200..]);
        assert!(text.starts_with(sent.strip_suffix(SHORTENED).unwrap()));
        // Close to the limit, not cut far more than needed.
        assert!(message.len() + attribute_bytes(&n.attributes) > MAX_PUBLISH_BYTES - 16);
        assert_eq!(m["email"], m["default"]);
    }

    #[test]
    fn a_report_that_fits_is_not_touched() {
        let text = "x".repeat(100_000);
        let m = decoded(&encode_message(&note(&text, "{}")).unwrap());
        assert_eq!(m["default"].as_str().unwrap(), text);
    }

    #[test]
    fn chat_json_too_large_for_any_text_is_an_error_with_sizes() {
        let chat = "y".repeat(70_000);
        let err = encode_message(&note("short", &chat)).unwrap_err();
        assert!(
            err.contains("expected the SNS message to fit in 262144 bytes"),
            "{err}"
        );
        assert!(err.contains("70000 bytes of chat JSON"), "{err}");
    }
}

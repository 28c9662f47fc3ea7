//! [`FailureQueue`] on an SQS queue: a function's failure destination, read by
//! `ecs-triage replay`.

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use ecs_triage_core::ports::PortError;
use ecs_triage_core::replay::{FailureQueue, QueuedMessage};

use crate::error::port_error;

const SERVICE: &str = "sqs";

/// The IAM actions this adapter can call (an operator's, for `ecs-triage replay`).
pub const OPERATIONS: &[&str] = &[
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
];

/// SQS allows at most 10 messages per ReceiveMessage (API reference, `MaxNumberOfMessages`).
const MAX_BATCH: usize = 10;

/// One queue, by URL.
#[derive(Debug, Clone)]
pub struct SqsFailureQueue {
    client: Client,
    url: String,
    /// How long a received message stays hidden while it is handled.
    visibility_timeout_s: i32,
    /// Long polling: how long an empty receive waits for a message.
    wait_s: i32,
}

impl SqsFailureQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        SqsFailureQueue {
            client,
            url: url.into(),
            visibility_timeout_s: 60,
            wait_s: 1,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

#[async_trait]
impl FailureQueue for SqsFailureQueue {
    async fn receive(&self, max: usize) -> Result<Vec<QueuedMessage>, PortError> {
        let n = i32::try_from(max.clamp(1, MAX_BATCH)).unwrap_or(1);
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(n)
            .visibility_timeout(self.visibility_timeout_s)
            .wait_time_seconds(self.wait_s)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "ReceiveMessage",
                    &format!("queue {} to return its messages", self.url),
                    &e,
                )
            })?;
        Ok(out
            .messages()
            .iter()
            .filter_map(|m| {
                Some(QueuedMessage {
                    id: m.message_id()?.to_owned(),
                    receipt: m.receipt_handle()?.to_owned(),
                    body: m.body().unwrap_or_default().to_owned(),
                })
            })
            .collect())
    }

    async fn delete(&self, message: &QueuedMessage) -> Result<(), PortError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(&message.receipt)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DeleteMessage",
                    &format!("message {} of queue {} to be deleted", message.id, self.url),
                    &e,
                )
            })?;
        Ok(())
    }

    async fn release(&self, message: &QueuedMessage) -> Result<(), PortError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(&message.receipt)
            .visibility_timeout(0)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "ChangeMessageVisibility",
                    &format!(
                        "message {} of queue {} to be visible again",
                        message.id, self.url
                    ),
                    &e,
                )
            })?;
        Ok(())
    }
}

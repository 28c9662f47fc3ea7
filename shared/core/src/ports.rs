//! The ports: what the domain needs from the outside world, as small traits named for their
//! role. Adapters (`shared/aws`) implement them with the AWS SDK; in-memory fakes (feature
//! `test-util`) implement them for unit tests.

use async_trait::async_trait;

use crate::incident::{Incident, IncidentKey, Occurrence, Workload};

/// Why a store or notifier call failed, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Throttled, timed out, unavailable: a later retry may succeed.
    #[error("{service} is temporarily unavailable ({operation}): {message}")]
    Transient {
        service: &'static str,
        operation: &'static str,
        message: String,
    },
    /// Access denied, missing resource, invalid request: retrying will not help.
    #[error("{service} refused {operation}: {message}")]
    Permanent {
        service: &'static str,
        operation: &'static str,
        message: String,
    },
    /// The stored data could not be read back.
    #[error("{service} returned an item ecs-triage cannot read ({what}): {message}")]
    Corrupt {
        service: &'static str,
        what: String,
        message: String,
    },
}

impl PortError {
    pub fn is_transient(&self) -> bool {
        matches!(self, PortError::Transient { .. })
    }
}

/// The result of trying to record a new occurrence together with its incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Both written.
    Written,
    /// The occurrence already existed (another delivery of the same task won): nothing written.
    OccurrenceExists,
    /// The incident changed since it was read: nothing written, read again and retry.
    IncidentChanged,
}

/// Incidents, occurrences and their history (DynamoDB in production).
#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// The occurrence recorded for this task, if any.
    async fn get_occurrence(
        &self,
        workload: &Workload,
        task_id: &str,
    ) -> Result<Option<Occurrence>, PortError>;

    /// Replaces an occurrence with a newer version of the same task, only if the stored version
    /// is still `expected_version`. Returns false if it changed meanwhile.
    async fn update_occurrence(
        &self,
        occurrence: &Occurrence,
        expected_version: u64,
    ) -> Result<bool, PortError>;

    /// Consistent read of one incident.
    async fn get_incident(&self, key: &IncidentKey) -> Result<Option<Incident>, PortError>;

    /// Atomically writes a new occurrence (only if absent) and the incident (only if its stored
    /// revision is `expected_rev`, or absent when `None`).
    async fn record(
        &self,
        occurrence: &Occurrence,
        incident: &Incident,
        expected_rev: Option<u64>,
    ) -> Result<RecordOutcome, PortError>;

    /// Writes the incident only if its stored revision is `expected_rev`. False on conflict.
    async fn save_incident(
        &self,
        incident: &Incident,
        expected_rev: u64,
    ) -> Result<bool, PortError>;

    /// Every incident of a workload (any status).
    async fn workload_incidents(&self, workload: &Workload) -> Result<Vec<Incident>, PortError>;

    /// The most recently seen incidents of a cluster, newest first.
    async fn recent_incidents(
        &self,
        cluster: &str,
        limit: usize,
    ) -> Result<Vec<Incident>, PortError>;
}

/// One message, ready to publish: every rendering done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// One line, ASCII, at most 99 characters (SNS's limit is "less than 100").
    pub subject: String,
    /// Plain text for email and the `default` protocol.
    pub text: String,
    /// Amazon Q Developer in chat applications custom-notification JSON, for https/lambda/sqs.
    pub chat_json: String,
    /// `severity`, `category`, `cluster`, `service`: for subscription filter policies.
    pub attributes: Vec<(String, String)>,
}

/// Where notifications go (SNS in production).
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn publish(&self, notification: &Notification) -> Result<(), PortError>;
}

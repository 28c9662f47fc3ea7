//! The responder's pipeline over the ports: classify, record idempotently, notify once, resolve.
//!
//! EventBridge delivers at least once and sometimes out of order, and Lambda retries failed
//! invocations, so every step is safe to repeat:
//! - an occurrence is keyed by task (ARN + `detail.version`): a repeat or an older version is a
//!   no-op; the occurrence and its incident are written in one transaction;
//! - the incident is written with optimistic concurrency (its `rev`), re-read on conflict;
//! - a notification is published only under a claim taken with a conditional write, and marked
//!   sent only after the publish succeeded. A retry after a failed publish therefore still
//!   notifies; a retry after success does not notify twice; concurrent duplicates send one
//!   message. (A crash between publish and mark can send one more message after the claim lease
//!   expires: at-least-once, never lost.)

use serde::Serialize;

use crate::classify::{assess, Assessment, Classification};
use crate::event::time::parse_rfc3339_ms;
use crate::event::{EcsEvent, Envelope};
use crate::incident::{Incident, IncidentKey, NotificationKind, Policy, Workload, WorkloadKind};
use crate::ports::{IncidentStore, Notifier, PortError, RecordOutcome};
use crate::render;
use crate::taxonomy::Category;

/// Attempts at an optimistic write of one incident before giving up (a `Retryable` error, which
/// Lambda retries). A crash loop's stops arrive together, so several invocations write the same
/// incident at once; the store pauses a few random milliseconds after each lost write, and 32
/// rounds let 8 concurrent writers through (the load test).
const MAX_CONFLICT_RETRIES: usize = 32;

/// What the responder did with one event (logged and reported as a metric).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Notifications published by this invocation.
    pub notified: Vec<NotificationKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new occurrence was recorded.
    Recorded,
    /// The same task and version was already recorded.
    Duplicate,
    /// An older version of a task already recorded with a newer one.
    Stale,
    /// A newer version of a recorded task replaced its occurrence.
    Updated,
    /// Open incidents of the service were resolved (or nothing was open).
    Resolved,
    /// Nothing to do for this event.
    Ignored,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Recorded => "recorded",
            Action::Duplicate => "duplicate",
            Action::Stale => "stale",
            Action::Updated => "updated",
            Action::Resolved => "resolved",
            Action::Ignored => "ignored",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    #[error("could not store the incident: {0}")]
    Store(#[source] PortError),
    #[error("could not publish the notification: {0}")]
    Notify(#[source] PortError),
    /// The recovery was handled, but the service's healthy revision could not be read or
    /// stored (the remediator's rollback target).
    #[error("could not record the last-known-healthy revision: {0}")]
    HealthyRevision(#[source] PortError),
    #[error("the incident {incident_id} kept changing under concurrent writes ({MAX_CONFLICT_RETRIES} attempts)")]
    Contention { incident_id: String },
}

/// The ports and policy the pipeline runs on.
pub struct Responder<'a> {
    pub store: &'a dyn IncidentStore,
    pub notifier: &'a dyn Notifier,
    pub policy: &'a Policy,
}

impl std::fmt::Debug for Responder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("policy", self.policy)
            .finish_non_exhaustive()
    }
}

impl Responder<'_> {
    /// Handles one parsed event at `now_ms`.
    pub async fn handle(&self, event: &EcsEvent, now_ms: i64) -> Result<Outcome, RespondError> {
        let assessment = assess(event);
        self.handle_assessed(event, &assessment, now_ms).await
    }

    /// Handles an event already assessed (the enrichment step may have refined it).
    pub async fn handle_assessed(
        &self,
        event: &EcsEvent,
        assessment: &Assessment,
        now_ms: i64,
    ) -> Result<Outcome, RespondError> {
        let cluster = match assessment {
            Assessment::Classified(c) => c.subject.cluster.as_deref(),
            Assessment::Recovery(r) => r.subject.cluster.as_deref(),
            Assessment::Informational { .. } => None,
        };
        if !self.policy.admits(cluster) {
            return Ok(Outcome {
                action: Action::Ignored,
                category: None,
                incident_id: None,
                count: None,
                notified: vec![],
            });
        }
        match (event, assessment) {
            (EcsEvent::TaskStateChange { envelope, detail }, Assessment::Classified(c)) => {
                let at = detail
                    .stopped_at
                    .as_deref()
                    .or(detail.stopping_at.as_deref())
                    .and_then(parse_rfc3339_ms)
                    .or_else(|| event_time(envelope))
                    .unwrap_or(now_ms);
                let occurrence_id = c
                    .subject
                    .task_id
                    .clone()
                    .unwrap_or_else(|| fallback_id(envelope));
                self.record(c, &occurrence_id, detail.version.unwrap_or(0), at, now_ms)
                    .await
            }
            (_, Assessment::Classified(c)) => {
                // A failing service/deployment event: one occurrence per EventBridge event.
                let at = event_time(event.envelope()).unwrap_or(now_ms);
                self.record(c, &fallback_id(event.envelope()), 0, at, now_ms)
                    .await
            }
            (_, Assessment::Recovery(r)) => {
                let at = event_time(event.envelope()).unwrap_or(now_ms);
                let workload = Workload {
                    cluster: r
                        .subject
                        .cluster
                        .clone()
                        .unwrap_or_else(|| "unknown".to_owned()),
                    kind: WorkloadKind::Service,
                    name: r
                        .subject
                        .service
                        .clone()
                        .unwrap_or_else(|| "unknown".to_owned()),
                };
                self.resolve(&workload, at, now_ms).await
            }
            (_, Assessment::Informational { .. }) => Ok(Outcome {
                action: Action::Ignored,
                category: None,
                incident_id: None,
                count: None,
                notified: vec![],
            }),
        }
    }

    async fn record(
        &self,
        c: &Classification,
        occurrence_id: &str,
        version: u64,
        at_ms: i64,
        now_ms: i64,
    ) -> Result<Outcome, RespondError> {
        let key = self.policy.key_of(c);
        let mut occurrence = self.policy.occurrence(c, &key, version, at_ms, now_ms);
        occurrence.task_id = occurrence_id.to_owned();
        let mut action = Action::Recorded;
        match self
            .store
            .get_occurrence(&key.workload, occurrence_id)
            .await
            .map_err(RespondError::Store)?
        {
            Some(old) if old.version > version => action = Action::Stale,
            Some(old) if old.version == version => action = Action::Duplicate,
            Some(old) => {
                // A newer version of a task already counted: refresh the record, count nothing.
                self.store
                    .update_occurrence(&occurrence, old.version)
                    .await
                    .map_err(RespondError::Store)?;
                action = Action::Updated;
            }
            None => {
                let mut written = false;
                for _ in 0..MAX_CONFLICT_RETRIES {
                    let existing = self.incident(&key).await?;
                    let expected_rev = existing.as_ref().map(|i| i.rev);
                    let next = self.policy.apply(existing, &key, c, at_ms, now_ms);
                    match self
                        .store
                        .record(&occurrence, &next, expected_rev)
                        .await
                        .map_err(RespondError::Store)?
                    {
                        RecordOutcome::Written => {
                            written = true;
                            break;
                        }
                        RecordOutcome::OccurrenceExists => {
                            action = Action::Duplicate;
                            written = true;
                            break;
                        }
                        RecordOutcome::IncidentChanged => continue,
                    }
                }
                if !written {
                    return Err(RespondError::Contention {
                        incident_id: key.id(),
                    });
                }
            }
        }
        // Every path, duplicates included, settles what is owed: a retry after a failed publish
        // must still notify.
        let (notified, count) = self.notify_due(&key, now_ms).await?;
        Ok(Outcome {
            action,
            category: Some(c.category),
            incident_id: Some(key.id()),
            count,
            notified,
        })
    }

    async fn resolve(
        &self,
        workload: &Workload,
        at_ms: i64,
        now_ms: i64,
    ) -> Result<Outcome, RespondError> {
        let incidents = self
            .store
            .workload_incidents(workload)
            .await
            .map_err(RespondError::Store)?;
        let mut notified = Vec::new();
        for inc in incidents {
            let mut current = inc;
            for attempt in 0..=MAX_CONFLICT_RETRIES {
                let Some(resolved) = self.policy.resolve(&current, at_ms, now_ms) else {
                    break;
                };
                if self
                    .store
                    .save_incident(&resolved, current.rev)
                    .await
                    .map_err(RespondError::Store)?
                {
                    break;
                }
                if attempt == MAX_CONFLICT_RETRIES {
                    return Err(RespondError::Contention {
                        incident_id: current.id.clone(),
                    });
                }
                match self.incident(&current.key).await? {
                    Some(fresh) => current = fresh,
                    None => break,
                }
            }
            notified.extend(self.notify_due(&current.key, now_ms).await?.0);
        }
        Ok(Outcome {
            action: Action::Resolved,
            category: None,
            incident_id: None,
            count: None,
            notified,
        })
    }

    /// Publishes what the incident owes, under a claim, and marks it sent.
    /// Returns what was published and the incident's count as last read (so the caller needs no
    /// read of its own to report it).
    async fn notify_due(
        &self,
        key: &IncidentKey,
        now_ms: i64,
    ) -> Result<(Vec<NotificationKind>, Option<u64>), RespondError> {
        let mut sent = Vec::new();
        let mut count = None;
        // An incident owes at most one message per call in practice; the bound stops a loop if a
        // store misbehaves.
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(inc) = self.incident(key).await? else {
                break;
            };
            count = Some(inc.count);
            let Some(what) = self.policy.due(&inc) else {
                break;
            };
            let Some(claimed) = self.policy.claim(&inc, what, now_ms) else {
                break;
            };
            if !self
                .store
                .save_incident(&claimed, inc.rev)
                .await
                .map_err(RespondError::Store)?
            {
                continue;
            }
            let level = self.policy.level(claimed.count);
            let note = render::notification(&claimed, what, now_ms);
            if let Err(e) = self.notifier.publish(&note).await {
                self.release_claim(key, what).await;
                return Err(RespondError::Notify(e));
            }
            self.mark_sent(key, what, level).await?;
            sent.push(what);
            if what == NotificationKind::Resolved {
                break;
            }
        }
        Ok((sent, count))
    }

    async fn mark_sent(
        &self,
        key: &IncidentKey,
        what: NotificationKind,
        level: u32,
    ) -> Result<(), RespondError> {
        for _ in 0..MAX_CONFLICT_RETRIES {
            let Some(inc) = self.incident(key).await? else {
                return Ok(());
            };
            let done = self.policy.sent(&inc, what, level);
            if self
                .store
                .save_incident(&done, inc.rev)
                .await
                .map_err(RespondError::Store)?
            {
                return Ok(());
            }
        }
        Err(RespondError::Contention {
            incident_id: key.id(),
        })
    }

    /// Consistent read of one incident.
    async fn incident(&self, key: &IncidentKey) -> Result<Option<Incident>, RespondError> {
        self.store
            .get_incident(key)
            .await
            .map_err(RespondError::Store)
    }

    /// Best effort: if the release fails, the claim lease expires on its own.
    async fn release_claim(&self, key: &IncidentKey, what: NotificationKind) {
        if let Ok(Some(inc)) = self.store.get_incident(key).await {
            if inc.claim.as_ref().is_some_and(|c| c.what == what) {
                let _ = self
                    .store
                    .save_incident(&self.policy.release(&inc), inc.rev)
                    .await;
            }
        }
    }
}

fn event_time(envelope: &Envelope) -> Option<i64> {
    envelope.time.as_deref().and_then(parse_rfc3339_ms)
}

/// An occurrence id for events without a task: the EventBridge event id.
fn fallback_id(envelope: &Envelope) -> String {
    format!("evt-{}", envelope.id.as_deref().unwrap_or("unknown"))
}

#[cfg(test)]
#[path = "respond_tests.rs"]
mod tests;

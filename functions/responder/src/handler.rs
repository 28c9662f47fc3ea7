//! Translates one Lambda invocation: raw EventBridge payload → [`Responder`] → outcome or a
//! typed error, with one log line and one metrics record per invocation.

use std::io::Write;
use std::time::Instant;

use std::time::Duration;

use ecs_triage_core::classify::{assess, Assessment};
use ecs_triage_core::diagnose::engine::{diagnose, Readers};
use ecs_triage_core::diagnose::ports::EcsReader;
use ecs_triage_core::diagnose::run::{Budget, Timer};
use ecs_triage_core::event::{EcsEvent, ParseError};
use ecs_triage_core::parse_event;
use ecs_triage_core::remediate::{record_recovery, HealthyRevisionStore};
use ecs_triage_core::respond::{Outcome, RespondError, Responder};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::value::RawValue;
use tracing::{error, info, warn, Instrument};

use crate::metrics::{self, Invocation};

/// Why an invocation failed. The Lambda `errorType` is [`HandlerError::error_type`], a stable
/// string an operator (or a failure-destination consumer) can act on:
///
/// - `NonRetryable`: the event itself is bad (not JSON, not an `aws.ecs` event, a malformed
///   detail). Replaying it cannot succeed; it is kept in the failure destination to be looked at.
/// - `Retryable`: the event is fine and a dependency failed (DynamoDB, SNS, or a write kept
///   conflicting). Lambda's own retries may succeed, and an event that reached the failure
///   destination can be replayed once the dependency works. This includes "permanent" AWS
///   errors such as AccessDenied: they are fixed by changing the stack, not the event.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("not an ECS event ecs-triage can read: {0}")]
    BadEvent(#[from] ParseError),
    #[error(transparent)]
    Failed(#[from] RespondError),
}

pub const RETRYABLE: &str = "Retryable";
pub const NON_RETRYABLE: &str = "NonRetryable";

impl HandlerError {
    /// The stable Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::BadEvent(_) => NON_RETRYABLE,
            HandlerError::Failed(_) => RETRYABLE,
        }
    }
}

/// lambda_runtime 1.x reports `Diagnostic { error_type, error_message }` for a handler error;
/// without this impl `error_type` would be the Rust type name (`std::any::type_name`), which is
/// neither stable nor telling.
impl From<HandlerError> for Diagnostic {
    fn from(e: HandlerError) -> Diagnostic {
        Diagnostic {
            error_type: e.error_type().to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// The Lambda entry point: handles the event, logs the result and prints its metrics record.
/// `now_ms` is the wall clock at the start of the invocation.
pub async fn handle(
    event: LambdaEvent<Box<RawValue>>,
    responder: &Responder<'_>,
    enrichment: Option<&Enrichment<'_>>,
    healthy: Option<&HealthyRecorder<'_>>,
    now_ms: i64,
) -> Result<Outcome, HandlerError> {
    let started = Instant::now();
    // The checks must leave time to record and notify before the function's deadline.
    let left = time_for_checks(event.context.deadline, now_ms);
    if enrichment.is_some() {
        tracing::debug!(
            deadline_ms = event.context.deadline,
            budget_ms = left.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            "time left for the checks"
        );
    }
    let bounded = enrichment.map(|e| match left {
        Some(left) => Enrichment {
            budget: Budget {
                total: e.budget.total.min(left),
                per_check: e.budget.per_check.min(left),
            },
            ..*e
        },
        None => *e,
    });
    let result = respond_with(
        event.payload.get().as_bytes(),
        responder,
        bounded.as_ref(),
        healthy,
        now_ms,
    )
    .await;
    let line = metrics::emf_line(&invocation(&result, started, now_ms));
    // One write of one line, so it never interleaves with a log line. A closed stdout must not
    // fail the invocation.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
    result
}

/// Time kept back from the Lambda deadline for recording and notifying after the checks.
const RESERVE_MS: i64 = 2_000;

/// The time the checks may take before the invocation's deadline, keeping [`RESERVE_MS`] for
/// recording and notifying; `None` when the runtime announced no usable deadline.
///
/// Lambda sends `Lambda-Runtime-Deadline-Ms` as milliseconds since the epoch. Local runtimes do
/// not all follow it: `cargo lambda watch` 1.9 sends the timeout itself (600000, ten minutes),
/// and a missing header reads as 0. Taken as an epoch time, either is "long past" and would turn
/// every check into "timed out after 0 ms". So a deadline before 2001-09-09 (10^12 ms), which no
/// real invocation can have, means "unknown", and the configured budget (`ENRICH_BUDGET_MS`)
/// alone bounds the checks.
fn time_for_checks(deadline_ms: u64, now_ms: i64) -> Option<Duration> {
    const EARLIEST_EPOCH_DEADLINE_MS: u64 = 1_000_000_000_000;
    if deadline_ms < EARLIEST_EPOCH_DEADLINE_MS {
        return None;
    }
    let deadline_ms = i64::try_from(deadline_ms).unwrap_or(i64::MAX);
    let left = deadline_ms
        .saturating_sub(now_ms)
        .saturating_sub(RESERVE_MS);
    Some(Duration::from_millis(u64::try_from(left).unwrap_or(0)))
}

/// The enrichment run before recording: the readers, the time allowed and a timer.
#[derive(Clone, Copy)]
pub struct Enrichment<'a> {
    pub readers: Readers<'a>,
    pub budget: Budget,
    pub timer: &'a dyn Timer,
}

impl std::fmt::Debug for Enrichment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrichment")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// Records the last-known-healthy revision of a service on its recovery events (the remediator
/// rolls back to it; see `ecs_triage_core::remediate::record_recovery`).
#[derive(Clone, Copy)]
pub struct HealthyRecorder<'a> {
    pub ecs: &'a dyn EcsReader,
    pub store: &'a dyn HealthyRevisionStore,
}

impl std::fmt::Debug for HealthyRecorder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthyRecorder").finish_non_exhaustive()
    }
}

/// Sleeping on the tokio runtime, for the checks' timeouts (shared with the CLI).
pub use ecs_triage_aws::TokioTimer;

/// Parses and handles one payload without enrichment (see [`respond_with`]).
pub async fn respond(
    payload: &[u8],
    responder: &Responder<'_>,
    now_ms: i64,
) -> Result<Outcome, HandlerError> {
    respond_with(payload, responder, None, None, now_ms).await
}

/// Parses one payload, runs the checks its classification needs (when enrichment is given),
/// records and notifies, logging what happened. A check that fails is a finding, never an error.
/// On a recovery, `healthy` (when given) records the service's healthy revision after the
/// incidents are resolved; a failure to record it fails the event (it is retried, and resolving
/// again is a no-op), because a lost record would leave the remediator rolling back to an older
/// revision.
pub async fn respond_with(
    payload: &[u8],
    responder: &Responder<'_>,
    enrichment: Option<&Enrichment<'_>>,
    healthy: Option<&HealthyRecorder<'_>>,
    now_ms: i64,
) -> Result<Outcome, HandlerError> {
    let event = match parse_event(payload) {
        Ok(event) => event,
        Err(e) => {
            let e = HandlerError::from(e);
            warn!(error_type = e.error_type(), error = %e, "bad event, not retrying");
            return Err(e);
        }
    };
    let span = tracing::info_span!(
        "event",
        detail_type = event.detail_type(),
        event_id = event.envelope().id.as_deref().unwrap_or(""),
        task_arn = task_arn(&event),
        resource = event
            .envelope()
            .resources
            .first()
            .map(String::as_str)
            .unwrap_or(""),
    );
    async {
        let mut assessment = assess(&event);
        if let (Some(e), EcsEvent::TaskStateChange { detail, .. }, Assessment::Classified(c)) =
            (enrichment, &event, &assessment)
        {
            let d = diagnose(c.clone(), detail, e.readers, e.budget, e.timer).await;
            if let Some(from) = d.refined_from {
                info!(
                    from = from.label(),
                    to = d.classification.category.label(),
                    "refined by checks"
                );
            }
            assessment = Assessment::Classified(d.classification);
        }
        let handled = responder.handle_assessed(&event, &assessment, now_ms).await;
        let handled = match (handled, healthy, &assessment) {
            (Ok(outcome), Some(h), Assessment::Recovery(r)) => {
                match record_recovery(r, h.ecs, h.store, now_ms).await {
                    Ok(recorded) => {
                        info!(
                            revision = recorded.map(|h| h.task_definition.family_revision()),
                            "last-known-healthy revision"
                        );
                        Ok(outcome)
                    }
                    Err(e) => Err(RespondError::HealthyRevision(e)),
                }
            }
            (other, ..) => other,
        };
        match handled {
            Ok(outcome) => {
                info!(
                    action = outcome.action.as_str(),
                    category = outcome.category.map(|c| c.label()),
                    incident_id = outcome.incident_id.as_deref(),
                    count = outcome.count,
                    notified = %notified_list(&outcome),
                    "event handled"
                );
                Ok(outcome)
            }
            Err(e) => {
                let e = HandlerError::from(e);
                error!(error_type = e.error_type(), error = %e, "event failed, to be retried");
                Err(e)
            }
        }
    }
    .instrument(span)
    .await
}

/// `opened,escalated`: what was published, for one log field.
fn notified_list(outcome: &Outcome) -> String {
    outcome
        .notified
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn task_arn(event: &EcsEvent) -> &str {
    match event {
        EcsEvent::TaskStateChange { detail, .. } => detail.task_arn.as_deref().unwrap_or(""),
        _ => "",
    }
}

fn invocation<'a>(
    result: &'a Result<Outcome, HandlerError>,
    started: Instant,
    now_ms: i64,
) -> Invocation<'a> {
    let duration = started.elapsed();
    match result {
        Ok(o) => Invocation {
            outcome: o.action.as_str(),
            category: o.category.map(|c| c.label()),
            notified: o.notified.iter().map(|n| n.as_str()).collect(),
            incident_id: o.incident_id.as_deref(),
            error_type: None,
            duration,
            timestamp_ms: now_ms,
        },
        Err(e) => Invocation {
            outcome: "error",
            category: None,
            notified: Vec::new(),
            incident_id: None,
            error_type: Some(e.error_type()),
            duration,
            timestamp_ms: now_ms,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecs_triage_core::fakes::{InMemoryStore, RecordingNotifier};
    use ecs_triage_core::incident::{IncidentStatus, NotificationKind, Policy};
    use ecs_triage_core::respond::Action;
    use std::path::PathBuf;
    use std::sync::atomic::Ordering;

    /// 2025-06-01T00:00:00Z: after every sample event.
    const NOW: i64 = 1_748_736_000_000;

    fn sample(name: &str) -> Vec<u8> {
        let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "events", name]
            .iter()
            .collect();
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    struct World {
        store: InMemoryStore,
        notifier: RecordingNotifier,
        policy: Policy,
    }

    impl World {
        fn new() -> World {
            World {
                store: InMemoryStore::default(),
                notifier: RecordingNotifier::default(),
                policy: Policy::default(),
            }
        }

        fn responder(&self) -> Responder<'_> {
            Responder {
                store: &self.store,
                notifier: &self.notifier,
                policy: &self.policy,
            }
        }

        async fn send(&self, payload: &[u8]) -> Result<Outcome, HandlerError> {
            respond(payload, &self.responder(), NOW).await
        }
    }

    #[tokio::test]
    async fn bad_json_is_non_retryable_and_names_line_and_column() {
        let w = World::new();
        let err = w
            .send(b"{\n  \"source\": \"aws.ecs\",\n  \"detail\": {,}\n}")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                HandlerError::BadEvent(ParseError::Json { line: 3, .. })
            ),
            "{err:?}"
        );
        assert_eq!(err.error_type(), "NonRetryable");
        let d = Diagnostic::from(err);
        assert_eq!(d.error_type, "NonRetryable");
        assert!(
            d.error_message.contains("line 3, column 14"),
            "{}",
            d.error_message
        );
        assert!(w.notifier.sent().is_empty());
    }

    #[tokio::test]
    async fn an_event_from_another_source_is_non_retryable_and_named() {
        let w = World::new();
        let mut event: serde_json::Value =
            serde_json::from_slice(&sample("task-stopped-oom.json")).unwrap();
        event["source"] = "aws.ec2".into();
        let err = w.send(event.to_string().as_bytes()).await.unwrap_err();
        assert_eq!(err.error_type(), "NonRetryable");
        let msg = err.to_string();
        assert!(
            msg.contains("\"aws.ecs\"") && msg.contains("\"aws.ec2\""),
            "{msg}"
        );
        assert!(w.store.incidents().is_empty());
    }

    #[tokio::test]
    async fn the_first_oom_stop_opens_an_incident_and_notifies_once() {
        let w = World::new();
        let outcome = w.send(&sample("task-stopped-oom.json")).await.unwrap();
        assert_eq!(outcome.action, Action::Recorded);
        assert_eq!(outcome.category.map(|c| c.label()), Some("oom_killed"));
        assert_eq!(outcome.count, Some(1));
        assert_eq!(outcome.notified, vec![NotificationKind::Opened]);
        let sent = w.notifier.sent();
        assert_eq!(sent.len(), 1);
        assert!(sent[0]
            .attributes
            .contains(&("category".to_owned(), "oom_killed".to_owned())));
        assert_eq!(w.store.incidents().len(), 1);
    }

    #[tokio::test]
    async fn the_same_event_delivered_twice_notifies_once() {
        let w = World::new();
        let event = sample("task-stopped-oom.json");
        w.send(&event).await.unwrap();
        let again = w.send(&event).await.unwrap();
        assert_eq!(again.action, Action::Duplicate);
        assert_eq!(again.count, Some(1));
        assert!(again.notified.is_empty());
        assert_eq!(w.notifier.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_failed_publish_is_retryable_and_the_retry_notifies_exactly_once() {
        let w = World::new();
        w.notifier.fail_next.store(1, Ordering::SeqCst);
        let event = sample("task-stopped-oom.json");

        let err = w.send(&event).await.unwrap_err();
        assert!(
            matches!(err, HandlerError::Failed(RespondError::Notify(_))),
            "{err:?}"
        );
        assert_eq!(Diagnostic::from(err).error_type, "Retryable");
        assert!(w.notifier.sent().is_empty());

        let retry = w.send(&event).await.unwrap();
        assert_eq!(retry.notified, vec![NotificationKind::Opened]);
        assert_eq!(
            retry.count,
            Some(1),
            "the retry must not count the task twice"
        );
        let third = w.send(&event).await.unwrap();
        assert!(third.notified.is_empty());
        assert_eq!(w.notifier.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_store_failure_is_retryable() {
        let w = World::new();
        w.store.fail_next.store(1, Ordering::SeqCst);
        let err = w.send(&sample("task-stopped-oom.json")).await.unwrap_err();
        assert!(
            matches!(err, HandlerError::Failed(RespondError::Store(_))),
            "{err:?}"
        );
        assert_eq!(err.error_type(), "Retryable");
    }

    #[tokio::test]
    async fn steady_state_after_a_notified_incident_sends_one_resolved_message() {
        let w = World::new();
        w.send(&sample("task-stopped-app-crash-exit-1.json"))
            .await
            .unwrap();
        assert_eq!(w.notifier.sent().len(), 1);

        let outcome = w.send(&sample("service-steady-state.json")).await.unwrap();
        assert_eq!(outcome.action, Action::Resolved);
        assert_eq!(outcome.notified, vec![NotificationKind::Resolved]);
        let sent = w.notifier.sent();
        assert_eq!(sent.len(), 2);
        assert!(
            sent[1].subject.to_lowercase().contains("resolved"),
            "{}",
            sent[1].subject
        );
        let incidents = w.store.incidents();
        assert_eq!(incidents.len(), 1);
        assert_eq!(incidents[0].status, IncidentStatus::Resolved);

        let again = w.send(&sample("service-steady-state.json")).await.unwrap();
        assert!(again.notified.is_empty());
        assert_eq!(w.notifier.sent().len(), 2);
    }

    #[tokio::test]
    async fn an_ignored_event_returns_ok() {
        let w = World::new();
        let outcome = w
            .send(&sample("container-instance-state-change.json"))
            .await
            .unwrap();
        assert_eq!(outcome.action, Action::Ignored);
        assert!(w.notifier.sent().is_empty());
        assert!(w.store.incidents().is_empty());
    }

    #[tokio::test]
    async fn an_expected_stop_is_recorded_without_a_message() {
        let w = World::new();
        let outcome = w.send(&sample("task-stopped-scale-in.json")).await.unwrap();
        assert_eq!(outcome.action, Action::Recorded);
        assert!(outcome.notified.is_empty());
        assert!(w.notifier.sent().is_empty());
    }

    #[test]
    fn the_checks_get_the_time_before_the_deadline_minus_the_reserve() {
        let now = 1_700_000_000_000;
        let in_10_s = u64::try_from(now + 10_000).unwrap();
        assert_eq!(
            time_for_checks(in_10_s, now),
            Some(Duration::from_millis(8_000))
        );
        // Less than the reserve left, or a deadline already past: no time for checks.
        let in_1_s = u64::try_from(now + 1_000).unwrap();
        assert_eq!(time_for_checks(in_1_s, now), Some(Duration::ZERO));
        let past = u64::try_from(now - 60_000).unwrap();
        assert_eq!(time_for_checks(past, now), Some(Duration::ZERO));
        // No deadline announced, or a relative one (local runtimes): only the configured
        // budget applies.
        assert_eq!(time_for_checks(0, now), None);
        assert_eq!(time_for_checks(600_000, now), None);
    }

    #[tokio::test]
    async fn the_lambda_entry_point_takes_the_raw_payload() {
        let w = World::new();
        let raw =
            RawValue::from_string(String::from_utf8(sample("task-stopped-oom.json")).unwrap())
                .unwrap();
        let event = LambdaEvent::new(raw, lambda_runtime::Context::default());
        let outcome = handle(event, &w.responder(), None, None, NOW)
            .await
            .unwrap();
        assert_eq!(outcome.notified, vec![NotificationKind::Opened]);
    }

    #[test]
    fn the_metrics_record_of_a_failure_says_error() {
        let result: Result<Outcome, HandlerError> =
            Err(HandlerError::BadEvent(ParseError::MissingField {
                field: "source",
            }));
        let inv = invocation(&result, Instant::now(), NOW);
        assert_eq!(inv.outcome, "error");
        assert_eq!(inv.error_type, Some("NonRetryable"));
    }
}

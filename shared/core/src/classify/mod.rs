//! The root-cause classifier: pure, synchronous, no I/O.
//!
//! Layers, most decisive first: the `stopCode`; the `stoppedReason` read as a chain of prefixes
//! (`CannotStartContainerError: ResourceInitializationError: …`, `Service <name>: …`) by rules
//! that go from the most specific cause to the least; each container's own `reason`; and exit
//! codes read in context (137 is OOM only with OOM evidence; after a stop request it is the kill
//! after `stopTimeout`; a `null` exit code means the container never ran). Each rule module cites
//! the documented messages it matches.

mod container_start;
mod containers;
mod evidence;
mod extract;
mod hit;
mod image_pull;
mod model;
mod next_steps;
mod reason;
mod resource_init;
mod scheduler;
mod service_event;
mod subject;
mod task_stop;
mod text;

pub use evidence::{clean, is_unsafe_char};
pub use model::{
    Assessment, Classification, Confidence, Evidence, NextStep, NextSteps, Recovery, Subject,
};
pub use next_steps::sh as shell_quote;

use crate::event::{EcsEvent, Envelope, TaskStateChange};

/// Classifies one stopped task.
pub fn classify_task(envelope: &Envelope, task: &TaskStateChange) -> Classification {
    task_stop::classify(envelope, task)
}

/// What one event means: a classification, a recovery, or nothing to act on.
pub fn assess(event: &EcsEvent) -> Assessment {
    match event {
        EcsEvent::TaskStateChange { envelope, detail } => {
            let stopped = detail
                .last_status
                .as_deref()
                .is_none_or(|s| s.eq_ignore_ascii_case("STOPPED"))
                || detail.stop_code.is_some()
                || detail
                    .stopped_reason
                    .as_deref()
                    .is_some_and(|r| !r.is_empty());
            if stopped {
                Assessment::Classified(task_stop::classify(envelope, detail))
            } else {
                Assessment::Informational {
                    detail_type: crate::event::TASK_STATE_CHANGE.to_owned(),
                    event_name: detail.last_status.as_deref().map(|s| clean(s, 40)),
                    reason: format!(
                        "the task is {}; only stopped tasks are classified",
                        clean(
                            detail
                                .last_status
                                .as_deref()
                                .unwrap_or("in an unknown state"),
                            40
                        )
                    ),
                }
            }
        }
        EcsEvent::ServiceAction { envelope, detail } => {
            service_event::service_action(envelope, detail)
        }
        EcsEvent::DeploymentStateChange { envelope, detail } => {
            service_event::deployment(envelope, detail)
        }
        EcsEvent::Ignored { envelope } => Assessment::Informational {
            detail_type: envelope.detail_type.clone().unwrap_or_default(),
            event_name: None,
            reason: "ecs-triage does not act on this detail type".to_owned(),
        },
    }
}

//! The outcome of an applied action (issue 5: "After acting, the remediator records the outcome
//! when the service reaches steady state or fails again (via the responder's events)").
//!
//! The remediator reads the same stream the responder writes: a new last-known-healthy record
//! after the action means the service recovered; a failing incident on the revision the action
//! put in place means it failed again. Whichever comes first is recorded on the audit item of the
//! action, once (the adapter's write is conditional).

use serde::{Deserialize, Serialize};

use crate::incident::{Incident, IncidentStatus};
use crate::taxonomy::Category;

use super::action::Action;
use super::input::{HealthyRevision, OpenAction};

/// How the service fared after an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum FollowUp {
    /// The service reached a steady state (or completed a deployment) on `revision`.
    Recovered { revision: String, at_ms: i64 },
    /// Tasks of the revision the action put in place failed again.
    FailedAgain {
        incident_id: String,
        category: Category,
        revision: u32,
        at_ms: i64,
    },
}

impl FollowUp {
    /// `recovered` or `failed_again`, as serialized.
    pub fn status(&self) -> &'static str {
        match self {
            FollowUp::Recovered { .. } => "recovered",
            FollowUp::FailedAgain { .. } => "failed_again",
        }
    }

    /// One sentence for logs and the audit reader.
    pub fn describe(&self) -> String {
        match self {
            FollowUp::Recovered { revision, .. } => {
                format!("the service reached a steady state on {revision}")
            }
            FollowUp::FailedAgain {
                category, revision, ..
            } => format!(
                "tasks of revision {revision} failed again ({})",
                category.label()
            ),
        }
    }
}

/// A healthy record written after the action: the service recovered.
pub fn after_recovery(open: &OpenAction, healthy: &HealthyRevision) -> Option<FollowUp> {
    (healthy.recorded_at_ms > open.at_ms).then(|| FollowUp::Recovered {
        revision: healthy.task_definition.family_revision(),
        at_ms: healthy.recorded_at_ms,
    })
}

/// A failing incident seen after the action, on the revision the action put in place: the
/// action did not help. Stops of the revision it replaced (tasks draining, or crashing once
/// more on their way out) say nothing about the fix, and neither do expected stops.
pub fn after_incident(open: &OpenAction, incident: &Incident) -> Option<FollowUp> {
    let relevant = incident.status == IncidentStatus::Open
        && !incident.expected
        && incident.last_seen_ms > open.at_ms
        && on_target(&open.action, incident.key.revision);
    relevant.then(|| FollowUp::FailedAgain {
        incident_id: incident.id.clone(),
        category: incident.key.category,
        revision: incident.key.revision,
        at_ms: incident.last_seen_ms,
    })
}

/// Whether tasks of `revision` run what the action put in place: the rollback's target, a
/// revision registered after the one whose memory was raised, or (a grace period is a service
/// setting) any revision.
fn on_target(action: &Action, revision: u32) -> bool {
    match action {
        Action::Rollback { to, .. } => revision == to.revision,
        Action::RaiseMemory {
            task_definition, ..
        } => revision > task_definition.revision,
        Action::RaiseGracePeriod { .. } => true,
    }
}

//! The audit item (issue 5, "Audit and undo": every decision, dry-run and skip included, is
//! written as an audit item). Built from the inputs and the outcome, ready to store: the adapter
//! adds nothing but the result of applying.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::event::time::format_rfc3339_ms;
use crate::incident::{IncidentStatus, Workload};
use crate::taxonomy::Category;

use super::action::{Action, ActionKind};
use super::commands::{apply_command, undo_command};
use super::decision::Outcome;
use super::follow_up::FollowUp;
use super::input::{DecisionInput, DeploymentInfo, LastAction, MemoryLimit};
use super::mode::{KillSwitch, Mode};
use super::opt_in::OptIn;

/// The prefix of every tag the remediator reads; the audit keeps those tags as they were.
const TAG_PREFIX: &str = "ecs-triage:";

/// One decision, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub workload: Workload,
    pub incident_id: String,
    pub category: Category,
    pub at_ms: i64,
    pub mode: Mode,
    pub kill_switch: KillSwitch,
    pub outcome: AuditOutcome,
    /// One sentence: what was done, what would have been done, or why nothing was.
    pub headline: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// [`super::SkipReason::code`] of a skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_command: Option<String>,
    /// The command that puts the service back, for every action applied or rehearsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_command: Option<String>,
    pub inputs: InputsSummary,
    /// Epoch seconds after which the table may expire the item.
    pub expires_at_s: i64,
    /// Set by the adapter once the action was applied or failed; `None` before, and for dry runs
    /// and skips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ApplyResult>,
    /// How the service fared after the action, recorded later by the remediator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Applied,
    DryRun,
    Skipped,
}

/// What the decision read, so a reader of the audit can check it without the logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputsSummary {
    pub incident_status: IncidentStatus,
    pub incident_count: u64,
    pub incident_revision: u32,
    /// The service's `ecs-triage:*` tags as they were (the opt-in and the caps).
    pub tags: BTreeMap<String, String>,
    pub opted_in: Vec<ActionKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_opt_in: Vec<String>,
    /// `family:revision` the service ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_healthy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_healthy_recorded_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_deployment: Option<DeploymentInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_task_uptime_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_action: Option<LastAction>,
    pub actions_this_hour: u32,
    pub service_found: bool,
}

/// How applying went, recorded by the adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ApplyResult {
    /// ECS accepted the change; the new deployment and revision when there are.
    Accepted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deployment_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task_definition_arn: Option<String>,
    },
    Failed {
        message: String,
    },
}

impl AuditRecord {
    pub fn new(input: &DecisionInput, outcome: &Outcome) -> AuditRecord {
        let incident = &input.incident;
        let workload = &incident.key.workload;
        let (kind, headline) = match outcome {
            Outcome::Apply(a) => (AuditOutcome::Applied, format!("Applying: {}.", a.action())),
            Outcome::DryRun(a) => (
                AuditOutcome::DryRun,
                format!("Dry run, nothing changed: ecs-triage would {a}."),
            ),
            Outcome::Skip(r) => (
                AuditOutcome::Skipped,
                format!(
                    "No action on service {} in cluster {}: {r}",
                    workload.name, workload.cluster
                ),
            ),
        };
        let action = outcome.action();
        let ttl_s = i64::from(input.config.audit_ttl_days).saturating_mul(86_400);
        AuditRecord {
            workload: workload.clone(),
            incident_id: incident.id.clone(),
            category: incident.key.category,
            at_ms: input.now_ms,
            mode: input.config.mode,
            kill_switch: input.kill_switch,
            outcome: kind,
            headline,
            action: action.cloned(),
            reason_code: outcome.skip_reason().map(|r| r.code().to_owned()),
            apply_command: action.map(apply_command),
            undo_command: action.map(undo_command),
            inputs: InputsSummary::of(input),
            expires_at_s: input.now_ms.div_euclid(1000).saturating_add(ttl_s),
            result: None,
            follow_up: None,
        }
    }

    /// The workload's partition, beside its incidents and guard.
    pub fn partition_key(&self) -> String {
        self.workload.partition_key()
    }

    /// `ACT#<time>#<incident id>`: sorts by time; the incident id keeps two decisions in the same
    /// millisecond apart.
    pub fn sort_key(&self) -> String {
        audit_sort_key(self.at_ms, &self.incident_id)
    }

    /// The record with the result of applying.
    pub fn with_result(mut self, result: ApplyResult) -> AuditRecord {
        self.result = Some(result);
        self
    }
}

/// `ACT#<time>#<incident id>` of the decision taken at `at_ms` about `incident_id`.
pub fn audit_sort_key(at_ms: i64, incident_id: &str) -> String {
    format!("ACT#{}#{incident_id}", format_rfc3339_ms(at_ms))
}

impl InputsSummary {
    fn of(input: &DecisionInput) -> InputsSummary {
        let incident = &input.incident;
        let state = input.workload.as_ref();
        let tags: BTreeMap<String, String> = state
            .map(|s| {
                s.tags
                    .iter()
                    .filter(|(k, _)| k.starts_with(TAG_PREFIX))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        // A malformed cap does not hide which actions were asked for.
        let opt_in = OptIn::from_tags(&tags).unwrap_or_else(|_| {
            let names_only = tags
                .iter()
                .filter(|(k, _)| *k == super::opt_in::REMEDIATE_TAG)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            OptIn::from_tags(&names_only).unwrap_or_default()
        });
        let healthy = state.and_then(|s| s.last_healthy.as_ref());
        InputsSummary {
            incident_status: incident.status,
            incident_count: incident.count,
            incident_revision: incident.key.revision,
            opted_in: opt_in.actions.iter().copied().collect(),
            unknown_opt_in: opt_in.unknown,
            tags,
            current: state
                .and_then(|s| s.current.as_ref())
                .map(|c| c.family_revision()),
            last_healthy: healthy.map(|h| h.task_definition.family_revision()),
            last_healthy_recorded_at_ms: healthy.map(|h| h.recorded_at_ms),
            newest_deployment: state.and_then(|s| s.newest_deployment.clone()),
            memory: state.and_then(|s| s.memory.clone()),
            grace_period_s: state.and_then(|s| s.grace_period_s),
            last_task_uptime_ms: state.and_then(|s| s.last_task_uptime_ms),
            last_action: input.guard.last_action,
            actions_this_hour: input.guard.actions_this_hour,
            service_found: state.is_some(),
        }
    }
}

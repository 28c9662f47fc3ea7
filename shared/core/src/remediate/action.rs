//! What the remediator can do to a service: the three actions of issue 5 ("Actions"), each
//! carrying every identifier and value it needs, so the audit, the commands and the adapter all
//! read the same facts.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The name of an action, as written in the `ecs-triage:remediate` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// `UpdateService` back to the last-known-healthy task definition.
    Rollback,
    /// Register a revision with more memory and update the service to it.
    Memory,
    /// Raise the service's `healthCheckGracePeriodSeconds`.
    GracePeriod,
}

impl ActionKind {
    pub const ALL: [ActionKind; 3] = [
        ActionKind::Rollback,
        ActionKind::Memory,
        ActionKind::GracePeriod,
    ];

    /// The tag spelling: `rollback`, `memory`, `grace-period`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Rollback => "rollback",
            ActionKind::Memory => "memory",
            ActionKind::GracePeriod => "grace-period",
        }
    }

    /// Looks a tag entry up, ignoring case and surrounding blanks.
    pub fn from_tag(name: &str) -> Option<ActionKind> {
        let name = name.trim();
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A task definition revision: its ARN, and the `family:revision` that commands name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskDefinitionRef {
    pub arn: String,
    pub family: String,
    pub revision: u32,
}

impl TaskDefinitionRef {
    /// `family:revision`, what `--task-definition` takes.
    pub fn family_revision(&self) -> String {
        format!("{}:{}", self.family, self.revision)
    }

    /// Same family and revision (ARNs of one revision may differ in spelling, e.g. a region
    /// alias; the pair is the identity).
    pub fn same_revision(&self, other: &TaskDefinitionRef) -> bool {
        self.family == other.family && self.revision == other.revision
    }
}

/// The service an action changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ServiceRef {
    pub cluster: String,
    pub service: String,
    /// Added to commands as `--region` when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Which memory limit an OOM kill hit: the container's hard limit when it has one, else the
/// task's. Raising the other one would not stop the kills.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "container")]
pub enum MemoryScope {
    /// The task-level `memory`.
    Task,
    /// A container's `memory` (hard limit), by container name.
    Container(String),
}

/// One remediation, fully specified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// Update the service from `from` (failing, current) to `to` (last known healthy).
    Rollback {
        service: ServiceRef,
        from: TaskDefinitionRef,
        to: TaskDefinitionRef,
    },
    /// Register a copy of `task_definition` with `scope`'s memory at `to_mib`, then update the
    /// service to it.
    RaiseMemory {
        service: ServiceRef,
        task_definition: TaskDefinitionRef,
        scope: MemoryScope,
        from_mib: u32,
        to_mib: u32,
    },
    /// Set the service's `healthCheckGracePeriodSeconds` from `from_s` to `to_s`.
    RaiseGracePeriod {
        service: ServiceRef,
        from_s: u32,
        to_s: u32,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Rollback { .. } => ActionKind::Rollback,
            Action::RaiseMemory { .. } => ActionKind::Memory,
            Action::RaiseGracePeriod { .. } => ActionKind::GracePeriod,
        }
    }

    pub fn service(&self) -> &ServiceRef {
        match self {
            Action::Rollback { service, .. }
            | Action::RaiseMemory { service, .. }
            | Action::RaiseGracePeriod { service, .. } => service,
        }
    }
}

/// A sentence fragment: "roll back service api in cluster prod from api:8 to api:7".
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.service();
        let at = format!("service {} in cluster {}", s.service, s.cluster);
        match self {
            Action::Rollback { from, to, .. } => write!(
                f,
                "roll back {at} from {} to {}",
                from.family_revision(),
                to.family_revision()
            ),
            Action::RaiseMemory {
                task_definition,
                scope,
                from_mib,
                to_mib,
                ..
            } => {
                let of = match scope {
                    MemoryScope::Task => "the task's memory".to_owned(),
                    MemoryScope::Container(c) => format!("container {c}'s memory"),
                };
                write!(
                    f,
                    "raise {of} from {from_mib} MiB to {to_mib} MiB in a new revision of {} and update {at} to it",
                    task_definition.family
                )
            }
            Action::RaiseGracePeriod { from_s, to_s, .. } => write!(
                f,
                "raise the health-check grace period of {at} from {from_s} s to {to_s} s"
            ),
        }
    }
}

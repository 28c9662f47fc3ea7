//! Incidents: one failure mode of one workload, `(cluster, service or task family, task-definition
//! revision, category)`. Every stopped task is an occurrence; occurrences of the same incident
//! raise its count instead of sending another message.

use serde::{Deserialize, Serialize};

use crate::classify::{Classification, Confidence};
use crate::taxonomy::{Category, Severity};

/// Whether the workload is a service or a standalone task family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadKind {
    Service,
    Family,
}

/// A service, or the task family of standalone tasks, in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Workload {
    pub cluster: String,
    pub kind: WorkloadKind,
    pub name: String,
}

impl WorkloadKind {
    /// The short tag used in keys and ids.
    pub fn tag(self) -> &'static str {
        match self {
            WorkloadKind::Service => "svc",
            WorkloadKind::Family => "fam",
        }
    }
}

impl Workload {
    /// `svc:<service>` or `fam:<family>`.
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind.tag(), self.name)
    }

    /// Partition key of every item about this workload.
    pub fn partition_key(&self) -> String {
        format!("WL#{}#{}", self.cluster, self.label())
    }
}

/// The identity of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IncidentKey {
    pub workload: Workload,
    /// Task-definition revision; 0 when the event did not say.
    pub revision: u32,
    pub category: Category,
}

impl IncidentKey {
    /// Sort key of the incident item.
    pub fn sort_key(&self) -> String {
        format!("INC#{}#{:010}", self.category.label(), self.revision)
    }

    /// A short, stable id (FNV-1a 64 of the identity): the chat `threadId` and what the CLI shows.
    pub fn id(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [
            self.workload.cluster.as_str(),
            self.workload.kind.tag(),
            self.workload.name.as_str(),
            &self.revision.to_string(),
            self.category.label(),
        ] {
            for b in part.bytes().chain(std::iter::once(0u8)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("inc-{h:016x}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncidentStatus {
    Open,
    Resolved,
}

impl IncidentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Open => "OPEN",
            IncidentStatus::Resolved => "RESOLVED",
        }
    }
}

/// A notification in flight: whoever holds an unexpired claim is the one publishing it, so
/// concurrent duplicates of an event send one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub what: NotificationKind,
    pub until_ms: i64,
}

/// What a notification announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "level")]
pub enum NotificationKind {
    /// The first occurrence of an incident (escalation level 1).
    Opened,
    /// A digest at escalation level N (> 1).
    Escalated(u32),
    Resolved,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Opened => "opened",
            NotificationKind::Escalated(_) => "escalated",
            NotificationKind::Resolved => "resolved",
        }
    }
}

/// One line of an incident's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccurrenceBrief {
    pub at_ms: i64,
    pub task_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub key: IncidentKey,
    pub id: String,
    pub status: IncidentStatus,
    /// Starts at 1; a resolved incident that recurs opens episode N+1 (count and notifications
    /// start over).
    pub episode: u32,
    pub severity: Severity,
    pub expected: bool,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    #[serde(default)]
    pub resolved_ms: Option<i64>,
    /// Occurrences in this episode.
    pub count: u64,
    /// Occurrences over all episodes.
    pub total_count: u64,
    /// The escalation level already announced in this episode (0 = nothing sent yet).
    pub notified_level: u32,
    /// Messages sent over the incident's life.
    pub notifications_sent: u32,
    /// A "resolved" message is owed (the incident was announced, then resolved).
    pub resolve_notice_pending: bool,
    #[serde(default)]
    pub claim: Option<Claim>,
    /// The classification of the latest occurrence (what messages render).
    pub last: Classification,
    /// The latest occurrences, newest first (bounded).
    pub recent: Vec<OccurrenceBrief>,
    /// Optimistic-concurrency revision: every write expects the revision it read.
    pub rev: u64,
    /// Epoch seconds after which the store may expire the item.
    pub expires_at_s: i64,
}

impl Incident {
    pub fn confidence(&self) -> Confidence {
        self.last.confidence
    }
}

/// One stopped task as stored, for dedup (task ARN + `detail.version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub workload: Workload,
    pub task_id: String,
    pub task_arn: String,
    /// `detail.version` of the event; 0 when absent.
    pub version: u64,
    pub incident_id: String,
    pub category: Category,
    pub stopped_at_ms: i64,
    pub summary: String,
    pub expires_at_s: i64,
}

impl Occurrence {
    pub fn sort_key(&self) -> String {
        Occurrence::sort_key_for(&self.task_id)
    }

    /// The sort key of a task's occurrence, from the task id alone (for lookups).
    pub fn sort_key_for(task_id: &str) -> String {
        format!("OCC#{task_id}")
    }
}

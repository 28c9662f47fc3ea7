//! What the classifier says about one event. Field names here are the JSON contract of
//! `ecs-triage classify --json`: keep them stable.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::diagnose::Finding;
use crate::taxonomy::{Category, Family, Severity};

/// How sure the classifier is: `high` for a documented message matched exactly, `medium` for a
/// rule that reads structure or context (exit codes, truncated messages), `low` for a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One fact that led to the verdict: which field said what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The field, e.g. `stoppedReason`, `stopCode`, `containers[app].exitCode`.
    pub field: String,
    /// What it said (truncated to a readable length).
    pub value: String,
    /// What that means.
    pub meaning: String,
}

/// One step of the on-call checklist, with the exact command filled in where possible.
/// Placeholders the event cannot fill are written `<like-this>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// Where the event happened: the identifiers the next steps are filled in with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    /// The container blamed for the stop, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
}

/// The verdict on one stopped task or one failing service event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub category: Category,
    pub family: Family,
    pub severity: Severity,
    pub expected: bool,
    pub confidence: Confidence,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub next_steps: Vec<NextStep>,
    pub subject: Subject,
    /// What the enrichment checks found (empty until the task is diagnosed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

/// A service or deployment reached a good state: open incidents of the service can be resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    /// `SERVICE_STEADY_STATE` or `SERVICE_DEPLOYMENT_COMPLETED`.
    pub event_name: String,
    pub summary: String,
    pub subject: Subject,
}

/// What one event means for ecs-triage.
///
/// Serialised with one flat schema for every kind, so a consumer of `classify --json` reads the
/// same fields everywhere: `kind` (`classified`, `recovery`, `informational`), `category`,
/// `family` (both `null` unless classified), `severity`, `expected`, `confidence`, `summary`,
/// `evidence`, `next_steps`, `subject`, and `event_name` for service-level events.
#[derive(Debug, Clone, PartialEq)]
pub enum Assessment {
    /// A stopped task (failure or expected stop) or a failing service/deployment event.
    Classified(Classification),
    /// The service recovered.
    Recovery(Recovery),
    /// Nothing to act on (a task that has not stopped, an informational service event, another
    /// `aws.ecs` detail type), with the reason.
    Informational {
        detail_type: String,
        event_name: Option<String>,
        reason: String,
    },
}

impl Assessment {
    pub fn kind(&self) -> &'static str {
        match self {
            Assessment::Classified(_) => "classified",
            Assessment::Recovery(_) => "recovery",
            Assessment::Informational { .. } => "informational",
        }
    }
}

#[derive(Serialize)]
struct Flat<'a> {
    kind: &'static str,
    category: Option<Category>,
    family: Option<Family>,
    severity: Severity,
    expected: bool,
    confidence: Confidence,
    summary: &'a str,
    evidence: &'a [Evidence],
    next_steps: &'a [NextStep],
    subject: &'a Subject,
    #[serde(skip_serializing_if = "<[Finding]>::is_empty")]
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    event_name: Option<&'a str>,
}

impl Serialize for Assessment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        static EMPTY_SUBJECT: Subject = Subject {
            region: None,
            account: None,
            cluster: None,
            service: None,
            task_id: None,
            task_arn: None,
            task_definition: None,
            family: None,
            revision: None,
            container: None,
            exit_code: None,
            launch_type: None,
            availability_zone: None,
            deployment_id: None,
        };
        let flat = match self {
            Assessment::Classified(c) => Flat {
                kind: self.kind(),
                category: Some(c.category),
                family: Some(c.family),
                severity: c.severity,
                expected: c.expected,
                confidence: c.confidence,
                summary: &c.summary,
                evidence: &c.evidence,
                next_steps: &c.next_steps,
                subject: &c.subject,
                findings: &c.findings,
                event_name: None,
            },
            Assessment::Recovery(r) => Flat {
                kind: self.kind(),
                category: None,
                family: None,
                severity: Severity::Info,
                expected: true,
                confidence: Confidence::High,
                summary: &r.summary,
                evidence: &[],
                next_steps: &[],
                subject: &r.subject,
                findings: &[],
                event_name: Some(&r.event_name),
            },
            Assessment::Informational {
                event_name, reason, ..
            } => Flat {
                kind: self.kind(),
                category: None,
                family: None,
                severity: Severity::Info,
                expected: true,
                confidence: Confidence::High,
                summary: reason,
                evidence: &[],
                next_steps: &[],
                subject: &EMPTY_SUBJECT,
                findings: &[],
                event_name: event_name.as_deref(),
            },
        };
        flat.serialize(s)
    }
}

//! Findings: what one check of the troubleshooting checklist concluded.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::taxonomy::Category;

/// One item of the on-call checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Logs,
    TaskDefinition,
    Deployment,
    LoadBalancer,
    Iam,
    Network,
    Image,
    Capacity,
}

impl Check {
    pub const ALL: [Check; 8] = [
        Check::Logs,
        Check::TaskDefinition,
        Check::Deployment,
        Check::LoadBalancer,
        Check::Iam,
        Check::Network,
        Check::Image,
        Check::Capacity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Logs => "logs",
            Check::TaskDefinition => "task definition",
            Check::Deployment => "deployment",
            Check::LoadBalancer => "load balancer",
            Check::Iam => "IAM",
            Check::Network => "network",
            Check::Image => "image",
            Check::Capacity => "capacity",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The check found the cause, or a problem that explains the stop.
    Problem,
    /// Something worth fixing that does not by itself explain the stop.
    Warning,
    /// Context (the log tail, the diff) without a judgement.
    Info,
    /// Checked and fine.
    Ok,
    /// The check could not run (access denied, throttled, timed out, not found).
    CouldNotCheck,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Problem => "problem",
            Verdict::Warning => "warning",
            Verdict::Info => "info",
            Verdict::Ok => "ok",
            Verdict::CouldNotCheck => "could not check",
        }
    }
}

/// One conclusion of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: Check,
    pub verdict: Verdict,
    /// One sentence, e.g. "The execution role may not secretsmanager:GetSecretValue on arn:…".
    pub summary: String,
    /// Supporting lines (a redacted log excerpt, a diff, the routes read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The category this finding proves, when it changes or confirms the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refines: Option<Category>,
}

impl Finding {
    pub fn new(check: Check, verdict: Verdict, summary: impl Into<String>) -> Finding {
        Finding {
            check,
            verdict,
            summary: summary.into(),
            details: Vec::new(),
            refines: None,
        }
    }

    pub fn with_details(mut self, details: Vec<String>) -> Finding {
        self.details = details;
        self
    }

    pub fn refining(mut self, category: Category) -> Finding {
        self.refines = Some(category);
        self
    }

    /// "could not check X: why" — a failed check degrades to this, never to a failed invocation.
    pub fn could_not_check(check: Check, why: impl fmt::Display) -> Finding {
        Finding::new(
            check,
            Verdict::CouldNotCheck,
            format!("could not check {check}: {why}"),
        )
    }
}

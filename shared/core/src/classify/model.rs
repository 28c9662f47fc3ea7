//! What the classifier says about one event. Field names here are the JSON contract of
//! `ecs-triage classify --json`: keep them stable.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use super::next_steps::Pending;

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
///
/// `field` and `meaning` are most often fixed texts (`stopCode`, "An essential container exited
/// on its own."): `Cow` keeps those borrowed instead of allocating a copy for every event (five
/// of the 25 allocations of classifying a pull error). Both read as `&str` (`&e.field`,
/// `e.field == "stopCode"`), serialise as strings, and are built with `.into()` from a `String`
/// or a `&'static str`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The field, e.g. `stoppedReason`, `stopCode`, `containers[app].exitCode`.
    pub field: Cow<'static, str>,
    /// What it said (truncated to a readable length).
    pub value: String,
    /// What that means.
    pub meaning: Cow<'static, str>,
}

/// One step of the on-call checklist, with the exact command filled in where possible.
/// Placeholders the event cannot fill are written `<like-this>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStep {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// The on-call checklist of a classification, built when it is first read.
///
/// Why lazily: the steps are a dozen formatted, shell-quoted commands, about half of the work of
/// classifying an event, and most classifications are never shown (re-deliveries, incidents that
/// are already open, batch runs that only count categories). `assess` therefore records only what
/// the steps are made from (the category, a few identifiers of the subject and of the message, in
/// one buffer), and the steps are built once, on the first read, by whichever thread reads first
/// ([`OnceLock`], so a `Classification` stays `Send + Sync`). What is built is exactly what an
/// eager build would give: the inputs are copied at classification time, so later changes to the
/// classification (the checks refining its category or summary) do not change its steps.
///
/// It reads as a `Vec<NextStep>` (`Deref`, `&steps` in a `for` loop, `==`), serialises as the
/// same JSON array, and `Debug` prints the same list. Build one from a list with `.into()`.
pub struct NextSteps {
    built: OnceLock<Vec<NextStep>>,
    /// Not boxed: a box would be one more allocation per classification.
    pending: Option<Pending>,
}

impl NextSteps {
    /// Steps to be built from `pending` on first read.
    pub(super) fn pending(pending: Pending) -> NextSteps {
        NextSteps {
            built: OnceLock::new(),
            pending: Some(pending),
        }
    }

    /// The steps, built on the first call.
    pub fn as_vec(&self) -> &Vec<NextStep> {
        self.built.get_or_init(|| {
            self.pending
                .as_ref()
                .map(Pending::build)
                .unwrap_or_default()
        })
    }

    pub fn as_slice(&self) -> &[NextStep] {
        self.as_vec()
    }

    pub fn into_vec(mut self) -> Vec<NextStep> {
        self.as_vec();
        self.built.take().unwrap_or_default()
    }

    /// Whether the steps have been built yet (for tests and benchmarks of the laziness).
    pub fn is_built(&self) -> bool {
        self.built.get().is_some()
    }
}

impl Default for NextSteps {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl From<Vec<NextStep>> for NextSteps {
    fn from(steps: Vec<NextStep>) -> Self {
        NextSteps {
            built: OnceLock::from(steps),
            pending: None,
        }
    }
}

impl From<NextSteps> for Vec<NextStep> {
    fn from(steps: NextSteps) -> Self {
        steps.into_vec()
    }
}

/// To `Vec` rather than to `[NextStep]`: code written against `Vec<NextStep>` (`&Vec<NextStep>`
/// parameters included) keeps compiling, and `&steps` still coerces to `&[NextStep]`.
impl Deref for NextSteps {
    type Target = Vec<NextStep>;
    fn deref(&self) -> &Vec<NextStep> {
        self.as_vec()
    }
}

impl Clone for NextSteps {
    fn clone(&self) -> Self {
        match self.built.get() {
            Some(steps) => steps.clone().into(),
            None => NextSteps {
                built: OnceLock::new(),
                pending: self.pending.clone(),
            },
        }
    }
}

impl PartialEq for NextSteps {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for NextSteps {}

impl PartialEq<Vec<NextStep>> for NextSteps {
    fn eq(&self, other: &Vec<NextStep>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<[NextStep]> for NextSteps {
    fn eq(&self, other: &[NextStep]) -> bool {
        self.as_slice() == other
    }
}

impl fmt::Debug for NextSteps {
    /// The list, as `Vec<NextStep>` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl Serialize for NextSteps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for NextSteps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<NextStep>::deserialize(d).map(NextSteps::from)
    }
}

impl<'a> IntoIterator for &'a NextSteps {
    type Item = &'a NextStep;
    type IntoIter = std::slice::Iter<'a, NextStep>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl IntoIterator for NextSteps {
    type Item = NextStep;
    type IntoIter = std::vec::IntoIter<NextStep>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
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
    /// Built on first read: see [`NextSteps`].
    pub next_steps: NextSteps,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::next_steps::{Hints, Ids};
    use crate::taxonomy::Category;

    fn subject() -> Subject {
        Subject {
            region: Some("eu-west-1".into()),
            cluster: Some("prod".into()),
            task_id: Some("0123abcd".into()),
            container: Some("app".into()),
            ..Subject::default()
        }
    }

    fn lazy() -> NextSteps {
        NextSteps::pending(Pending::new(
            Category::OomKilled,
            Ids::of(&subject()),
            Hints::default(),
        ))
    }

    #[test]
    fn steps_are_built_on_first_read_and_equal_an_eager_build() {
        let steps = lazy();
        assert!(!steps.is_built());
        let copy = steps.clone();
        let eager = super::super::next_steps::for_category(
            Category::OomKilled,
            Ids::of(&subject()),
            Hints::default(),
        );
        assert_eq!(steps.len(), eager.len());
        assert!(steps.is_built());
        assert!(!copy.is_built());
        assert_eq!(copy, eager);
        assert_eq!(format!("{steps:?}"), format!("{eager:?}"));
        assert_eq!(
            serde_json::to_string(&steps).unwrap(),
            serde_json::to_string(&eager).unwrap()
        );
        let back: NextSteps =
            serde_json::from_str(&serde_json::to_string(&steps).unwrap()).unwrap();
        assert!(back.is_built());
        assert_eq!(back, steps);
        assert_eq!(steps.clone().into_vec(), eager);
        let mut n = 0;
        for s in &steps {
            assert!(!s.title.is_empty());
            n += 1;
        }
        assert_eq!(n, eager.len());
    }

    #[test]
    fn classifications_stay_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Classification>();
        check::<NextSteps>();
    }

    /// The ways other crates build one by hand (`shared/aws`, `tests/`) keep compiling.
    #[test]
    fn built_from_a_list() {
        let one: NextSteps = vec![NextStep {
            title: "t".to_owned(),
            command: Some(format!(
                "aws ecs describe-tasks --cluster {} --tasks {}",
                "c", "t"
            )),
        }]
        .into();
        assert_eq!(one.len(), 1);
        let none: NextSteps = Default::default();
        assert!(none.is_empty() && none.is_built());
    }
}

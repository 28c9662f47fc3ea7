//! Evaluation of identity-based policies for one request, following "Policy evaluation logic" in
//! the IAM User Guide, restricted to what ecs-triage reads: the identity-based policies (inline
//! and managed) of one role in its own account. Organizations SCPs/RCPs, permissions boundaries,
//! session policies and resource-based policies also take part in a real decision and are not
//! seen here, so [`Decision::Allowed`] means "the role's own policies allow it".
//!
//! The order of the guide: an applicable explicit `Deny` wins; otherwise an applicable `Allow`
//! allows; otherwise the request is implicitly denied. A statement applies when its
//! `Action`/`NotAction` matches the action, its `Resource`/`NotResource` matches the resource and
//! its `Condition` holds. Conditions and policy variables need the request context, which a
//! diagnosis after the fact does not have, so a statement that hinges on one is reported in
//! [`Decision::DependsOnCondition`] instead of guessed, and only when it could change the outcome:
//! a conditional `Deny` is irrelevant when nothing allows, a conditional `Allow` when something
//! else allows unconditionally.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::document::{ActionElement, Effect, PolicyDocument, ResourceElement, Statement};
use super::error::clip;
use super::pattern::{action_matches, resource_matches, ResourceMatch};

/// Which statement of which policy: `Statement[2] ("AllowSecrets") of ecs-secrets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementRef {
    /// The policy name or ARN the caller gave with the document.
    pub policy: String,
    /// Position in the document's `Statement` array (0 for a single statement object).
    pub index: usize,
    /// The statement's `Sid`, when it has a non-empty one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
}

impl StatementRef {
    pub(crate) fn new(policy: &str, index: usize, statement: &Statement) -> StatementRef {
        StatementRef {
            policy: policy.to_owned(),
            index,
            sid: statement.sid.clone().filter(|s| !s.is_empty()),
            effect: statement.effect,
        }
    }
}

impl fmt::Display for StatementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Statement[{}]", self.effect, self.index)?;
        if let Some(sid) = &self.sid {
            write!(f, " ({:?})", clip(sid, 80))?;
        }
        write!(f, " of {}", self.policy)
    }
}

/// What a statement's match hinges on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Contingency {
    /// The statement's `Condition` block, as compact JSON.
    Condition(String),
    /// A policy variable in its `Resource`/`NotResource`, as written (`${aws:username}`).
    PolicyVariable(String),
}

impl fmt::Display for Contingency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contingency::Condition(json) => write!(f, "its Condition {}", clip(json, 200)),
            Contingency::PolicyVariable(v) => {
                write!(f, "the policy variable {} in its resource", clip(v, 80))
            }
        }
    }
}

/// A statement that would decide the request if what it hinges on held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionalStatement {
    pub statement: StatementRef,
    pub depends_on: Vec<Contingency>,
}

/// The outcome for one action on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// An applicable `Allow` without condition, and no `Deny` that applies or might.
    Allowed { by: StatementRef },
    /// An applicable `Deny` without condition: it beats every `Allow`.
    ExplicitlyDenied { by: StatementRef },
    /// No statement allows it, even conditionally.
    ImplicitlyDenied,
    /// The outcome hinges on these statements' conditions or policy variables.
    DependsOnCondition {
        statements: Vec<ConditionalStatement>,
    },
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// Stable label: `allowed`, `explicitly_denied`, `implicitly_denied`, `depends_on_condition`.
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Allowed { .. } => "allowed",
            Decision::ExplicitlyDenied { .. } => "explicitly_denied",
            Decision::ImplicitlyDenied => "implicitly_denied",
            Decision::DependsOnCondition { .. } => "depends_on_condition",
        }
    }
}

/// Whether one statement applies to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Applies {
    No,
    Yes,
    DependsOn(Vec<Contingency>),
}

impl Applies {
    pub(crate) fn and(self, other: Applies) -> Applies {
        match (self, other) {
            (Applies::No, _) | (_, Applies::No) => Applies::No,
            (Applies::Yes, x) | (x, Applies::Yes) => x,
            (Applies::DependsOn(mut a), Applies::DependsOn(b)) => {
                a.extend(b);
                Applies::DependsOn(a)
            }
        }
    }

    pub(crate) fn from_bool(b: bool) -> Applies {
        if b {
            Applies::Yes
        } else {
            Applies::No
        }
    }
}

/// Evaluates `action` on `resource` against a role's identity-based policies, each given with its
/// name or ARN (used in [`StatementRef`]). Statements are considered in the order given.
pub fn evaluate(policies: &[(String, PolicyDocument)], action: &str, resource: &str) -> Decision {
    decide(policies.iter().flat_map(|(name, doc)| {
        doc.statements.iter().enumerate().map(move |(i, st)| {
            (
                StatementRef::new(name, i, st),
                applies(doc, st, action, resource),
            )
        })
    }))
}

fn applies(doc: &PolicyDocument, st: &Statement, action: &str, resource: &str) -> Applies {
    action_applies(&st.action, action)
        .and(resource_applies(
            st.resource.as_ref(),
            resource,
            doc.recognises_policy_variables(),
        ))
        .and(condition_applies(st))
}

pub(crate) fn action_applies(element: &ActionElement, action: &str) -> Applies {
    match element {
        ActionElement::Action(patterns) => {
            Applies::from_bool(patterns.iter().any(|p| action_matches(p, action)))
        }
        ActionElement::NotAction(patterns) => {
            Applies::from_bool(!patterns.iter().any(|p| action_matches(p, action)))
        }
    }
}

/// A statement without `Resource` or `NotResource` is not limited by resource. IAM refuses such a
/// statement in an identity policy; in a trust policy the resource is the role itself.
fn resource_applies(element: Option<&ResourceElement>, resource: &str, variables: bool) -> Applies {
    let (patterns, negated) = match element {
        None => return Applies::Yes,
        Some(ResourceElement::Resource(p)) => (p, false),
        Some(ResourceElement::NotResource(p)) => (p, true),
    };
    let mut variables_seen = Vec::new();
    for p in patterns {
        match resource_matches(p, resource, variables) {
            // One certain match settles both Resource (applies) and NotResource (excluded).
            ResourceMatch::Yes => return Applies::from_bool(!negated),
            ResourceMatch::No => {}
            ResourceMatch::DependsOn(names) => {
                for n in names {
                    if !variables_seen.contains(&n) {
                        variables_seen.push(n);
                    }
                }
            }
        }
    }
    if variables_seen.is_empty() {
        Applies::from_bool(negated)
    } else {
        Applies::DependsOn(
            variables_seen
                .into_iter()
                .map(Contingency::PolicyVariable)
                .collect(),
        )
    }
}

/// An empty `Condition` object has no test that could fail.
pub(crate) fn condition_applies(st: &Statement) -> Applies {
    match &st.condition {
        Some(c) if c.as_object().is_some_and(|o| !o.is_empty()) => {
            Applies::DependsOn(vec![Contingency::Condition(c.to_string())])
        }
        _ => Applies::Yes,
    }
}

/// The evaluation order of the IAM User Guide over statements already matched to the request.
pub(crate) fn decide(candidates: impl IntoIterator<Item = (StatementRef, Applies)>) -> Decision {
    let mut allowed_by: Option<StatementRef> = None;
    let mut conditional: Vec<ConditionalStatement> = Vec::new();
    for (statement, applies) in candidates {
        match (statement.effect, applies) {
            (_, Applies::No) => {}
            (Effect::Deny, Applies::Yes) => return Decision::ExplicitlyDenied { by: statement },
            (Effect::Allow, Applies::Yes) => {
                allowed_by.get_or_insert(statement);
            }
            (_, Applies::DependsOn(depends_on)) => conditional.push(ConditionalStatement {
                statement,
                depends_on,
            }),
        }
    }
    match allowed_by {
        Some(by) => {
            conditional.retain(|c| c.statement.effect == Effect::Deny);
            if conditional.is_empty() {
                Decision::Allowed { by }
            } else {
                Decision::DependsOnCondition {
                    statements: conditional,
                }
            }
        }
        None if conditional
            .iter()
            .any(|c| c.statement.effect == Effect::Allow) =>
        {
            Decision::DependsOnCondition {
                statements: conditional,
            }
        }
        None => Decision::ImplicitlyDenied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(json: &[&str]) -> Vec<(String, PolicyDocument)> {
        json.iter()
            .enumerate()
            .map(|(i, j)| (format!("p{i}"), PolicyDocument::parse(j).unwrap()))
            .collect()
    }

    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    const DENY_IF: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"NoHttp","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#;
    const ALLOW_IF: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}"#;

    #[test]
    fn a_conditional_deny_only_matters_when_something_allows() {
        assert_eq!(
            evaluate(&docs(&[DENY_IF]), "s3:GetObject", "arn:aws:s3:::b/k"),
            Decision::ImplicitlyDenied
        );
        let d = evaluate(
            &docs(&[ALLOW_ALL, DENY_IF]),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        );
        let Decision::DependsOnCondition { statements } = d else {
            panic!("{d:?}")
        };
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].statement.sid.as_deref(), Some("NoHttp"));
        assert_eq!(
            statements[0].depends_on,
            vec![Contingency::Condition(
                r#"{"Bool":{"aws:SecureTransport":"false"}}"#.into()
            )]
        );
    }

    #[test]
    fn a_conditional_allow_is_irrelevant_next_to_an_unconditional_one() {
        let d = evaluate(
            &docs(&[ALLOW_IF, ALLOW_ALL]),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        );
        assert_eq!(
            d,
            Decision::Allowed {
                by: StatementRef {
                    policy: "p1".into(),
                    index: 0,
                    sid: None,
                    effect: Effect::Allow
                }
            }
        );
    }

    #[test]
    fn conditional_allows_and_denies_are_all_reported_when_nothing_allows_outright() {
        let d = evaluate(
            &docs(&[ALLOW_IF, DENY_IF]),
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        );
        let Decision::DependsOnCondition { statements } = d else {
            panic!("{d:?}")
        };
        let effects: Vec<Effect> = statements.iter().map(|c| c.statement.effect).collect();
        assert_eq!(effects, vec![Effect::Allow, Effect::Deny]);
    }

    #[test]
    fn an_empty_condition_is_no_condition() {
        let d = evaluate(
            &docs(&[
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}}"#,
            ]),
            "s3:GetObject",
            "x",
        );
        assert!(d.is_allowed(), "{d:?}");
    }

    #[test]
    fn a_not_resource_with_a_variable_depends_on_it_unless_a_literal_excludes_it() {
        let doc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",
            "NotResource":["arn:aws:s3:::home/${aws:username}/*","arn:aws:s3:::secret/*"]}}"#;
        let d = evaluate(&docs(&[doc]), "s3:GetObject", "arn:aws:s3:::home/bob/x");
        assert_eq!(d.label(), "depends_on_condition", "{d:?}");
        let d = evaluate(&docs(&[doc]), "s3:GetObject", "arn:aws:s3:::secret/x");
        assert_eq!(d, Decision::ImplicitlyDenied);
        let d = evaluate(&docs(&[doc]), "s3:GetObject", "arn:aws:s3:::public/x");
        assert!(d.is_allowed(), "{d:?}");
    }

    #[test]
    fn a_statement_ref_reads_as_a_place() {
        let r = StatementRef {
            policy: "ecs-secrets".into(),
            index: 2,
            sid: Some("AllowSecrets".into()),
            effect: Effect::Allow,
        };
        assert_eq!(
            r.to_string(),
            "Allow Statement[2] (\"AllowSecrets\") of ecs-secrets"
        );
        let r = StatementRef {
            sid: None,
            effect: Effect::Deny,
            ..r
        };
        assert_eq!(r.to_string(), "Deny Statement[2] of ecs-secrets");
    }

    #[test]
    fn decisions_serialise_with_a_stable_tag() {
        let d = Decision::ImplicitlyDenied;
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"decision":"implicitly_denied"}"#
        );
    }
}

//! Whether a role's trust policy lets an AWS service assume it.
//!
//! ECS assumes a task execution role as the service principal `ecs-tasks.amazonaws.com` ("Amazon
//! ECS task execution IAM role": the trust relationship names that principal for
//! `sts:AssumeRole`). A trust policy is a resource-based policy, so here the statement must also
//! name the principal: `"Principal": "*"`, `{"AWS": "*"}` (the IAM User Guide, "AWS JSON policy
//! elements: Principal", gives the two as equivalent) or a `Service` list containing the service;
//! `NotPrincipal` applies to every principal it does not name. Principal names are compared
//! exactly. `Resource` is ignored: in a trust policy the resource is the role itself.
//!
//! Conditions are not evaluated: the confused-deputy guard AWS recommends for ECS roles
//! (`aws:SourceAccount`/`aws:SourceArn`) makes the answer [`TrustDecision::DependsOnCondition`].

use serde::{Deserialize, Serialize};

use super::document::{PolicyDocument, Principal, PrincipalElement, Statement};
use super::evaluate::{
    action_applies, condition_applies, decide, Applies, ConditionalStatement, Decision,
    StatementRef,
};

/// The service principal ECS uses to assume task roles and task execution roles.
pub const ECS_TASKS_SERVICE: &str = "ecs-tasks.amazonaws.com";

/// The action a service performs to take on a role.
pub const ASSUME_ROLE: &str = "sts:AssumeRole";

/// The policy name a trust policy's statements are reported under.
pub const TRUST_POLICY_NAME: &str = "trust policy";

/// Whether a service may assume the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum TrustDecision {
    Allowed {
        by: StatementRef,
    },
    DependsOnCondition {
        statements: Vec<ConditionalStatement>,
    },
    /// No statement lets the service assume the role, or `denied_by` forbids it.
    NotTrusted {
        #[serde(skip_serializing_if = "Option::is_none")]
        denied_by: Option<StatementRef>,
    },
}

/// Whether `trust_policy` allows the service principal `service` (such as
/// [`ECS_TASKS_SERVICE`]) to call `sts:AssumeRole` on the role.
pub fn trusts_service(trust_policy: &PolicyDocument, service: &str) -> TrustDecision {
    let candidates = trust_policy.statements.iter().enumerate().map(|(i, st)| {
        (
            StatementRef::new(TRUST_POLICY_NAME, i, st),
            applies_to_service(st, service),
        )
    });
    match decide(candidates) {
        Decision::Allowed { by } => TrustDecision::Allowed { by },
        Decision::DependsOnCondition { statements } => {
            TrustDecision::DependsOnCondition { statements }
        }
        Decision::ExplicitlyDenied { by } => TrustDecision::NotTrusted {
            denied_by: Some(by),
        },
        Decision::ImplicitlyDenied => TrustDecision::NotTrusted { denied_by: None },
    }
}

fn applies_to_service(st: &Statement, service: &str) -> Applies {
    let principal = match &st.principal {
        // IAM refuses a trust-policy statement without a principal; it names no one.
        None => false,
        Some(PrincipalElement::Principal(p)) => names_service(p, service),
        Some(PrincipalElement::NotPrincipal(p)) => !names_service(p, service),
    };
    Applies::from_bool(principal)
        .and(action_applies(&st.action, ASSUME_ROLE))
        .and(condition_applies(st))
}

fn names_service(p: &Principal, service: &str) -> bool {
    match p {
        Principal::Everyone => true,
        Principal::Listed(p) => {
            p.aws.iter().any(|a| a == "*") || p.service.iter().any(|s| s == service)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(json: &str) -> TrustDecision {
        trusts_service(&PolicyDocument::parse(json).unwrap(), ECS_TASKS_SERVICE)
    }

    fn label(d: &TrustDecision) -> &'static str {
        match d {
            TrustDecision::Allowed { .. } => "allowed",
            TrustDecision::DependsOnCondition { .. } => "depends_on_condition",
            TrustDecision::NotTrusted { denied_by: None } => "not_trusted",
            TrustDecision::NotTrusted { denied_by: Some(_) } => "denied",
        }
    }

    #[test]
    fn trust_policies_read_as_sentences() {
        let rows = [
            (
                "the usual trust policy trusts ecs-tasks",
                "allowed",
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            ),
            (
                "a service list containing ecs-tasks trusts it",
                "allowed",
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}}"#,
            ),
            (
                "ecs.amazonaws.com is not ecs-tasks",
                "not_trusted",
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
            ),
            (
                "another action does not trust",
                "not_trusted",
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}"#,
            ),
            (
                "sts:* with any principal trusts",
                "allowed",
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#,
            ),
            (
                "AWS * counts as everyone",
                "allowed",
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}}"#,
            ),
            (
                "an account principal is not a service",
                "not_trusted",
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}}"#,
            ),
            (
                "the confused-deputy condition is reported, not guessed",
                "depends_on_condition",
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}}"#,
            ),
            (
                "an explicit deny wins",
                "denied",
                r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#,
            ),
            (
                "a deny with NotPrincipal naming the service spares it",
                "allowed",
                r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","NotPrincipal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            ),
            (
                "a statement without principal trusts no one",
                "not_trusted",
                r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}"#,
            ),
            (
                "no statements trust no one",
                "not_trusted",
                r#"{"Statement":[]}"#,
            ),
        ];
        for (sentence, expected, json) in rows {
            assert_eq!(label(&trust(json)), expected, "{sentence}");
        }
    }

    #[test]
    fn the_trusting_statement_is_named() {
        let d = trust(
            r#"{"Statement":{"Sid":"EcsTasks","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
        );
        let TrustDecision::Allowed { by } = d else {
            panic!("{d:?}")
        };
        assert_eq!(
            by.to_string(),
            "Allow Statement[0] (\"EcsTasks\") of trust policy"
        );
    }
}

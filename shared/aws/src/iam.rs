//! [`IamReader`] on IAM: a role's trust policy and every permission policy that applies to it
//! (inline, and attached managed policies at their default version), as JSON documents, so the
//! domain can evaluate them locally, and IAM's policy simulator (SimulatePrincipalPolicy) on the
//! role, which the IAM check prefers when the caller may use it (it is not in the emulator).
//!
//! IAM returns policy documents URL-encoded ("URL-encoded compliant with RFC 3986", IAM API
//! reference, GetRolePolicy); [`decode_document`] undoes that.

use async_trait::async_trait;
use aws_sdk_iam::types::{EvaluationResult, PolicyEvaluationDecisionType};
use aws_sdk_iam::Client;
use ecs_triage_core::diagnose::ports::IamReader;
use ecs_triage_core::diagnose::view::{RolePolicies, SimulatedDecision, SimulatedOutcome};
use ecs_triage_core::ports::PortError;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "iam";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
pub const OPERATIONS: &[&str] = &[
    "iam:SimulatePrincipalPolicy",
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];

/// Reads roles and their policies.
#[derive(Debug, Clone)]
pub struct IamAdapter {
    client: Client,
}

impl IamAdapter {
    pub fn new(client: Client) -> Self {
        IamAdapter { client }
    }

    /// The default version's document of a managed policy.
    async fn managed_policy_document(&self, role: &str, arn: &str) -> Result<String, PortError> {
        let policy = self
            .client
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "GetPolicy",
                    &format!("policy `{arn}` attached to role `{role}`"),
                    &e,
                )
            })?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or_else(|| PortError::Permanent {
                service: SERVICE,
                operation: "GetPolicy",
                message: format!("expected policy `{arn}` to have a default version, found none"),
            })?
            .to_owned();
        let out = self
            .client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(&version)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "GetPolicyVersion",
                    &format!("version {version} of policy `{arn}`"),
                    &e,
                )
            })?;
        let document = out
            .policy_version()
            .and_then(|v| v.document())
            .ok_or_else(|| PortError::Permanent {
                service: SERVICE,
                operation: "GetPolicyVersion",
                message: format!(
                    "expected a document in version {version} of policy `{arn}`, found none"
                ),
            })?;
        Ok(decode_document(document))
    }
}

#[async_trait]
impl IamReader for IamAdapter {
    /// One SimulatePrincipalPolicy run over every action and resource asked for (IAM simulates
    /// each action on each resource; the pairs not asked for are dropped).
    async fn simulate(
        &self,
        role_arn: &str,
        required: &[(String, String)],
    ) -> Result<Option<Vec<SimulatedDecision>>, PortError> {
        let mut actions: Vec<String> = required.iter().map(|(a, _)| a.clone()).collect();
        let mut resources: Vec<String> = required.iter().map(|(_, r)| r.clone()).collect();
        actions.sort_unstable();
        actions.dedup();
        resources.sort_unstable();
        resources.dedup();
        let results: Vec<EvaluationResult> = self
            .client
            .simulate_principal_policy()
            .policy_source_arn(role_arn)
            .set_action_names(Some(actions))
            .set_resource_arns(Some(resources))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "SimulatePrincipalPolicy",
                    &format!("the policy simulation of `{role_arn}`"),
                    &e,
                )
            })?;
        let decisions: Vec<SimulatedDecision> = results
            .iter()
            .filter_map(simulated_decision)
            .filter(|d| {
                required
                    .iter()
                    .any(|(a, r)| a.eq_ignore_ascii_case(&d.action) && *r == d.resource)
            })
            .collect();
        debug!(
            role = role_arn,
            results = decisions.len(),
            "policy simulated"
        );
        Ok(Some(decisions))
    }

    async fn role_policies(&self, role_name: &str) -> Result<RolePolicies, PortError> {
        debug!(role = role_name, "reading role policies");
        let out = self
            .client
            .get_role()
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "GetRole",
                    &format!("role `{role_name}` to exist"),
                    &e,
                )
            })?;
        let role = out.role().ok_or_else(|| PortError::Permanent {
            service: SERVICE,
            operation: "GetRole",
            message: format!("expected role `{role_name}` in the response, found none"),
        })?;
        let mut policies = RolePolicies {
            role_name: role.role_name().to_owned(),
            role_arn: role.arn().to_owned(),
            trust_policy: role
                .assume_role_policy_document()
                .map(decode_document)
                .unwrap_or_default(),
            permission_policies: Vec::new(),
        };

        let inline: Vec<String> = self
            .client
            .list_role_policies()
            .role_name(role_name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "ListRolePolicies",
                    &format!("the inline policies of role `{role_name}`"),
                    &e,
                )
            })?;
        for name in inline {
            let out = self
                .client
                .get_role_policy()
                .role_name(role_name)
                .policy_name(&name)
                .send()
                .await
                .map_err(|e| {
                    port_error(
                        SERVICE,
                        "GetRolePolicy",
                        &format!("inline policy `{name}` of role `{role_name}`"),
                        &e,
                    )
                })?;
            policies
                .permission_policies
                .push((name, decode_document(out.policy_document())));
        }

        let attached = self
            .client
            .list_attached_role_policies()
            .role_name(role_name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "ListAttachedRolePolicies",
                    &format!("the managed policies attached to role `{role_name}`"),
                    &e,
                )
            })?;
        for policy in attached {
            let Some(arn) = policy.policy_arn() else {
                continue;
            };
            let document = self.managed_policy_document(role_name, arn).await?;
            policies
                .permission_policies
                .push((arn.to_owned(), document));
        }
        debug!(
            role = role_name,
            policies = policies.permission_policies.len(),
            "role policies read"
        );
        Ok(policies)
    }
}

/// One simulator result as the domain reads it; `None` for a result without a resource or with
/// a decision this version does not know (the check then evaluates that pair locally).
pub(crate) fn simulated_decision(r: &EvaluationResult) -> Option<SimulatedDecision> {
    let outcome = match r.eval_decision() {
        PolicyEvaluationDecisionType::Allowed => SimulatedOutcome::Allowed,
        PolicyEvaluationDecisionType::ExplicitDeny => SimulatedOutcome::ExplicitDeny,
        PolicyEvaluationDecisionType::ImplicitDeny => SimulatedOutcome::ImplicitDeny,
        _ => return None,
    };
    Some(SimulatedDecision {
        action: r.eval_action_name().to_owned(),
        resource: r.eval_resource_name()?.to_owned(),
        outcome,
    })
}

/// A policy document as IAM returned it, made readable: URL-decoded, unless it is already JSON.
/// An encoded document never starts with `{` (RFC 3986 encodes it as `%7B`), so a document that
/// does was not encoded (the emulator returns GetPolicyVersion documents that way) and decoding
/// it could only damage a literal `%` or `+`. A document that does not decode is kept as it came,
/// for the policy parser to report.
pub(crate) fn decode_document(document: &str) -> String {
    if document.trim_start().starts_with('{') {
        return document.to_owned();
    }
    // The core's decoder: the same one the policy parser uses.
    match ecs_triage_core::iam::percent_decode(document) {
        Ok(decoded) => decoded,
        Err(why) => {
            debug!(%why, "policy document kept as returned");
            document.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_decoded_unless_already_json_or_broken() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_document(encoded),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        // Already JSON: a literal `+` and `%41` survive.
        let raw = r#"{"Condition":{"StringLike":{"s":"a+b%41"}}}"#;
        assert_eq!(decode_document(raw), raw);
        assert_eq!(decode_document("%ZZ"), "%ZZ");
    }

    fn result(decision: PolicyEvaluationDecisionType, resource: Option<&str>) -> EvaluationResult {
        EvaluationResult::builder()
            .eval_action_name("secretsmanager:GetSecretValue")
            .set_eval_resource_name(resource.map(str::to_owned))
            .eval_decision(decision)
            .build()
            .unwrap()
    }

    #[test]
    fn simulator_results_map_to_the_three_outcomes_and_skip_what_they_cannot_name() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        for (decision, outcome) in [
            (
                PolicyEvaluationDecisionType::Allowed,
                SimulatedOutcome::Allowed,
            ),
            (
                PolicyEvaluationDecisionType::ExplicitDeny,
                SimulatedOutcome::ExplicitDeny,
            ),
            (
                PolicyEvaluationDecisionType::ImplicitDeny,
                SimulatedOutcome::ImplicitDeny,
            ),
        ] {
            assert_eq!(
                simulated_decision(&result(decision, Some(arn))),
                Some(SimulatedDecision {
                    action: "secretsmanager:GetSecretValue".to_owned(),
                    resource: arn.to_owned(),
                    outcome,
                })
            );
        }
        assert_eq!(
            simulated_decision(&result(PolicyEvaluationDecisionType::Allowed, None)),
            None
        );
        let unknown = PolicyEvaluationDecisionType::from("softDeny");
        assert_eq!(simulated_decision(&result(unknown, Some(arn))), None);
    }
}

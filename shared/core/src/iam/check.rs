//! Checking a role's policies against what a task needs, and saying the result in one sentence.

use serde::{Deserialize, Serialize};

use super::document::PolicyDocument;
use super::evaluate::{evaluate, Decision};
use super::required::RequiredPermission;
use crate::classify::clean;

/// One required permission and what the role's policies decide about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionVerdict {
    pub required: RequiredPermission,
    pub decision: Decision,
}

/// Evaluates each required permission against the role's identity-based policies, in order.
pub fn check(
    policies: &[(String, PolicyDocument)],
    required: &[RequiredPermission],
) -> Vec<PermissionVerdict> {
    required
        .iter()
        .map(|r| PermissionVerdict {
            required: r.clone(),
            decision: evaluate(policies, &r.action, &r.resource),
        })
        .collect()
}

impl PermissionVerdict {
    pub fn is_allowed(&self) -> bool {
        self.decision.is_allowed()
    }

    /// One line for a person: "ecsTaskExecutionRole may not secretsmanager:GetSecretValue on
    /// arn:…: no statement allows it". Names and ARNs are cleaned of control and bidi characters
    /// and cut to a readable length, since they come from task definitions and policies.
    pub fn sentence(&self, role: &str) -> String {
        let role = clean(role, 128);
        let action = clean(&self.required.action, 128);
        let resource = clean(&self.required.resource, 300);
        let line = match &self.decision {
            Decision::Allowed { by } => {
                format!("{role} may {action} on {resource}: {by} allows it")
            }
            Decision::ExplicitlyDenied { by } => {
                format!("{role} may not {action} on {resource}: {by} denies it explicitly")
            }
            Decision::ImplicitlyDenied => {
                format!("{role} may not {action} on {resource}: no statement allows it")
            }
            Decision::DependsOnCondition { statements } => {
                let hinges: Vec<String> = statements
                    .iter()
                    .map(|c| {
                        let on: Vec<String> = c.depends_on.iter().map(|d| d.to_string()).collect();
                        format!("{} ({})", c.statement, on.join(" and "))
                    })
                    .collect();
                format!(
                    "{role} may or may not {action} on {resource}: it depends on {}",
                    hinges.join("; ")
                )
            }
        };
        // The statement references carry policy names, Sids and conditions from the documents.
        clean(&line, 2000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(decision: Decision) -> PermissionVerdict {
        PermissionVerdict {
            required: RequiredPermission {
                action: "secretsmanager:GetSecretValue".into(),
                resource: "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf".into(),
                why: "to read the secret".into(),
            },
            decision,
        }
    }

    #[test]
    fn an_implicit_deny_says_nothing_allows_it() {
        assert_eq!(
            verdict(Decision::ImplicitlyDenied).sentence("ecsTaskExecutionRole"),
            "ecsTaskExecutionRole may not secretsmanager:GetSecretValue on \
             arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf: no statement allows it"
        );
    }

    #[test]
    fn a_hostile_role_name_stays_on_one_line() {
        let s = verdict(Decision::ImplicitlyDenied).sentence("role\nname\u{202e}");
        assert!(!s.chars().any(crate::classify::is_unsafe_char), "{s:?}");
    }
}

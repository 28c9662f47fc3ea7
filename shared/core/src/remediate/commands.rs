//! The exact AWS CLI commands that apply and undo an action (issue 5, "Audit and undo": every
//! action taken, or that would be taken in dry-run, is announced with the command that undoes it).
//!
//! Every identifier goes through [`shell_quote`]: cluster, service, family and container names
//! come from events and tags, so a hostile name must not break or extend the command it is pasted
//! into.

use crate::classify::shell_quote;

use super::action::{Action, MemoryScope, ServiceRef, TaskDefinitionRef};

/// What `describe-task-definition` returns that `register-task-definition` refuses: removed
/// before registering the copy.
const READ_ONLY_FIELDS: &str = ".taskDefinitionArn, .revision, .status, .requiresAttributes, \
     .compatibilities, .registeredAt, .registeredBy, .deregisteredAt";

/// The command that performs `action`, as the adapter will.
pub fn apply_command(action: &Action) -> String {
    match action {
        Action::Rollback { service, to, .. } => update_task_definition(service, to),
        Action::RaiseMemory {
            service,
            task_definition,
            scope,
            to_mib,
            ..
        } => raise_memory(service, task_definition, scope, *to_mib),
        Action::RaiseGracePeriod { service, to_s, .. } => update_grace_period(service, *to_s),
    }
}

/// The command that puts the service back as it was before `action`.
///
/// A memory raise is undone by pointing the service back at the revision it replaced: that
/// revision is still registered, so no new one is needed.
pub fn undo_command(action: &Action) -> String {
    match action {
        Action::Rollback { service, from, .. } => update_task_definition(service, from),
        Action::RaiseMemory {
            service,
            task_definition,
            ..
        } => update_task_definition(service, task_definition),
        Action::RaiseGracePeriod {
            service, from_s, ..
        } => update_grace_period(service, *from_s),
    }
}

/// `aws ecs update-service --cluster C --service S` and the region, ready for more options.
fn update_service(service: &ServiceRef) -> String {
    format!(
        "aws ecs update-service --cluster {} --service {}{}",
        shell_quote(&service.cluster),
        shell_quote(&service.service),
        region(service)
    )
}

fn region(service: &ServiceRef) -> String {
    service
        .region
        .as_deref()
        .map(|r| format!(" --region {}", shell_quote(r)))
        .unwrap_or_default()
}

fn update_task_definition(service: &ServiceRef, td: &TaskDefinitionRef) -> String {
    format!(
        "{} --task-definition {}",
        update_service(service),
        shell_quote(&td.family_revision())
    )
}

fn update_grace_period(service: &ServiceRef, seconds: u32) -> String {
    format!(
        "{} --health-check-grace-period-seconds {seconds}",
        update_service(service)
    )
}

/// Copy the revision with the memory raised, register it, and point the service at the new ARN
/// (captured, not "the latest revision of the family", which someone else may register too).
fn raise_memory(
    service: &ServiceRef,
    td: &TaskDefinitionRef,
    scope: &MemoryScope,
    to_mib: u32,
) -> String {
    let set = match scope {
        // The task-level `memory` is a string in the ECS API.
        MemoryScope::Task => format!(".memory = \"{to_mib}\""),
        MemoryScope::Container(name) => format!(
            ".containerDefinitions |= map(if .name == {} then .memory = {to_mib} else . end)",
            jq_string(name)
        ),
    };
    let program = format!("del({READ_ONLY_FIELDS}) | {set}");
    let r = region(service);
    format!(
        "aws ecs describe-task-definition --task-definition {td}{r} --query taskDefinition --output json \
         | jq {program} > ecs-triage-taskdef.json \
         && arn=$(aws ecs register-task-definition --cli-input-json file://ecs-triage-taskdef.json{r} \
         --query taskDefinition.taskDefinitionArn --output text) \
         && {update} --task-definition \"$arn\"",
        td = shell_quote(&td.family_revision()),
        program = shell_quote(&program),
        update = update_service(service),
    )
}

/// A jq string literal: JSON's escaping is valid jq, and it escapes `\`, so a name cannot open a
/// jq interpolation `\(…)`.
fn jq_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(cluster: &str, name: &str) -> ServiceRef {
        ServiceRef {
            cluster: cluster.into(),
            service: name.into(),
            region: Some("eu-west-1".into()),
        }
    }

    fn td(family: &str, revision: u32) -> TaskDefinitionRef {
        TaskDefinitionRef {
            arn: format!("arn:aws:ecs:eu-west-1:111122223333:task-definition/{family}:{revision}"),
            family: family.into(),
            revision,
        }
    }

    #[test]
    fn rollback_applies_the_healthy_revision_and_undoes_to_the_current_one() {
        let a = Action::Rollback {
            service: service("prod", "api"),
            from: td("api", 8),
            to: td("api", 7),
        };
        assert_eq!(
            apply_command(&a),
            "aws ecs update-service --cluster prod --service api --region eu-west-1 --task-definition api:7"
        );
        assert_eq!(
            undo_command(&a),
            "aws ecs update-service --cluster prod --service api --region eu-west-1 --task-definition api:8"
        );
    }

    #[test]
    fn grace_period_commands_set_the_new_then_the_old_value() {
        let a = Action::RaiseGracePeriod {
            service: service("prod", "api"),
            from_s: 30,
            to_s: 120,
        };
        assert!(apply_command(&a).ends_with("--health-check-grace-period-seconds 120"));
        assert!(undo_command(&a).ends_with("--health-check-grace-period-seconds 30"));
    }

    #[test]
    fn memory_is_undone_by_returning_to_the_revision_it_replaced() {
        let a = Action::RaiseMemory {
            service: service("prod", "api"),
            task_definition: td("api", 8),
            scope: MemoryScope::Task,
            from_mib: 1024,
            to_mib: 1536,
        };
        let apply = apply_command(&a);
        assert!(apply.starts_with(
            "aws ecs describe-task-definition --task-definition api:8 --region eu-west-1"
        ));
        assert!(apply.contains(r#"| .memory = "1536"'"#), "{apply}");
        assert!(apply.ends_with("--task-definition \"$arn\""), "{apply}");
        assert_eq!(
            undo_command(&a),
            "aws ecs update-service --cluster prod --service api --region eu-west-1 --task-definition api:8"
        );
    }

    #[test]
    fn hostile_names_stay_single_quoted_arguments() {
        let a = Action::Rollback {
            service: ServiceRef {
                cluster: "prod; rm -rf /".into(),
                service: "api'$(reboot)\n--force".into(),
                region: None,
            },
            from: td("fam`id`", 8),
            to: td("fam`id`", 7),
        };
        assert_eq!(
            undo_command(&a),
            r#"aws ecs update-service --cluster 'prod; rm -rf /' --service 'api'\''$(reboot)--force' --task-definition 'fam`id`:8'"#
        );
    }

    #[test]
    fn a_hostile_container_name_cannot_escape_the_jq_program_or_the_shell() {
        let a = Action::RaiseMemory {
            service: service("prod", "api"),
            task_definition: td("api", 8),
            scope: MemoryScope::Container("web\" then halt_error end) | \\(env) '; reboot".into()),
            from_mib: 512,
            to_mib: 768,
        };
        let apply = apply_command(&a);
        // The jq string literal keeps the quote and the backslash escaped…
        assert!(
            apply.contains(r#".name == "web\" then halt_error end) | \\(env) '\''; reboot""#),
            "{apply}"
        );
        // …and the whole program is one single-quoted shell word.
        assert!(apply.contains("| jq 'del("), "{apply}");
    }
}

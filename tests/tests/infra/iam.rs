//! The functions' roles grant exactly what their code can call, plus the named permissions
//! Lambda uses on the function's behalf. A grant nobody calls fails (least privilege), and so
//! does a call nobody granted (AccessDenied in production).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::template::{properties, resource, strings, template};

/// Used by Lambda with the function's role, not by the code: its log stream, the failure
/// destination (an encrypted queue), and the key of the encrypted table, topic and queue.
const LAMBDA_PLATFORM: &[&str] = &[
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sqs:SendMessage",
    "kms:Decrypt",
    "kms:GenerateDataKey",
];

/// The DynamoDB event source mapping reads the stream with the remediator's role.
const STREAM_POLLING: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

/// Every action the role's inline policies allow.
fn granted(template: &Value, role: &str) -> BTreeSet<String> {
    let props = properties(template, role);
    assert!(
        props.get("ManagedPolicyArns").is_none(),
        "{role}: managed policies would grant what this test cannot see"
    );
    let mut actions = BTreeSet::new();
    for policy in props["Policies"].as_array().expect("inline policies") {
        for statement in policy["PolicyDocument"]["Statement"]
            .as_array()
            .expect("statements")
        {
            assert_eq!(statement["Effect"], "Allow", "{role}: {statement}");
            for a in strings(&statement["Action"]) {
                assert!(
                    !a.contains('*'),
                    "{role}: the wildcard action {a} grants more than the code calls"
                );
                actions.insert(a);
            }
        }
    }
    actions
}

/// The function runs with `role` and nothing else: no SAM `Policies` (which would add a role
/// of SAM's making).
fn assert_uses_only(template: &Value, function: &str, role: &str) {
    let props = properties(template, function);
    assert_eq!(
        props["Role"],
        serde_json::json!({ "Fn::GetAtt": [role, "Arn"] }),
        "{function} must run as {role}"
    );
    assert!(
        props.get("Policies").is_none(),
        "{function}: SAM Policies would grant outside {role}"
    );
}

fn compare(function: &str, role: &str, code: BTreeSet<&'static str>, platform: &[&[&str]]) {
    let t = template();
    assert_uses_only(&t, function, role);
    let granted = granted(&t, role);
    let needed: BTreeSet<String> = code
        .iter()
        .chain(platform.iter().flat_map(|p| p.iter()))
        .map(|a| (*a).to_owned())
        .collect();
    let missing: Vec<&String> = needed.difference(&granted).collect();
    let extra: Vec<&String> = granted.difference(&needed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{role} in infra/template.yaml must grant exactly what {function} calls.\n\
         missing (the code calls them; production would get AccessDenied): {missing:?}\n\
         extra (nothing calls them; remove them): {extra:?}"
    );
}

#[test]
fn the_responder_role_grants_exactly_what_the_responder_calls() {
    compare(
        "ResponderFunction",
        "ResponderRole",
        responder::operations(),
        &[LAMBDA_PLATFORM],
    );
}

#[test]
fn the_remediator_role_grants_exactly_what_the_remediator_calls() {
    compare(
        "RemediatorFunction",
        "RemediatorRole",
        remediator::operations(),
        &[LAMBDA_PLATFORM, STREAM_POLLING],
    );
}

#[test]
fn the_code_lists_are_not_empty_and_name_the_calls_the_functions_make() {
    // A guard against the comparison passing vacuously (both sides empty).
    let r = responder::operations();
    for a in [
        "dynamodb:PutItem",
        "sns:Publish",
        "ecs:DescribeTasks",
        "logs:GetLogEvents",
    ] {
        assert!(r.contains(a), "{a} in {r:?}");
    }
    let m = remediator::operations();
    for a in [
        "ecs:UpdateService",
        "ecs:RegisterTaskDefinition",
        "dynamodb:UpdateItem",
    ] {
        assert!(m.contains(a), "{a} in {m:?}");
    }
    assert!(
        !m.contains("ecs:ListContainerInstances"),
        "the remediator never lists instances"
    );
}

#[test]
fn the_remediators_writes_to_services_are_scoped_and_role_passing_is_limited_to_ecs_tasks() {
    let t = template();
    let statements = properties(&t, "RemediatorRole")["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    let find = |action: &str| {
        statements
            .iter()
            .find(|s| strings(&s["Action"]).iter().any(|a| a == action))
            .unwrap_or_else(|| panic!("no statement grants {action}"))
            .clone()
    };
    assert_ne!(
        find("ecs:UpdateService")["Resource"],
        "*",
        "UpdateService on services only"
    );
    assert_eq!(
        find("iam:PassRole")["Condition"]["StringEquals"]["iam:PassedToService"],
        "ecs-tasks.amazonaws.com"
    );
    assert_eq!(
        find("ecs:TagResource")["Condition"]["StringEquals"]["ecs:CreateAction"],
        "RegisterTaskDefinition"
    );
    assert!(resource(&t, "RemediatorRole").get("Properties").is_some());
}

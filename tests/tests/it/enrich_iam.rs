//! `IamAdapter` against the emulator: a task execution role's trust policy, inline policy, the
//! AWS managed `AmazonECSTaskExecutionRolePolicy` (the emulator loads AWS managed policies,
//! `MOTO_IAM_LOAD_MANAGED_POLICIES=true`) and a customer managed policy read at its default
//! version, every document URL-decoded.
//!
//! moto URL-encodes GetRole and GetRolePolicy documents like IAM, but returns GetPolicyVersion
//! documents as plain JSON where IAM encodes them too; the adapter reads both.

use ecs_triage_aws::IamAdapter;
use ecs_triage_core::diagnose::ports::IamReader;
use ecs_triage_core::ports::PortError;
use serde_json::{json, Value};

use crate::harness::{emulator, namespace, seeded};

const EXECUTION_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

fn parsed(what: &str, document: &str) -> Value {
    serde_json::from_str(document)
        .unwrap_or_else(|e| panic!("expected {what} to be decoded JSON ({e}), found {document:?}"))
}

#[tokio::test]
async fn a_roles_trust_inline_and_attached_policies_are_decoded_documents() {
    let emu = emulator();
    let iam = emu.iam().await;
    let role = namespace("exec-role");
    // Spaces, `+` and `%` exercise the URL encoding both ways.
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:* +100%"}}
        }]
    });
    let inline = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
            "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/web/*"
        }]
    });
    let v1 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]});
    let v2 = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::web-config/*"}]});
    let role_arn = seeded(
        "CreateRole",
        iam.create_role()
            .role_name(&role)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await,
    )
    .role
    .map(|r| r.arn)
    .expect("a role");
    seeded(
        "PutRolePolicy",
        iam.put_role_policy()
            .role_name(&role)
            .policy_name("read-secrets")
            .policy_document(inline.to_string())
            .send()
            .await,
    );
    seeded(
        "AttachRolePolicy (AWS managed)",
        iam.attach_role_policy()
            .role_name(&role)
            .policy_arn(EXECUTION_POLICY)
            .send()
            .await,
    );
    let customer = seeded(
        "CreatePolicy",
        iam.create_policy()
            .policy_name(format!("{role}-env-files"))
            .policy_document(v1.to_string())
            .send()
            .await,
    )
    .policy
    .and_then(|p| p.arn)
    .expect("a policy ARN");
    seeded(
        "CreatePolicyVersion",
        iam.create_policy_version()
            .policy_arn(&customer)
            .policy_document(v2.to_string())
            .set_as_default(true)
            .send()
            .await,
    );
    seeded(
        "AttachRolePolicy (customer managed)",
        iam.attach_role_policy()
            .role_name(&role)
            .policy_arn(&customer)
            .send()
            .await,
    );

    let policies = IamAdapter::new(iam).role_policies(&role).await.unwrap();

    assert_eq!(policies.role_name, role);
    assert_eq!(policies.role_arn, role_arn);
    assert_eq!(parsed("the trust policy", &policies.trust_policy), trust);
    let names: Vec<&str> = policies
        .permission_policies
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"read-secrets"), "{names:?}");
    let document = |name: &str| {
        let (_, doc) = policies
            .permission_policies
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("expected policy {name} among {names:?}"));
        parsed(name, doc)
    };
    assert_eq!(document("read-secrets"), inline);
    // The default version, not the first.
    assert_eq!(document(&customer), v2);
    let managed = document(EXECUTION_POLICY);
    let actions = &managed["Statement"][0]["Action"];
    for action in [
        "ecr:GetAuthorizationToken",
        "ecr:BatchGetImage",
        "logs:PutLogEvents",
    ] {
        assert!(
            actions
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == action)),
            "{action} not in {managed}"
        );
    }
}

#[tokio::test]
async fn an_unknown_role_is_a_permanent_error_naming_it() {
    let role = namespace("no-role");
    let err = IamAdapter::new(emulator().iam().await)
        .role_policies(&role)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PortError::Permanent {
                service: "iam",
                operation: "GetRole",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&role) && text.contains("NoSuchEntity"),
        "{text}"
    );
}

/// moto 5.2.5 has no SimulatePrincipalPolicy: the adapter makes the request and reports the
/// failure as a port error naming the operation, which is what makes the IAM check fall back
/// to evaluating the role's policies locally (the mapping of real results is unit-tested in
/// `shared/aws/src/iam.rs`; the check's use of them in `shared/core/tests/engine.rs`).
#[tokio::test]
async fn the_policy_simulator_failing_is_a_port_error_naming_it() {
    let err = IamAdapter::new(emulator().iam().await)
        .simulate(
            "arn:aws:iam::123456789012:role/any",
            &[(
                "secretsmanager:GetSecretValue".to_owned(),
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf".to_owned(),
            )],
        )
        .await
        .expect_err("the emulator cannot simulate");
    let text = err.to_string();
    assert!(text.contains("SimulatePrincipalPolicy"), "{text}");
}

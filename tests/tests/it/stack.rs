//! The ecs-triage stack itself, deployed into the emulator through CloudFormation (issue 6,
//! "Deploy test": "as far as the emulator's CloudFormation allows"), then used by the real
//! adapters: the responder records an incident in the deployed table and publishes to the
//! deployed topic, the remediator's kill switch command from the stack's outputs stops it.
//!
//! moto has no SAM transform, so `scripts/lib/sam_translate.py` first translates the template
//! with AWS's own translator (aws-sam-translator, as `sam deploy` does server-side), with
//! placeholder function code: moto runs no Lambda code without Docker. What this proves is the
//! template itself: it deploys, its resources are named and wired as the code expects, its
//! outputs work. What it cannot prove (invoking the functions, the event source mapping, the
//! alarms firing) needs an AWS account. moto 5.2.5 also leaves out the conditional
//! `AlertEmailSubscription` (no email subscription appears on the topic with `AlertEmail` set),
//! so the subscription is checked by cfn-lint and the template tests only.

use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_dynamodb::types::AttributeValue;
use ecs_triage_aws::dynamodb::{schema, DynamoDbIncidentStore};
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_aws::DynamoDbRemediationStore;
use ecs_triage_core::incident::Policy;
use ecs_triage_core::ports::IncidentStore;
use ecs_triage_core::remediate::{KillSwitch, KillSwitchReader};
use ecs_triage_core::respond::{Action, Responder};
use responder::handler::respond;

use crate::harness::{emulator, namespace, now_ms, repo_root, seeded};

/// The template, translated as `sam deploy` would, by the pinned translator in `.venv`.
fn translated_template() -> String {
    let root = repo_root();
    let venv = Command::new(root.join("scripts/venv"))
        .output()
        .expect("scripts/venv runs");
    assert!(
        venv.status.success(),
        "scripts/venv failed: {}",
        String::from_utf8_lossy(&venv.stderr)
    );
    let python = format!(
        "{}/bin/python",
        String::from_utf8_lossy(&venv.stdout).trim()
    );
    let out = Command::new(&python)
        .arg(root.join("scripts/lib/sam_translate.py"))
        .arg(root.join("infra/template.yaml"))
        .env("AWS_REGION", &emulator().region)
        .output()
        .unwrap_or_else(|e| panic!("could not run {python}: {e}"));
    assert!(
        out.status.success(),
        "the SAM translation failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 JSON")
}

/// Creates the stack and waits for it; returns its outputs.
async fn deploy(name: &str, parameters: &[(&str, &str)]) -> Vec<(String, String)> {
    let cf = aws_sdk_cloudformation::Client::new(&emulator().sdk_config().await);
    let params: Vec<Parameter> = parameters
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(*k)
                .parameter_value(*v)
                .build()
        })
        .collect();
    seeded(
        "CreateStack",
        cf.create_stack()
            .stack_name(name)
            .template_body(translated_template())
            .capabilities(Capability::CapabilityIam)
            .set_parameters(Some(params))
            .send()
            .await,
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let stacks = seeded(
            "DescribeStacks",
            cf.describe_stacks().stack_name(name).send().await,
        );
        let stack = stacks.stacks().first().expect("the stack").clone();
        match stack.stack_status() {
            Some(StackStatus::CreateComplete) => {
                return stack
                    .outputs()
                    .iter()
                    .map(|o| {
                        (
                            o.output_key().unwrap_or_default().to_owned(),
                            o.output_value().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
            }
            Some(StackStatus::CreateInProgress) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => {
                let events = seeded(
                    "DescribeStackEvents",
                    cf.describe_stack_events().stack_name(name).send().await,
                );
                let reasons: Vec<String> = events
                    .stack_events()
                    .iter()
                    .filter_map(|e| {
                        e.resource_status_reason()
                            .map(|r| format!("{}: {r}", e.logical_resource_id().unwrap_or("?")))
                    })
                    .collect();
                panic!("the stack did not deploy ({other:?}): {reasons:#?}");
            }
        }
    }
}

fn output<'a>(outputs: &'a [(String, String)], key: &str) -> &'a str {
    outputs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("the stack has no output {key}: {outputs:?}"))
}

#[tokio::test]
async fn the_stack_deploys_and_its_resources_work_with_the_code() {
    let name = namespace("stack");
    let outputs = deploy(
        &name,
        &[
            ("AlertEmail", "oncall@example.com"),
            ("RemediationMode", "apply"),
        ],
    )
    .await;
    let table = output(&outputs, "IncidentsTableName");
    let topic = output(&outputs, "AlertsTopicArn");
    let sdk = emulator().sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);

    // The deployed table is the one the code expects (the static check is tests/tests/infra).
    let d = seeded(
        "DescribeTable",
        ddb.describe_table().table_name(table).send().await,
    )
    .table
    .expect("the table");
    assert_eq!(
        d.key_schema()
            .iter()
            .map(|k| k.attribute_name())
            .collect::<Vec<_>>(),
        [schema::PARTITION_KEY, schema::SORT_KEY]
    );
    assert!(d
        .global_secondary_indexes()
        .iter()
        .any(|g| g.index_name() == Some(schema::INDEX)));
    assert_eq!(
        d.stream_specification()
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str()),
        Some(schema::STREAM_VIEW)
    );

    // The responder records into it and publishes to the deployed (encrypted) topic.
    let sns = aws_sdk_sns::Client::new(&sdk);
    let store = DynamoDbIncidentStore::new(ddb.clone(), table);
    let notifier = SnsNotifier::new(sns.clone(), topic);
    let policy = Policy::default();
    let responder = Responder {
        store: &store,
        notifier: &notifier,
        policy: &policy,
    };
    let event = std::fs::read(repo_root().join("events/task-stopped-oom.json")).expect("sample");
    let out = respond(&event, &responder, now_ms())
        .await
        .unwrap_or_else(|e| panic!("the responder failed on the deployed stack: {e}"));
    assert_eq!(out.action, Action::Recorded);
    assert_eq!(
        out.notified.len(),
        1,
        "published to the stack's topic: {out:?}"
    );
    let incident = out.incident_id.expect("an incident");
    let cluster = "payments-prod";
    let recent = store
        .recent_incidents(cluster, 5)
        .await
        .expect("the by-cluster index works");
    assert!(recent.iter().any(|i| i.id == incident), "{recent:?}");

    // The kill switch command in the outputs, run as written, stops the remediator.
    let remediation = DynamoDbRemediationStore::new(ddb.clone(), table);
    assert_eq!(remediation.kill_switch().await, Ok(KillSwitch::Released));
    let command = output(&outputs, "KillSwitchCommand");
    let item_json = command
        .split_once("--item")
        .map(|(_, rest)| rest.trim().trim_matches('\''))
        .unwrap_or_else(|| panic!("no --item in {command}"));
    let item: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(item_json).unwrap_or_else(|e| panic!("{item_json}: {e}"));
    let mut put = ddb.put_item().table_name(table);
    for (k, v) in item {
        let s = v["S"].as_str().expect("string attributes").to_owned();
        put = put.item(k, AttributeValue::S(s));
    }
    seeded("PutItem", put.send().await);
    assert_eq!(remediation.kill_switch().await, Ok(KillSwitch::Engaged));
}

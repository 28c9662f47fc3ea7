//! The remediator Lambda: the incidents table's DynamoDB stream → remediation decisions →
//! audit, action, announcement (issue 5).
//!
//! Wiring only: configuration from the environment, the SDK configuration and clients (once per
//! execution environment), the adapters, then the runtime loop.

use std::time::{SystemTime, UNIX_EPOCH};

use ecs_triage_aws::client::load_sdk_config;
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_aws::{DynamoDbRemediationStore, EcsActionApplier, EcsAdapter};
use ecs_triage_core::remediate::{EcsWorkloadState, Remediator};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

use remediator::config::Config;
use remediator::handler;
use remediator::kill_switch::EitherKillSwitch;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();

    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let sdk = load_sdk_config(&config.client).await;
    let store = DynamoDbRemediationStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        config.table_name.clone(),
    );
    let ecs_client = aws_sdk_ecs::Client::new(&sdk);
    let ecs = EcsAdapter::new(ecs_client.clone());
    let applier = EcsActionApplier::new(ecs_client);
    let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(&sdk), config.topic_arn.clone());
    let workloads = EcsWorkloadState {
        ecs: &ecs,
        healthy: &store,
        stack_name: config.stack_name.as_deref(),
        exclusions: &config.exclusions,
    };
    let kill_switch = EitherKillSwitch {
        configured: config.kill_switch,
        table: &store,
    };
    let remediator = Remediator {
        config: &config.policy,
        kill_switch: &kill_switch,
        workloads: &workloads,
        guard: &store,
        audit: &store,
        applier: &applier,
        notifier: &notifier,
    };
    tracing::info!(table = %config.table_name, mode = %config.policy.mode, "remediator ready");

    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handler::handle(event, &remediator, now_ms)
    }))
    .await
}

/// The wall clock, in milliseconds since the epoch (the core never reads the clock itself).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

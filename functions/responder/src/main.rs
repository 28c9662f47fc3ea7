//! The responder Lambda: EventBridge `aws.ecs` events → classification → incident → notification.
//!
//! Wiring only: configuration from the environment, the SDK configuration and clients (once per
//! execution environment, reused by every invocation), the adapters, then the runtime loop.

use std::time::{SystemTime, UNIX_EPOCH};

use ecs_triage_aws::client::load_sdk_config;
use ecs_triage_aws::dynamodb::{DynamoDbIncidentStore, DynamoDbRemediationStore};
use ecs_triage_aws::sns::SnsNotifier;
use ecs_triage_aws::AwsReaders;
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::respond::Responder;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::value::RawValue;

use responder::config::Config;
use responder::handler::{self, Enrichment, HealthyRecorder, TokioTimer};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // JSON lines when the function's log format is JSON (AWS_LAMBDA_LOG_FORMAT), level from
    // AWS_LAMBDA_LOG_LEVEL or RUST_LOG.
    lambda_runtime::tracing::init_default_subscriber();

    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let sdk = load_sdk_config(&config.client).await;
    let store = DynamoDbIncidentStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        config.table_name.clone(),
    );
    let notifier = SnsNotifier::new(aws_sdk_sns::Client::new(&sdk), config.topic_arn.clone());
    let responder = Responder {
        store: &store,
        notifier: &notifier,
        policy: &config.policy,
    };
    // The enrichment's readers: one client per service, built once per execution environment.
    let aws_readers = AwsReaders::new(&sdk);
    let timer = TokioTimer;
    let enrichment = config.enrich.then_some(Enrichment {
        readers: aws_readers.readers(),
        budget: Budget {
            total: config.enrich_budget,
            per_check: config.enrich_budget,
        },
        timer: &timer,
    });
    // The remediator's rollback target: recorded on every recovery, whatever ENRICH says.
    let healthy_store = DynamoDbRemediationStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        config.table_name.clone(),
    );
    let healthy = HealthyRecorder {
        ecs: &aws_readers.ecs,
        store: &healthy_store,
    };
    tracing::info!(table = %config.table_name, topic = %config.topic_arn, enrich = config.enrich, "responder ready");

    lambda_runtime::run(service_fn(|event: LambdaEvent<Box<RawValue>>| {
        handler::handle(
            event,
            &responder,
            enrichment.as_ref(),
            Some(&healthy),
            now_ms(),
        )
    }))
    .await
}

/// The wall clock, in milliseconds since the epoch (the core never reads the clock itself).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

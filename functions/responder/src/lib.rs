//! The responder Lambda's translation layer: configuration, the invocation handler and its
//! metrics. `main.rs` only wires these to the AWS adapters and the runtime.

pub mod config;
pub mod handler;
pub mod metrics;

/// Every IAM action the responder's code can call, from the adapters `main.rs` wires: the
/// checks' readers, the incident store, the healthy-revision record and the notifier. The SAM
/// template grants exactly these (plus what Lambda itself needs); `tests/tests/infra` compares.
pub fn operations() -> std::collections::BTreeSet<&'static str> {
    use ecs_triage_aws::{dynamodb, sns, AwsReaders};
    AwsReaders::operations()
        .into_iter()
        .chain(dynamodb::OPERATIONS.iter().copied())
        .chain(dynamodb::RECORD_HEALTHY_OPERATIONS.iter().copied())
        .chain(sns::OPERATIONS.iter().copied())
        .collect()
}

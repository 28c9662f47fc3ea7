//! The remediator Lambda's library: configuration, stream reading and the handler, kept out of
//! `main.rs` so the integration tests drive the same code over the emulator.

pub mod config;
pub mod handler;
pub mod kill_switch;
pub mod stream;

/// Every IAM action the remediator's code can call, from the adapters `main.rs` wires: the
/// ECS reads of `EcsWorkloadState` (service, task definition, task), the applier, the
/// remediation store and the notifier. The SAM template grants exactly these (plus what Lambda
/// itself needs); `tests/tests/infra` compares.
pub fn operations() -> std::collections::BTreeSet<&'static str> {
    use ecs_triage_aws::{dynamodb, ecs, ecs_apply, sns};
    [
        ecs::SERVICE_OPERATIONS,
        ecs::TASK_DEFINITION_OPERATIONS,
        ecs::TASK_OPERATIONS,
        ecs_apply::OPERATIONS,
        dynamodb::REMEDIATION_OPERATIONS,
        sns::OPERATIONS,
    ]
    .concat()
    .into_iter()
    .collect()
}

//! Adapters that implement ecs-triage's ports with the AWS SDK for Rust, one module per service.
//!
//! Every adapter maps SDK failures the same way ([`error`]): throttling, 5xx, timeouts and
//! connection failures are `PortError::Transient`; access denied, missing resources and invalid
//! requests are `PortError::Permanent`; stored data that does not decode is `PortError::Corrupt`.
//! Configuration (region, credentials, endpoint) comes only from aws-config's standard chain via
//! [`client::load_sdk_config`].

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod autoscaling;
pub mod client;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod ecs_apply;
pub mod elbv2;
mod error;
pub mod iam;
pub mod logs;
pub mod readers;
pub mod sns;
pub mod sqs;

pub use autoscaling::AutoScalingAdapter;
pub use client::{load_sdk_config, ClientSettings};
pub use dynamodb::{DynamoDbIncidentStore, DynamoDbRemediationStore};
pub use ec2::Ec2Adapter;
pub use ecr::EcrAdapter;
pub use ecs::EcsAdapter;
pub use ecs_apply::EcsActionApplier;
pub use elbv2::Elbv2Adapter;
pub use iam::IamAdapter;
pub use logs::LogsAdapter;
pub use readers::{AwsReaders, TokioTimer};
pub use sns::SnsNotifier;
pub use sqs::SqsFailureQueue;

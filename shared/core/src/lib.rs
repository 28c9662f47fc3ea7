//! ecs-triage's pure domain: the ECS event model, the root-cause taxonomy, and the classifier.
//!
//! Nothing here performs I/O, reads the environment or the clock, or knows an AWS SDK type, so the
//! domain builds and tests in seconds and every adapter depends on it, never the reverse.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod classify;
pub mod diagnose;
pub mod env;
pub mod event;
#[cfg(any(test, feature = "test-util"))]
pub mod fakes;
pub mod iam;
pub mod image;
pub mod incident;
pub mod ports;
pub mod redact;
pub mod remediate;
pub mod render;
pub mod replay;
pub mod respond;
pub mod taxonomy;

pub use classify::{
    assess, classify_task, Assessment, Classification, Confidence, Evidence, NextStep, Recovery,
    Subject,
};
pub use event::{parse_event, parse_input, EcsEvent, ParseError};
pub use taxonomy::{Category, Family, Severity};

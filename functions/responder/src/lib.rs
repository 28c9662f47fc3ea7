//! The responder Lambda's translation layer: configuration, the invocation handler and its
//! metrics. `main.rs` only wires these to the AWS adapters and the runtime.

pub mod config;
pub mod handler;
pub mod metrics;

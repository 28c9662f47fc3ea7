//! Integration tests of ecs-triage's AWS adapters against the local emulator (moto) over HTTP.
//! One binary made of modules, so it compiles and links once. See `harness` for the emulator's
//! lifecycle and how tests share it.

mod dynamodb_store;
mod fixtures;
mod harness;
mod pipeline;
mod sns_notifier;

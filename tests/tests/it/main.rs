//! Integration tests of ecs-triage's AWS adapters against the local emulator (moto) over HTTP.
//! One binary made of modules, so it compiles and links once. See `harness` for the emulator's
//! lifecycle and how tests share it.

mod diagnose_world;
mod dynamodb_store;
mod ecs_apply;
mod enrich_autoscaling;
mod enrich_ec2;
mod enrich_ecr;
mod enrich_ecs;
mod enrich_elbv2;
mod enrich_iam;
mod enrich_logs;
mod fault_enrichment;
mod fault_proxy;
mod fault_remediator;
mod fault_store;
mod fixtures;
mod harness;
mod lab;
mod load;
mod pipeline;
mod remediation_lab;
mod remediation_store;
mod remediator;
mod responder_e2e;
mod sns_notifier;
mod stack;
mod stream_tap;
mod world;

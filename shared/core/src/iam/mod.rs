//! Local evaluation of IAM policies: does a task's execution role allow what the task needs?
//!
//! When a task stops on `AccessDeniedException`, or an image pull fails for an unclear reason,
//! ecs-triage reads the execution role's policies and checks exactly the permissions the task
//! definition calls for. The IAM check asks IAM's `SimulatePrincipalPolicy` first (it also weighs
//! the permissions boundary); where that cannot run (the emulator has none, many accounts deny it
//! to operators), the policies are evaluated here, without I/O:
//!
//! 1. [`PolicyDocument::parse`] / [`PolicyDocument::parse_url_encoded`] read each policy as IAM
//!    returns it;
//! 2. [`RequiredPermission`]'s builders list what the task needs ([`required`]);
//! 3. [`check`] pairs each requirement with a [`Decision`] ([`evaluate`]), and
//!    [`PermissionVerdict::sentence`] says it in one line;
//! 4. [`trusts_service`] tells whether the role lets `ecs-tasks.amazonaws.com` assume it at all.
//!
//! Conditions and policy variables are reported ([`Decision::DependsOnCondition`]), never guessed.

mod check;
mod document;
mod error;
mod evaluate;
mod pattern;
mod percent;
pub mod required;
mod trust;

pub use check::{check, PermissionVerdict};
pub use document::{
    ActionElement, Effect, PolicyDocument, Principal, PrincipalElement, Principals,
    ResourceElement, Statement, VERSION_2008_10_17, VERSION_2012_10_17,
};
pub use error::IamError;
pub use evaluate::{evaluate, ConditionalStatement, Contingency, Decision, StatementRef};
pub use percent::decode as percent_decode;
pub use required::RequiredPermission;
pub use trust::{trusts_service, TrustDecision, ASSUME_ROLE, ECS_TASKS_SERVICE, TRUST_POLICY_NAME};

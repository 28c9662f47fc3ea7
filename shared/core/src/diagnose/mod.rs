//! Diagnosis: the troubleshooting checklist, automated. Views of the task's world read through
//! ports, findings per check, which checks a category needs, a concurrent runner with timeouts,
//! and the rules by which findings refine the classifier's answer.

pub mod analyze;
pub mod engine;
pub mod finding;
pub mod plan;
pub mod ports;
pub mod refine;
pub mod run;
pub mod view;

pub use finding::{Check, Finding, Verdict};

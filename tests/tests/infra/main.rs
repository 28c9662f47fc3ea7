//! Consistency tests between `infra/template.yaml` and the code (issue 6, "Consistency tests"):
//! the IAM grants are exactly what the adapters can call (plus what Lambda itself needs, named
//! and explained), the table is the one the code and `scripts/emulator` use, the EventBridge
//! patterns take the sample events they should and none they should not, and every environment
//! variable the template sets is one the functions read.

mod env;
mod iam;
mod pattern;
mod rules;
mod table;
mod template;

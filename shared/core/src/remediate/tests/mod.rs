//! Tests of the policy as a whole: one table row per rule, the audit, and properties over
//! arbitrary inputs. The parsers, commands and keys are tested beside their code.

mod announce;
mod audit;
mod decide;
mod fixture;
mod follow_up;
mod properties;
mod state;

//! Tests of the policy as a whole: one table row per rule, the audit, and properties over
//! arbitrary inputs. The parsers, commands and keys are tested beside their code.

mod audit;
mod decide;
mod fixture;
mod properties;

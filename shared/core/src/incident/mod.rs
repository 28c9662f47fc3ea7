//! Incidents and the policy that groups stops into them and decides when people hear about it.

mod model;
mod policy;

pub use model::{
    Claim, Incident, IncidentKey, IncidentStatus, NotificationKind, Occurrence, OccurrenceBrief,
    Workload, WorkloadKind,
};
pub use policy::{workload_of, Policy};

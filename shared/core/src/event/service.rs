//! `ECS Service Action` and `ECS Deployment State Change` details.
//!
//! Shapes from the AWS documentation "Amazon ECS service action events" and "Amazon ECS service
//! deployment state change events". The service ARN is not in the detail: it is the envelope's
//! first `resources` entry.

use serde::{Deserialize, Serialize};

use super::lenient;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAction {
    /// `INFO`, `WARN` or `ERROR`.
    pub event_type: Option<String>,
    /// e.g. `SERVICE_STEADY_STATE`, `SERVICE_TASK_PLACEMENT_FAILURE`, `SERVICE_TASK_START_IMPAIRED`.
    pub event_name: Option<String>,
    pub cluster_arn: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub created_at: Option<String>,
    /// For placement failures: `RESOURCE:CPU`, `RESOURCE:MEMORY`, `RESOURCE:FARGATE`, ...
    pub reason: Option<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub capacity_provider_arns: Vec<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub container_instance_arns: Vec<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub task_arns: Vec<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub desired_count: Option<i64>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub target_group_arns: Vec<String>,
    #[serde(deserialize_with = "lenient::vec_or_null")]
    pub service_registry_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentStateChange {
    pub event_type: Option<String>,
    /// `SERVICE_DEPLOYMENT_IN_PROGRESS`, `SERVICE_DEPLOYMENT_COMPLETED`, `SERVICE_DEPLOYMENT_FAILED`.
    pub event_name: Option<String>,
    pub deployment_id: Option<String>,
    #[serde(deserialize_with = "lenient::opt_timestamp")]
    pub updated_at: Option<String>,
    pub reason: Option<String>,
}

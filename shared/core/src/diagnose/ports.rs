//! The read-only ports enrichment needs, one per data source. Adapters in `shared/aws` implement
//! them with the AWS SDK; every method returns [`PortError`] on failure, which the enrichment
//! turns into a "could not check" finding.

use async_trait::async_trait;

use super::view::{
    ContainerInstanceView, ImageView, LogLine, RolePolicies, ScalableTargetView, SecurityGroupView,
    ServiceView, SimulatedDecision, SubnetView, TargetGroupView, TargetHealthView,
    TaskDefinitionView, VpcEndpointView,
};
use crate::event::TaskStateChange;
use crate::ports::PortError;

/// Amazon ECS (DescribeTaskDefinition, DescribeServices, DescribeTasks, ListTasks,
/// ListContainerInstances/DescribeContainerInstances, ListTagsForResource).
#[async_trait]
pub trait EcsReader: Send + Sync {
    async fn task_definition(&self, arn: &str) -> Result<TaskDefinitionView, PortError>;
    async fn service(&self, cluster: &str, service: &str)
        -> Result<Option<ServiceView>, PortError>;
    /// A task in the shape of an event detail (DescribeTasks and the event share field names).
    async fn task(&self, cluster: &str, task: &str) -> Result<Option<TaskStateChange>, PortError>;
    /// The most recently stopped tasks of a service, newest first.
    async fn stopped_tasks(
        &self,
        cluster: &str,
        service: &str,
        limit: usize,
    ) -> Result<Vec<TaskStateChange>, PortError>;
    async fn container_instances(
        &self,
        cluster: &str,
    ) -> Result<Vec<ContainerInstanceView>, PortError>;
}

/// CloudWatch Logs (GetLogEvents).
#[async_trait]
pub trait LogReader: Send + Sync {
    /// The last `limit` lines of a stream up to `until_ms` (inclusive), oldest first.
    async fn tail(
        &self,
        group: &str,
        stream: &str,
        until_ms: Option<i64>,
        limit: usize,
    ) -> Result<Vec<LogLine>, PortError>;
}

/// Elastic Load Balancing v2 (DescribeTargetGroups, DescribeTargetHealth).
#[async_trait]
pub trait LoadBalancerReader: Send + Sync {
    async fn target_group(&self, arn: &str) -> Result<Option<TargetGroupView>, PortError>;
    async fn target_health(&self, arn: &str) -> Result<Vec<TargetHealthView>, PortError>;
}

/// IAM (GetRole, ListRolePolicies/GetRolePolicy, ListAttachedRolePolicies/GetPolicy/
/// GetPolicyVersion).
#[async_trait]
pub trait IamReader: Send + Sync {
    async fn role_policies(&self, role_name: &str) -> Result<RolePolicies, PortError>;

    /// IAM's policy simulator (SimulatePrincipalPolicy) on the role for each `(action,
    /// resource)`: it also weighs the role's permissions boundary, which the local evaluator
    /// does not see. `Ok(None)` when this reader has no simulator; an error (the caller may not
    /// call it, the emulator lacks it) makes the check evaluate the role's policies locally.
    async fn simulate(
        &self,
        _role_arn: &str,
        _required: &[(String, String)],
    ) -> Result<Option<Vec<SimulatedDecision>>, PortError> {
        Ok(None)
    }
}

/// Amazon EC2 networking (DescribeSubnets, DescribeRouteTables, DescribeNetworkAcls,
/// DescribeVpcEndpoints, DescribeSecurityGroups).
#[async_trait]
pub trait NetworkReader: Send + Sync {
    async fn subnet(&self, subnet_id: &str) -> Result<Option<SubnetView>, PortError>;
    async fn vpc_endpoints(&self, vpc_id: &str) -> Result<Vec<VpcEndpointView>, PortError>;
    async fn security_groups(&self, ids: &[String]) -> Result<Vec<SecurityGroupView>, PortError>;
}

/// Amazon ECR (DescribeImages, BatchGetImage for the manifest's platforms).
#[async_trait]
pub trait ImageReader: Send + Sync {
    /// `None` when the repository exists and the tag/digest does not; a missing repository is
    /// `Ok(None)` too, with the adapter's message in a later finding.
    async fn image(
        &self,
        registry_id: &str,
        repository: &str,
        tag_or_digest: &str,
    ) -> Result<Option<ImageView>, PortError>;
}

/// Application Auto Scaling (DescribeScalableTargets).
#[async_trait]
pub trait ScalingReader: Send + Sync {
    async fn scalable_target(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<Option<ScalableTargetView>, PortError>;
}

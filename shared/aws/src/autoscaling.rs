//! [`ScalingReader`] on Application Auto Scaling: the min/max limits of an ECS service's desired
//! count (a service pinned at its maximum cannot scale out of a capacity problem; one at a
//! minimum of 0 may have been scaled in on purpose).

use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ScalableTarget, ServiceNamespace};
use aws_sdk_applicationautoscaling::Client;
use ecs_triage_core::diagnose::ports::ScalingReader;
use ecs_triage_core::diagnose::view::ScalableTargetView;
use ecs_triage_core::ports::PortError;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "application-autoscaling";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
pub const OPERATIONS: &[&str] = &["application-autoscaling:DescribeScalableTargets"];

/// Reads the scalable targets of ECS services.
#[derive(Debug, Clone)]
pub struct AutoScalingAdapter {
    client: Client,
}

impl AutoScalingAdapter {
    pub fn new(client: Client) -> Self {
        AutoScalingAdapter { client }
    }
}

/// The resource ID Application Auto Scaling gives an ECS service: `service/<cluster>/<service>`
/// (the cluster by name).
pub fn resource_id(cluster: &str, service: &str) -> String {
    format!("service/{cluster}/{service}")
}

#[async_trait]
impl ScalingReader for AutoScalingAdapter {
    async fn scalable_target(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<Option<ScalableTargetView>, PortError> {
        let id = resource_id(cluster, service);
        let targets: Vec<ScalableTarget> = self
            .client
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_ids(&id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeScalableTargets",
                    &format!("the scalable target of `{id}`"),
                    &e,
                )
            })?;
        let view = targets
            .iter()
            .find(|t| t.resource_id() == id)
            .map(scalable_target_view);
        debug!(resource = %id, found = view.is_some(), "scalable target described");
        Ok(view)
    }
}

/// `suspended` is true when any of dynamic scale-in, dynamic scale-out or scheduled scaling is
/// suspended: each means the limits alone do not say what auto scaling will do.
pub(crate) fn scalable_target_view(t: &ScalableTarget) -> ScalableTargetView {
    let s = t.suspended_state();
    let suspended = s.is_some_and(|s| {
        [
            s.dynamic_scaling_in_suspended(),
            s.dynamic_scaling_out_suspended(),
            s.scheduled_scaling_suspended(),
        ]
        .contains(&Some(true))
    });
    ScalableTargetView {
        min: t.min_capacity(),
        max: t.max_capacity(),
        suspended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_applicationautoscaling::types::SuspendedState;
    use aws_smithy_types::DateTime;

    fn target(suspended: Option<SuspendedState>) -> ScalableTarget {
        ScalableTarget::builder()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id("service/c/s")
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(1)
            .max_capacity(4)
            .role_arn("arn:role")
            .creation_time(DateTime::from_secs(0))
            .set_suspended_state(suspended)
            .build()
            .unwrap()
    }

    #[test]
    fn any_suspension_counts() {
        assert!(!scalable_target_view(&target(None)).suspended);
        let off = SuspendedState::builder()
            .dynamic_scaling_in_suspended(false)
            .build();
        assert!(!scalable_target_view(&target(Some(off))).suspended);
        let out = SuspendedState::builder()
            .dynamic_scaling_out_suspended(true)
            .build();
        let v = scalable_target_view(&target(Some(out)));
        assert!(v.suspended);
        assert_eq!((v.min, v.max), (1, 4));
        assert_eq!(resource_id("prod", "web"), "service/prod/web");
    }
}

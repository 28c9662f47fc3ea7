//! [`LoadBalancerReader`] on Elastic Load Balancing v2: a target group's health-check settings
//! and the health of its registered targets, with ELB's reason code and description (the
//! "why" of an unhealthy target: `Target.ResponseCodeMismatch`, `Target.Timeout`, …).

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{TargetGroup, TargetHealthDescription};
use aws_sdk_elasticloadbalancingv2::Client;
use ecs_triage_core::diagnose::ports::LoadBalancerReader;
use ecs_triage_core::diagnose::view::{TargetGroupView, TargetHealthView};
use ecs_triage_core::ports::PortError;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "elasticloadbalancing";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
pub const OPERATIONS: &[&str] = &[
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
];

/// Reads target groups and target health.
#[derive(Debug, Clone)]
pub struct Elbv2Adapter {
    client: Client,
}

impl Elbv2Adapter {
    pub fn new(client: Client) -> Self {
        Elbv2Adapter { client }
    }
}

#[async_trait]
impl LoadBalancerReader for Elbv2Adapter {
    async fn target_group(&self, arn: &str) -> Result<Option<TargetGroupView>, PortError> {
        debug!(target_group = arn, "describing target group");
        // One ARN asks for one target group: a single page.
        let out = self
            .client
            .describe_target_groups()
            .target_group_arns(arn)
            .send()
            .await;
        match out {
            Ok(out) => Ok(out
                .target_groups()
                .iter()
                .find(|tg| tg.target_group_arn() == Some(arn))
                .or_else(|| out.target_groups().first())
                .map(target_group_view)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_target_group_not_found_exception()) =>
            {
                debug!(target_group = arn, "target group not found");
                Ok(None)
            }
            Err(e) => Err(port_error(
                SERVICE,
                "DescribeTargetGroups",
                &format!("target group `{arn}` to be described"),
                &e,
            )),
        }
    }

    async fn target_health(&self, arn: &str) -> Result<Vec<TargetHealthView>, PortError> {
        // Without `Targets`, ELB reports every registered target (the API is not paginated).
        let out = self
            .client
            .describe_target_health()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|e| {
                port_error(
                    SERVICE,
                    "DescribeTargetHealth",
                    &format!("the health of the targets of target group `{arn}`"),
                    &e,
                )
            })?;
        let views: Vec<TargetHealthView> = out
            .target_health_descriptions()
            .iter()
            .map(target_health_view)
            .collect();
        debug!(
            target_group = arn,
            targets = views.len(),
            "target health described"
        );
        Ok(views)
    }
}

pub(crate) fn target_group_view(tg: &TargetGroup) -> TargetGroupView {
    TargetGroupView {
        arn: tg.target_group_arn().unwrap_or_default().to_owned(),
        protocol: tg.protocol().map(|p| p.as_str().to_owned()),
        port: tg.port(),
        target_type: tg.target_type().map(|t| t.as_str().to_owned()),
        health_check_path: tg.health_check_path().map(str::to_owned),
        health_check_port: tg.health_check_port().map(str::to_owned),
        health_check_protocol: tg.health_check_protocol().map(|p| p.as_str().to_owned()),
        // HTTP/HTTPS target groups have an HTTP code matcher, gRPC ones a gRPC code matcher.
        matcher: tg
            .matcher()
            .and_then(|m| m.http_code().or(m.grpc_code()))
            .map(str::to_owned),
        interval_s: tg.health_check_interval_seconds(),
        timeout_s: tg.health_check_timeout_seconds(),
        healthy_threshold: tg.healthy_threshold_count(),
        unhealthy_threshold: tg.unhealthy_threshold_count(),
    }
}

pub(crate) fn target_health_view(d: &TargetHealthDescription) -> TargetHealthView {
    let health = d.target_health();
    TargetHealthView {
        id: d
            .target()
            .and_then(|t| t.id())
            .unwrap_or_default()
            .to_owned(),
        port: d.target().and_then(|t| t.port()),
        state: health
            .and_then(|h| h.state())
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_owned()),
        description: health.and_then(|h| h.description()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::types::{
        Matcher, TargetDescription, TargetHealth, TargetHealthReasonEnum, TargetHealthStateEnum,
    };

    #[test]
    fn grpc_matcher_is_used_when_there_is_no_http_one() {
        let tg = TargetGroup::builder()
            .target_group_arn("arn:tg")
            .matcher(Matcher::builder().grpc_code("0-99").build())
            .build();
        assert_eq!(target_group_view(&tg).matcher.as_deref(), Some("0-99"));
    }

    #[test]
    fn reason_code_and_description_are_kept() {
        let d = TargetHealthDescription::builder()
            .target(
                TargetDescription::builder()
                    .id("10.0.1.5")
                    .port(8080)
                    .build(),
            )
            .target_health(
                TargetHealth::builder()
                    .state(TargetHealthStateEnum::Unhealthy)
                    .reason(TargetHealthReasonEnum::ResponseCodeMismatch)
                    .description("Health checks failed with these codes: [404]")
                    .build(),
            )
            .build();
        let v = target_health_view(&d);
        assert_eq!(v.id, "10.0.1.5");
        assert_eq!(v.port, Some(8080));
        assert_eq!(v.state, "unhealthy");
        assert_eq!(v.reason.as_deref(), Some("Target.ResponseCodeMismatch"));
        assert_eq!(
            v.description.as_deref(),
            Some("Health checks failed with these codes: [404]")
        );
    }
}

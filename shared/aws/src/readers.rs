//! The enrichment's readers over one SDK configuration: one client per service, built once and
//! shared by every diagnosis (the responder per execution environment, the CLI per run).

use aws_config::SdkConfig;
use ecs_triage_core::diagnose::engine::Readers;
use ecs_triage_core::diagnose::run::{BoxFuture, Timer};
use std::time::Duration;

use crate::{
    AutoScalingAdapter, Ec2Adapter, EcrAdapter, EcsAdapter, Elbv2Adapter, IamAdapter, LogsAdapter,
};

/// Every reader the diagnosis engine can use, backed by the AWS SDK.
#[derive(Debug)]
pub struct AwsReaders {
    pub ecs: EcsAdapter,
    pub logs: LogsAdapter,
    pub elbv2: Elbv2Adapter,
    pub iam: IamAdapter,
    pub ec2: Ec2Adapter,
    pub ecr: EcrAdapter,
    pub scaling: AutoScalingAdapter,
}

impl AwsReaders {
    pub fn new(sdk: &SdkConfig) -> AwsReaders {
        AwsReaders {
            ecs: EcsAdapter::new(aws_sdk_ecs::Client::new(sdk)),
            logs: LogsAdapter::new(aws_sdk_cloudwatchlogs::Client::new(sdk)),
            elbv2: Elbv2Adapter::new(aws_sdk_elasticloadbalancingv2::Client::new(sdk)),
            iam: IamAdapter::new(aws_sdk_iam::Client::new(sdk)),
            ec2: Ec2Adapter::new(aws_sdk_ec2::Client::new(sdk)),
            ecr: EcrAdapter::new(aws_sdk_ecr::Client::new(sdk)),
            scaling: AutoScalingAdapter::new(aws_sdk_applicationautoscaling::Client::new(sdk)),
        }
    }

    /// Every IAM action the readers can call: what a role needs to run all the checks (the
    /// responder's in the stack, an operator's for `ecs-triage diagnose`).
    pub fn operations() -> Vec<&'static str> {
        [
            crate::ecs::OPERATIONS,
            crate::logs::OPERATIONS,
            crate::elbv2::OPERATIONS,
            crate::iam::OPERATIONS,
            crate::ec2::OPERATIONS,
            crate::ecr::OPERATIONS,
            crate::autoscaling::OPERATIONS,
        ]
        .concat()
    }

    /// All seven, as the engine's ports.
    pub fn readers(&self) -> Readers<'_> {
        Readers {
            ecs: Some(&self.ecs),
            logs: Some(&self.logs),
            load_balancers: Some(&self.elbv2),
            iam: Some(&self.iam),
            network: Some(&self.ec2),
            images: Some(&self.ecr),
            scaling: Some(&self.scaling),
        }
    }
}

/// Sleeping on the tokio runtime, for the checks' timeouts.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::AwsReaders;

    #[test]
    fn the_readers_operations_are_read_only_iam_actions_of_their_services() {
        let ops = AwsReaders::operations();
        let services = [
            "ecs",
            "logs",
            "elasticloadbalancing",
            "iam",
            "ec2",
            "ecr",
            "application-autoscaling",
        ];
        for op in &ops {
            let (service, action) = op.split_once(':').expect("service:Action");
            assert!(services.contains(&service), "{op}");
            assert!(
                // SimulatePrincipalPolicy reads too: it evaluates, it changes nothing.
                ["Describe", "Get", "List", "BatchGet", "Simulate"]
                    .iter()
                    .any(|verb| action.starts_with(verb)),
                "{op} is not a read"
            );
        }
        let mut unique = ops.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ops.len(), "{ops:?}");
    }
}

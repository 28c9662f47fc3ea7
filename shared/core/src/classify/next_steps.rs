//! The on-call checklist steps that apply to a category, each with the AWS CLI command filled in
//! with this event's identifiers. What the event cannot tell (the awslogs group, the execution
//! role) is a visible `<placeholder>`, together with the command that finds it.

use super::extract;
use super::model::{NextStep, Subject};
use crate::image::ImageRef;
use crate::taxonomy::{Category, Family};

/// Facts beyond the subject that make the commands exact.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hints<'a> {
    /// The raw message (stop reason, container reason, service event reason).
    pub message: Option<&'a str>,
    /// The blamed container's image.
    pub image: Option<&'a str>,
    /// The task ENI's subnet.
    pub subnet_id: Option<&'a str>,
}

/// Quotes a value for a POSIX shell unless it is plainly safe; control characters are dropped so
/// a hostile identifier cannot break the command line it is pasted into.
pub fn sh(value: &str) -> String {
    let v: String = value.chars().filter(|c| !c.is_control()).collect();
    let safe = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@=,+%".contains(c));
    if safe {
        v
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

struct Cmd<'a> {
    s: &'a Subject,
}

impl Cmd<'_> {
    fn region(&self) -> String {
        self.s
            .region
            .as_deref()
            .map(|r| format!(" --region {}", sh(r)))
            .unwrap_or_default()
    }
    fn cluster(&self) -> String {
        sh(self.s.cluster.as_deref().unwrap_or("<cluster>"))
    }
    fn service(&self) -> String {
        sh(self.s.service.as_deref().unwrap_or("<service>"))
    }
    fn task_def(&self) -> String {
        match (&self.s.family, self.s.revision) {
            (Some(f), Some(r)) => sh(&format!("{f}:{r}")),
            (Some(f), None) => sh(f),
            _ => "<task-definition>".into(),
        }
    }
    fn describe_task(&self) -> NextStep {
        let task = sh(self.s.task_id.as_deref().unwrap_or("<task-id>"));
        step(
            "Read the stopped task: stop code, reason, each container's exit code and reason (ECS keeps stopped tasks for about an hour)",
            format!("aws ecs describe-tasks{} --cluster {} --tasks {task}", self.region(), self.cluster()),
        )
    }
    fn task_definition(&self, title: &str, query: &str) -> NextStep {
        step(
            title,
            format!(
                "aws ecs describe-task-definition{} --task-definition {} --query {}",
                self.region(),
                self.task_def(),
                sh(query)
            ),
        )
    }
    fn logs(&self) -> NextStep {
        let container = self.s.container.as_deref().unwrap_or("<container>");
        let task = self.s.task_id.as_deref().unwrap_or("<task-id>");
        step(
            "Read the container's last log lines (group and prefix are the awslogs-group and awslogs-stream-prefix of its logConfiguration)",
            format!(
                "aws logs get-log-events{} --log-group-name <awslogs-group> --log-stream-name {} --limit 100 --no-start-from-head",
                self.region(),
                sh(&format!("<awslogs-stream-prefix>/{container}/{task}"))
            ),
        )
    }
    fn service_events(&self) -> NextStep {
        step(
            "Read the service's recent events and deployments",
            format!(
                "aws ecs describe-services{} --cluster {} --services {} --query 'services[0].[deployments,events[:10]]'",
                self.region(),
                self.cluster(),
                self.service()
            ),
        )
    }
    fn role(&self, message: Option<&str>) -> NextStep {
        match message.and_then(extract::role_name) {
            Some(role) => step(
                "List the policies of the role that was denied",
                format!(
                    "aws iam list-attached-role-policies --role-name {r} && aws iam list-role-policies --role-name {r}",
                    r = sh(role)
                ),
            ),
            None => step(
                "Check the execution role's permissions (find it with describe-task-definition --query taskDefinition.executionRoleArn)",
                "aws iam list-attached-role-policies --role-name <execution-role-name>".to_owned(),
            ),
        }
    }
    fn network(&self, subnet: Option<&str>, endpoints: &str) -> Vec<NextStep> {
        let subnet_value = subnet.unwrap_or("<subnet-id>");
        vec![
            step(
                "Check the task subnet's route table: a default route to a NAT gateway, or to an internet gateway with assignPublicIp=ENABLED",
                format!(
                    "aws ec2 describe-route-tables{} --filters {} --query 'RouteTables[].Routes[]'",
                    self.region(),
                    sh(&format!("Name=association.subnet-id,Values={subnet_value}"))
                ),
            ),
            step(
                &format!("Without a NAT route, check the VPC endpoints ({endpoints}) and their private DNS"),
                format!("aws ec2 describe-vpc-endpoints{} --filters Name=vpc-id,Values=<vpc-id>", self.region()),
            ),
            step(
                "Check the task's security groups allow outbound HTTPS (443)",
                format!(
                    "aws ec2 describe-security-groups{} --group-ids <security-group-id> --query 'SecurityGroups[].IpPermissionsEgress'",
                    self.region()
                ),
            ),
        ]
    }
    fn image(&self, image: Option<&str>) -> NextStep {
        let parsed = image.and_then(|i| ImageRef::parse(i).ok());
        match parsed {
            Some(img) if img.ecr().is_some() => {
                let id = match (&img.digest, &img.tag) {
                    (Some(d), _) => format!("imageDigest={d}"),
                    (None, Some(t)) => format!("imageTag={t}"),
                    (None, None) => "imageTag=latest".to_owned(),
                };
                let region = img.ecr().map(|(_, r)| r).unwrap_or_default();
                step(
                    "Check that the image tag or digest exists in ECR",
                    format!(
                        "aws ecr describe-images --region {} --repository-name {} --image-ids {}",
                        sh(region),
                        sh(&img.repository),
                        sh(&id)
                    ),
                )
            }
            Some(img) => step(
                "Check that the image exists and which platforms it has",
                format!("docker manifest inspect {}", sh(&img.to_string())),
            ),
            None => step(
                "Check that the image exists in its registry",
                format!("aws ecr describe-images{} --repository-name <repository> --image-ids imageTag=<tag>", self.region()),
            ),
        }
    }
    fn autoscaling(&self) -> NextStep {
        step(
            "Check the service's auto scaling limits (min/max/desired)",
            format!(
                "aws application-autoscaling describe-scalable-targets{} --service-namespace ecs --resource-ids {}",
                self.region(),
                sh(&format!(
                    "service/{}/{}",
                    self.s.cluster.as_deref().unwrap_or("<cluster>"),
                    self.s.service.as_deref().unwrap_or("<service>")
                ))
            ),
        )
    }
    fn container_instances(&self) -> NextStep {
        step(
            "Check the cluster's container instances (status, agent connection, remaining resources)",
            format!(
                "aws ecs describe-container-instances{} --cluster {c} --container-instances $(aws ecs list-container-instances{} --cluster {c} --query 'containerInstanceArns' --output text)",
                self.region(),
                self.region(),
                c = self.cluster()
            ),
        )
    }
}

fn step(title: &str, command: String) -> NextStep {
    NextStep {
        title: title.to_owned(),
        command: Some(command),
    }
}

fn note(title: &str) -> NextStep {
    NextStep {
        title: title.to_owned(),
        command: None,
    }
}

/// The checklist for a category.
pub fn for_category(category: Category, subject: &Subject, hints: Hints<'_>) -> Vec<NextStep> {
    use Category::*;
    let c = Cmd { s: subject };
    let is_task = subject.task_id.is_some();
    let mut steps = Vec::with_capacity(5);
    if is_task {
        steps.push(c.describe_task());
    }
    match category {
        ImagePullNotFound | ImagePullPlatformMismatch | ImagePullRegistryError | ImagePullRateLimited => {
            steps.push(c.image(hints.image));
            match category {
                ImagePullPlatformMismatch => steps.push(c.task_definition(
                    "Compare the task's runtime platform with the image's architectures",
                    "taskDefinition.runtimePlatform",
                )),
                ImagePullRateLimited => steps.push(note(
                    "Mirror the image into ECR (pull-through cache) or authenticate to Docker Hub with repositoryCredentials",
                )),
                _ => steps.push(c.task_definition("Check the image reference in the task definition", "taskDefinition.containerDefinitions[].image")),
            }
        }
        ImagePullAccessDenied => {
            steps.push(c.role(hints.message));
            steps.push(c.image(hints.image));
        }
        ImagePullDiskFull => {
            steps.push(c.task_definition("Compare the task's ephemeral storage with the image size", "taskDefinition.ephemeralStorage"));
            steps.push(c.container_instances());
        }
        ImagePullNetwork => steps.extend(c.network(hints.subnet_id, "ecr.api, ecr.dkr, and the S3 gateway")),
        SecretsFetchNetwork => steps.extend(c.network(hints.subnet_id, "secretsmanager or ssm, and kms if a customer key is used")),
        LogDriverNetwork => steps.extend(c.network(hints.subnet_id, "logs")),
        EnvFileNetwork => steps.extend(c.network(hints.subnet_id, "the S3 gateway")),
        SecretsAccessDenied | SecretsNotFound => {
            steps.push(c.task_definition("List the secrets the task references", "taskDefinition.containerDefinitions[].secrets[].valueFrom"));
            match hints.message.and_then(extract::secret_or_parameter_arn) {
                Some(arn) if arn.contains(":secretsmanager:") => steps.push(step(
                    "Check that the secret exists (and is not scheduled for deletion)",
                    format!("aws secretsmanager describe-secret{} --secret-id {}", c.region(), sh(arn)),
                )),
                Some(arn) => steps.push(step(
                    "Check that the parameter exists",
                    format!("aws ssm get-parameters{} --names {}", c.region(), sh(arn)),
                )),
                None => {}
            }
            if category == SecretsAccessDenied {
                steps.push(c.role(hints.message));
            }
        }
        LogGroupMissing | LogDriverAccessDenied | LogDriverError => {
            steps.push(c.task_definition("Read the log configuration", "taskDefinition.containerDefinitions[].logConfiguration"));
            match category {
                LogGroupMissing => steps.push(step(
                    "Check that the log group exists (or set awslogs-create-group to true and allow logs:CreateLogGroup)",
                    format!("aws logs describe-log-groups{} --log-group-name-prefix <awslogs-group>", c.region()),
                )),
                LogDriverAccessDenied => steps.push(c.role(hints.message)),
                _ => {}
            }
        }
        EnvFileError => {
            steps.push(c.task_definition("List the environment files", "taskDefinition.containerDefinitions[].environmentFiles"));
            steps.push(step("Check that the object exists and the execution role may read it (s3:GetObject, s3:GetBucketLocation)", "aws s3api head-object --bucket <bucket> --key <key>".to_owned()));
            steps.push(c.role(hints.message));
        }
        VolumeMountError => {
            steps.push(c.task_definition("Read the volumes and mount points", "taskDefinition.volumes"));
            steps.push(note("For EFS: check the mount targets in the task's subnets and that their security group allows NFS (2049) from the task"));
        }
        EniProvisioningTimeout => steps.push(step(
            "Check free IP addresses in the task's subnet",
            format!(
                "aws ec2 describe-subnets{} --subnet-ids {} --query 'Subnets[].AvailableIpAddressCount'",
                c.region(),
                sh(hints.subnet_id.unwrap_or("<subnet-id>"))
            ),
        )),
        HostDiskFull | HostDeviceMissing | HostTerminated | InstanceDeregistered | AgentDisconnected
        | ContainerRuntimeTimeout | ContainerRuntimeError => {
            steps.push(c.container_instances());
        }
        ExecFormatError => {
            steps.push(c.task_definition("Compare the task's CPU architecture with the image's", "taskDefinition.runtimePlatform"));
            steps.push(c.image(hints.image));
        }
        CommandNotFound | CommandNotExecutable => {
            steps.push(c.task_definition("Read the entrypoint and command", "taskDefinition.containerDefinitions[].[name,entryPoint,command]"));
            steps.push(c.logs());
        }
        OomKilled => {
            steps.push(c.task_definition("Compare memory limits with the workload (task and container memory, memoryReservation)", "taskDefinition.[memory,containerDefinitions[].[name,memory,memoryReservation]]"));
            steps.push(c.logs());
        }
        AppExitError | Segfault | EphemeralStorageFull | ContainerStartFailed | InternalError => {
            steps.push(c.logs());
            steps.push(c.task_definition("Read the container definition (command, environment names, secrets)", "taskDefinition.containerDefinitions[].[name,image,command,essential]"));
        }
        SigkillAfterStopTimeout => {
            steps.push(c.task_definition("Check stopTimeout and that the entrypoint forwards SIGTERM (exec form, or an init such as tini)", "taskDefinition.containerDefinitions[].[name,stopTimeout,entryPoint,command]"));
            steps.push(c.logs());
        }
        ElbHealthCheckFailed => {
            let tg = hints.message.and_then(extract::target_group_arn).unwrap_or("<target-group-arn>");
            steps.push(step(
                "Read the targets' health and reason codes",
                format!("aws elbv2 describe-target-health{} --target-group-arn {}", c.region(), sh(tg)),
            ));
            steps.push(step(
                "Check the health-check path, port and matcher against the app",
                format!(
                    "aws elbv2 describe-target-groups{} --target-group-arns {} --query 'TargetGroups[].[HealthCheckPath,HealthCheckPort,Matcher,HealthCheckIntervalSeconds,UnhealthyThresholdCount]'",
                    c.region(),
                    sh(tg)
                ),
            ));
            steps.push(c.logs());
        }
        ContainerHealthCheckFailed => {
            steps.push(c.task_definition("Read the container health check (command, interval, retries, startPeriod)", "taskDefinition.containerDefinitions[].[name,healthCheck]"));
            steps.push(c.logs());
        }
        InsufficientResources | PortConflict | QuotaExceeded => {
            steps.push(c.service_events());
            steps.push(c.autoscaling());
            if category != QuotaExceeded {
                steps.push(c.container_instances());
            }
        }
        DeploymentFailed | TaskFailedToStartUnspecified => {
            steps.push(c.service_events());
        }
        SpotInterruption | InfrastructureMaintenance | AwsPlatformIssue => {
            steps.push(c.service_events());
            if category == AwsPlatformIssue {
                steps.push(note("Check the AWS Health Dashboard for your account and region"));
            }
        }
        DeploymentReplaced | ScaleIn | UserStopped | CompletedSuccessfully => {
            steps.push(note("Expected stop: no action needed unless it was not planned"));
            if subject.service.is_some() {
                steps.push(c.service_events());
            }
        }
        Unknown => {
            if subject.service.is_some() {
                steps.push(c.service_events());
            }
            steps.push(c.logs());
        }
    }
    if matches!(category.family(), Family::Placement | Family::Capacity)
        && subject.service.is_none()
    {
        steps.retain(|s| {
            !s.command
                .as_deref()
                .is_some_and(|c| c.contains("<service>"))
        });
    }
    // A bare stop reason carries no identifiers at all: say what to look at rather than nothing.
    if steps.is_empty() {
        steps.push(note("Find the task in the ECS console (Clusters, Tasks, Stopped) or with aws ecs list-tasks --desired-status STOPPED, then read its stop code, reason and exit codes"));
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_are_quoted() {
        assert_eq!(sh("prod-cluster"), "prod-cluster");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("x'; rm -rf /; '"), r"'x'\''; rm -rf /; '\'''");
        assert_eq!(sh("a\nb"), "ab");
    }

    #[test]
    fn a_bare_reason_without_identifiers_still_gets_a_step() {
        for c in Category::ALL {
            assert!(
                !for_category(c, &Subject::default(), Hints::default()).is_empty(),
                "{c}"
            );
        }
    }

    #[test]
    fn every_category_has_a_step() {
        let subject = Subject {
            task_id: Some("t".into()),
            cluster: Some("c".into()),
            ..Subject::default()
        };
        for c in Category::ALL {
            assert!(
                !for_category(c, &subject, Hints::default()).is_empty(),
                "{c}"
            );
        }
    }
}

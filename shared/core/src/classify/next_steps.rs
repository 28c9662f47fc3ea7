//! The on-call checklist steps that apply to a category, each with the AWS CLI command filled in
//! with this event's identifiers. What the event cannot tell (the awslogs group, the execution
//! role) is a visible `<placeholder>`, together with the command that finds it.
//!
//! The steps are built lazily ([`super::model::NextSteps`]): the classifier captures a
//! [`Pending`] and the steps are built on first read. Each command is written into one `String`
//! (no `format!` per fragment), and [`sh`] copies a plain value as it is.

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

/// The identifiers of the subject the commands use, borrowed (from a [`Subject`] or a
/// [`Pending`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct Ids<'a> {
    pub region: Option<&'a str>,
    pub cluster: Option<&'a str>,
    pub service: Option<&'a str>,
    pub task_id: Option<&'a str>,
    pub family: Option<&'a str>,
    pub revision: Option<u32>,
    pub container: Option<&'a str>,
}

impl<'a> Ids<'a> {
    pub fn of(s: &'a Subject) -> Ids<'a> {
        Ids {
            region: s.region.as_deref(),
            cluster: s.cluster.as_deref(),
            service: s.service.as_deref(),
            task_id: s.task_id.as_deref(),
            family: s.family.as_deref(),
            revision: s.revision,
            container: s.container.as_deref(),
        }
    }
}

/// What the steps of one classification are built from, copied out of the event when it is
/// classified: the category, the identifiers and the hints, all text in one buffer (one
/// allocation, instead of the dozen strings of the built steps).
#[derive(Debug, Clone)]
pub struct Pending {
    category: Category,
    revision: Option<u32>,
    text: String,
    /// `(start, end)` in `text` of region, cluster, service, task id, family, container, message,
    /// image and subnet, in that order; [`Pending::NONE`] for a field the event does not have.
    /// (Not `Option`: a smaller `Classification`.)
    spans: [(u32, u32); 9],
}

impl Pending {
    pub fn new(category: Category, ids: Ids<'_>, hints: Hints<'_>) -> Pending {
        let fields = [
            ids.region,
            ids.cluster,
            ids.service,
            ids.task_id,
            ids.family,
            ids.container,
            hints.message,
            hints.image,
            hints.subnet_id,
        ];
        let len: usize = fields.iter().flatten().map(|f| f.len()).sum();
        let mut text = String::with_capacity(len);
        let mut spans = [Pending::NONE; 9];
        // Offsets are u32 (a smaller `Pending`), and `u32::MAX` means no field: inputs of 4 GiB
        // or more (never seen) leave the steps without them.
        if len < u32::MAX as usize {
            for (span, field) in spans.iter_mut().zip(fields) {
                if let Some(f) = field {
                    let start = text.len() as u32;
                    text.push_str(f);
                    *span = (start, text.len() as u32);
                }
            }
        }
        Pending {
            category,
            revision: ids.revision,
            text,
            spans,
        }
    }

    const NONE: (u32, u32) = (u32::MAX, u32::MAX);

    fn field(&self, i: usize) -> Option<&str> {
        let (start, end) = *self.spans.get(i)?;
        self.text.get(start as usize..end as usize)
    }

    pub fn build(&self) -> Vec<NextStep> {
        let f = |i| self.field(i);
        let ids = Ids {
            region: f(0),
            cluster: f(1),
            service: f(2),
            task_id: f(3),
            family: f(4),
            revision: self.revision,
            container: f(5),
        };
        let hints = Hints {
            message: f(6),
            image: f(7),
            subnet_id: f(8),
        };
        for_category(self.category, ids, hints)
    }
}

/// Characters a shell takes literally, so a value made only of them needs no quotes.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b'=' | b',' | b'+' | b'%'
        )
}

/// Quotes a value for a POSIX shell unless it is plainly safe; control characters are dropped so
/// a hostile identifier cannot break the command line it is pasted into.
pub fn sh(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_sh(&mut out, value);
    out
}

/// Appends [`sh`]`(value)` to `out`.
fn push_sh(out: &mut String, value: &str) {
    // The usual identifier (a cluster name, a task id, an ARN) is plain: copied as it is.
    if !value.is_empty() && value.bytes().all(is_plain) {
        out.push_str(value);
        return;
    }
    let kept = || value.chars().filter(|c| !c.is_control());
    let plain = kept().next().is_some() && kept().all(|c| u8::try_from(c).is_ok_and(is_plain));
    if plain {
        out.extend(kept());
        return;
    }
    out.push('\'');
    for c in kept() {
        if c == '\'' {
            out.push_str(r"'\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
}

/// A command line being written: literal text, quoted values, and the region flag.
struct Line<'a> {
    out: String,
    region: Option<&'a str>,
}

impl Line<'_> {
    fn lit(mut self, text: &str) -> Self {
        self.out.push_str(text);
        self
    }
    fn sh(mut self, value: &str) -> Self {
        push_sh(&mut self.out, value);
        self
    }
    /// One value made of several parts, quoted as a whole.
    fn sh_of(self, parts: &[&str]) -> Self {
        if parts.iter().all(|p| p.bytes().all(is_plain)) && parts.iter().any(|p| !p.is_empty()) {
            return parts.iter().fold(self, |l, p| l.lit(p));
        }
        let joined = parts.concat();
        self.sh(&joined)
    }
    /// ` --region <region>` when the region is known.
    fn region(mut self) -> Self {
        if let Some(r) = self.region {
            self.out.push_str(" --region ");
            push_sh(&mut self.out, r);
        }
        self
    }
    fn done(self) -> String {
        self.out
    }
}

struct Cmd<'a> {
    s: Ids<'a>,
}

impl<'a> Cmd<'a> {
    fn line(&self, text: &str) -> Line<'a> {
        let mut out = String::with_capacity(192);
        out.push_str(text);
        Line {
            out,
            region: self.s.region,
        }
    }
    fn cluster(&self) -> &'a str {
        self.s.cluster.unwrap_or("<cluster>")
    }
    fn service(&self) -> &'a str {
        self.s.service.unwrap_or("<service>")
    }
    /// `--task-definition` value: `family:revision`, quoted as a whole.
    fn task_def<'l>(&self, line: Line<'l>) -> Line<'l> {
        match (self.s.family, self.s.revision) {
            (Some(f), Some(r)) => line.sh_of(&[f, ":", &r.to_string()]),
            (Some(f), None) => line.sh(f),
            _ => line.lit("<task-definition>"),
        }
    }
    fn describe_task(&self) -> NextStep {
        let task = self.s.task_id.unwrap_or("<task-id>");
        step(
            "Read the stopped task: stop code, reason, each container's exit code and reason (ECS keeps stopped tasks for about an hour)",
            self.line("aws ecs describe-tasks")
                .region()
                .lit(" --cluster ")
                .sh(self.cluster())
                .lit(" --tasks ")
                .sh(task)
                .done(),
        )
    }
    fn task_definition(&self, title: &str, query: &str) -> NextStep {
        let line = self
            .line("aws ecs describe-task-definition")
            .region()
            .lit(" --task-definition ");
        step(title, self.task_def(line).lit(" --query ").sh(query).done())
    }
    fn logs(&self) -> NextStep {
        let container = self.s.container.unwrap_or("<container>");
        let task = self.s.task_id.unwrap_or("<task-id>");
        step(
            "Read the container's last log lines (group and prefix are the awslogs-group and awslogs-stream-prefix of its logConfiguration)",
            self.line("aws logs get-log-events")
                .region()
                .lit(" --log-group-name <awslogs-group> --log-stream-name ")
                .sh_of(&["<awslogs-stream-prefix>/", container, "/", task])
                .lit(" --limit 100 --no-start-from-head")
                .done(),
        )
    }
    fn service_events(&self) -> NextStep {
        step(
            "Read the service's recent events and deployments",
            self.line("aws ecs describe-services")
                .region()
                .lit(" --cluster ")
                .sh(self.cluster())
                .lit(" --services ")
                .sh(self.service())
                .lit(" --query 'services[0].[deployments,events[:10]]'")
                .done(),
        )
    }
    fn role(&self, message: Option<&str>) -> NextStep {
        match message.and_then(extract::role_name) {
            Some(role) => step(
                "List the policies of the role that was denied",
                self.line("aws iam list-attached-role-policies --role-name ")
                    .sh(role)
                    .lit(" && aws iam list-role-policies --role-name ")
                    .sh(role)
                    .done(),
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
                self.line("aws ec2 describe-route-tables")
                    .region()
                    .lit(" --filters ")
                    .sh_of(&["Name=association.subnet-id,Values=", subnet_value])
                    .lit(" --query 'RouteTables[].Routes[]'")
                    .done(),
            ),
            step(
                &format!("Without a NAT route, check the VPC endpoints ({endpoints}) and their private DNS"),
                self.line("aws ec2 describe-vpc-endpoints")
                    .region()
                    .lit(" --filters Name=vpc-id,Values=<vpc-id>")
                    .done(),
            ),
            step(
                "Check the task's security groups allow outbound HTTPS (443)",
                self.line("aws ec2 describe-security-groups")
                    .region()
                    .lit(" --group-ids <security-group-id> --query 'SecurityGroups[].IpPermissionsEgress'")
                    .done(),
            ),
        ]
    }
    fn image(&self, image: Option<&str>) -> NextStep {
        let parsed = image.and_then(|i| ImageRef::parse(i).ok());
        match parsed {
            Some(img) if img.ecr().is_some() => {
                let id: [&str; 2] = match (&img.digest, &img.tag) {
                    (Some(d), _) => ["imageDigest=", d],
                    (None, Some(t)) => ["imageTag=", t],
                    (None, None) => ["imageTag=latest", ""],
                };
                let region = img.ecr().map(|(_, r)| r).unwrap_or_default();
                step(
                    "Check that the image tag or digest exists in ECR",
                    self.line("aws ecr describe-images --region ")
                        .sh(region)
                        .lit(" --repository-name ")
                        .sh(&img.repository)
                        .lit(" --image-ids ")
                        .sh_of(&id)
                        .done(),
                )
            }
            Some(img) => step(
                "Check that the image exists and which platforms it has",
                self.line("docker manifest inspect ")
                    .sh(&img.to_string())
                    .done(),
            ),
            None => step(
                "Check that the image exists in its registry",
                self.line("aws ecr describe-images")
                    .region()
                    .lit(" --repository-name <repository> --image-ids imageTag=<tag>")
                    .done(),
            ),
        }
    }
    fn autoscaling(&self) -> NextStep {
        step(
            "Check the service's auto scaling limits (min/max/desired)",
            self.line("aws application-autoscaling describe-scalable-targets")
                .region()
                .lit(" --service-namespace ecs --resource-ids ")
                .sh_of(&["service/", self.cluster(), "/", self.service()])
                .done(),
        )
    }
    fn container_instances(&self) -> NextStep {
        let c = self.cluster();
        step(
            "Check the cluster's container instances (status, agent connection, remaining resources)",
            self.line("aws ecs describe-container-instances")
                .region()
                .lit(" --cluster ")
                .sh(c)
                .lit(" --container-instances $(aws ecs list-container-instances")
                .region()
                .lit(" --cluster ")
                .sh(c)
                .lit(" --query 'containerInstanceArns' --output text)")
                .done(),
        )
    }
    fn describe_secret(&self, arn: &str) -> NextStep {
        step(
            "Check that the secret exists (and is not scheduled for deletion)",
            self.line("aws secretsmanager describe-secret")
                .region()
                .lit(" --secret-id ")
                .sh(arn)
                .done(),
        )
    }
    fn get_parameters(&self, arn: &str) -> NextStep {
        step(
            "Check that the parameter exists",
            self.line("aws ssm get-parameters")
                .region()
                .lit(" --names ")
                .sh(arn)
                .done(),
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
pub fn for_category(category: Category, subject: Ids<'_>, hints: Hints<'_>) -> Vec<NextStep> {
    use Category::*;
    let c = Cmd { s: subject };
    let is_task = subject.task_id.is_some();
    let mut steps = Vec::with_capacity(5);
    if is_task {
        steps.push(c.describe_task());
    }
    match category {
        ImagePullNotFound
        | ImagePullPlatformMismatch
        | ImagePullRegistryError
        | ImagePullRateLimited => {
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
            steps.push(c.task_definition(
                "Compare the task's ephemeral storage with the image size",
                "taskDefinition.ephemeralStorage",
            ));
            steps.push(c.container_instances());
        }
        ImagePullNetwork => {
            steps.extend(c.network(hints.subnet_id, "ecr.api, ecr.dkr, and the S3 gateway"))
        }
        SecretsFetchNetwork => steps.extend(c.network(
            hints.subnet_id,
            "secretsmanager or ssm, and kms if a customer key is used",
        )),
        LogDriverNetwork => steps.extend(c.network(hints.subnet_id, "logs")),
        EnvFileNetwork => steps.extend(c.network(hints.subnet_id, "the S3 gateway")),
        SecretsAccessDenied | SecretsNotFound => {
            steps.push(c.task_definition(
                "List the secrets the task references",
                "taskDefinition.containerDefinitions[].secrets[].valueFrom",
            ));
            match hints.message.and_then(extract::secret_or_parameter_arn) {
                Some(arn) if arn.contains(":secretsmanager:") => steps.push(c.describe_secret(arn)),
                Some(arn) => steps.push(c.get_parameters(arn)),
                None => {}
            }
            if category == SecretsAccessDenied {
                steps.push(c.role(hints.message));
            }
        }
        LogGroupMissing | LogDriverAccessDenied | LogDriverError => {
            steps.push(c.task_definition(
                "Read the log configuration",
                "taskDefinition.containerDefinitions[].logConfiguration",
            ));
            match category {
                LogGroupMissing => steps.push(step(
                    "Check that the log group exists (or set awslogs-create-group to true and allow logs:CreateLogGroup)",
                    c.line("aws logs describe-log-groups").region().lit(" --log-group-name-prefix <awslogs-group>").done(),
                )),
                LogDriverAccessDenied => steps.push(c.role(hints.message)),
                _ => {}
            }
        }
        EnvFileError => {
            steps.push(c.task_definition(
                "List the environment files",
                "taskDefinition.containerDefinitions[].environmentFiles",
            ));
            steps.push(step("Check that the object exists and the execution role may read it (s3:GetObject, s3:GetBucketLocation)", "aws s3api head-object --bucket <bucket> --key <key>".to_owned()));
            steps.push(c.role(hints.message));
        }
        VolumeMountError => {
            steps.push(c.task_definition(
                "Read the volumes and mount points",
                "taskDefinition.volumes",
            ));
            steps.push(note("For EFS: check the mount targets in the task's subnets and that their security group allows NFS (2049) from the task"));
        }
        EniProvisioningTimeout => steps.push(step(
            "Check free IP addresses in the task's subnet",
            c.line("aws ec2 describe-subnets")
                .region()
                .lit(" --subnet-ids ")
                .sh(hints.subnet_id.unwrap_or("<subnet-id>"))
                .lit(" --query 'Subnets[].AvailableIpAddressCount'")
                .done(),
        )),
        HostDiskFull
        | HostDeviceMissing
        | HostTerminated
        | InstanceDeregistered
        | AgentDisconnected
        | ContainerRuntimeTimeout
        | ContainerRuntimeError => {
            steps.push(c.container_instances());
        }
        ExecFormatError => {
            steps.push(c.task_definition(
                "Compare the task's CPU architecture with the image's",
                "taskDefinition.runtimePlatform",
            ));
            steps.push(c.image(hints.image));
        }
        CommandNotFound | CommandNotExecutable => {
            steps.push(c.task_definition(
                "Read the entrypoint and command",
                "taskDefinition.containerDefinitions[].[name,entryPoint,command]",
            ));
            steps.push(c.logs());
        }
        OomKilled => {
            steps.push(c.task_definition("Compare memory limits with the workload (task and container memory, memoryReservation)", "taskDefinition.[memory,containerDefinitions[].[name,memory,memoryReservation]]"));
            steps.push(c.logs());
        }
        AppExitError | Segfault | EphemeralStorageFull | ContainerStartFailed | InternalError => {
            steps.push(c.logs());
            steps.push(c.task_definition(
                "Read the container definition (command, environment names, secrets)",
                "taskDefinition.containerDefinitions[].[name,image,command,essential]",
            ));
        }
        SigkillAfterStopTimeout => {
            steps.push(c.task_definition("Check stopTimeout and that the entrypoint forwards SIGTERM (exec form, or an init such as tini)", "taskDefinition.containerDefinitions[].[name,stopTimeout,entryPoint,command]"));
            steps.push(c.logs());
        }
        ElbHealthCheckFailed => {
            let tg = hints
                .message
                .and_then(extract::target_group_arn)
                .unwrap_or("<target-group-arn>");
            steps.push(step(
                "Read the targets' health and reason codes",
                c.line("aws elbv2 describe-target-health")
                    .region()
                    .lit(" --target-group-arn ")
                    .sh(tg)
                    .done(),
            ));
            steps.push(step(
                "Check the health-check path, port and matcher against the app",
                c.line("aws elbv2 describe-target-groups")
                    .region()
                    .lit(" --target-group-arns ")
                    .sh(tg)
                    .lit(" --query 'TargetGroups[].[HealthCheckPath,HealthCheckPort,Matcher,HealthCheckIntervalSeconds,UnhealthyThresholdCount]'")
                    .done(),
            ));
            steps.push(c.logs());
        }
        ContainerHealthCheckFailed => {
            steps.push(c.task_definition(
                "Read the container health check (command, interval, retries, startPeriod)",
                "taskDefinition.containerDefinitions[].[name,healthCheck]",
            ));
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
                steps.push(note(
                    "Check the AWS Health Dashboard for your account and region",
                ));
            }
        }
        DeploymentReplaced | ScaleIn | UserStopped | CompletedSuccessfully => {
            steps.push(note(
                "Expected stop: no action needed unless it was not planned",
            ));
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
                !for_category(c, Ids::default(), Hints::default()).is_empty(),
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
                !for_category(c, Ids::of(&subject), Hints::default()).is_empty(),
                "{c}"
            );
        }
    }
}

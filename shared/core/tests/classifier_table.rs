//! Table-driven tests of the classifier on documented and publicly reported stop reasons. Each
//! row reads as a sentence: this message (with this stop code and these containers) is that
//! category. The texts come from the AWS documentation pages cited in the rule modules and from
//! public reports; they are regression tests of the rules, not the rules' source.

use ecs_triage_core::classify::{assess, Assessment};
use ecs_triage_core::event::{parse_input, EcsEvent};
use serde_json::{json, Value};

fn classify(detail: Value) -> String {
    let (_, events) = parse_input(detail.to_string().as_bytes()).expect("parses");
    let event: &EcsEvent = &events[0];
    match assess(event) {
        Assessment::Classified(c) => c.category.label().to_owned(),
        other => other.kind().to_owned(),
    }
}

fn reason(r: &str) -> Value {
    json!({ "lastStatus": "STOPPED", "stoppedReason": r })
}

fn check(rows: &[(&str, Value)]) {
    let mut failures = Vec::new();
    for (expected, detail) in rows {
        let got = classify(detail.clone());
        if got != *expected {
            failures.push(format!("expected {expected}, got {got}: {detail}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} misclassified:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn image_pull_reasons() {
    check(&[
        ("image_pull_not_found", reason("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 111122223333.dkr.ecr.us-east-1.amazonaws.com/app:v2: 111122223333.dkr.ecr.us-east-1.amazonaws.com/app:v2: not found")),
        ("image_pull_not_found", reason("CannotPullContainerError: API error (404): repository 111122223333.dkr.ecr.us-east-1.amazonaws.com/app not found")),
        ("image_pull_not_found", reason("CannotPullContainerError: Error response from daemon: manifest for nginx:lates not found: manifest unknown: manifest unknown")),
        ("image_pull_not_found", reason("InternalError: failed to create container model: failed to normalize image reference \"app:latest \". ")),
        ("image_pull_not_found", reason("CannotPullContainerError: The task can\u{2019}t pull the image. Check whether the image exists. Error response from daemon: pull access denied for x")),
        ("image_pull_access_denied", reason("CannotPullContainerError: Error response from daemon: pull access denied for myrepo/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")),
        ("image_pull_access_denied", reason("CannotPullContainerError: Error response from daemon: Get https://registry.example.com/v2/app/manifests/1: no basic auth credentials")),
        ("image_pull_access_denied", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/exec/abc is not authorized to perform: ecr:GetAuthorizationToken on resource: *")),
        ("image_pull_access_denied", reason("CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: unexpected status code https://111122223333.dkr.ecr.us-east-1.amazonaws.com/v2/app/blobs/sha256:ab: 403 Forbidden")),
        ("image_pull_network", reason("CannotPullContainerError: Error response from daemon: Get https://111122223333.dkr.ecr.us-east-1.amazonaws.com/v2/: net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)")),
        ("image_pull_network", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 52.46.140.3:443: i/o timeout")),
        ("image_pull_network", reason("ResourceInitializationError: unable to pull secrets or registry auth: pull command failed: : signal: killed")),
        ("image_pull_network", reason("ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task network configuration.")),
        ("image_pull_network", reason("CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReadSeeker: failed open: failed to do request: Get \"https://prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com/x\": dial tcp 52.216.0.1:443: i/o timeout")),
        ("image_pull_network", reason("CannotPullContainerError: context canceled")),
        ("image_pull_rate_limited", reason("CannotPullContainerError: inspect image has been retried 1 time(s): httpReaderSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:abc: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.")),
        ("image_pull_disk_full", reason("CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob111111111: no space left on device")),
        ("image_pull_platform_mismatch", reason("CannotPullContainerError: image Manifest does not contain descriptor matching platform 'linux/arm64/v8'")),
        ("image_pull_platform_mismatch", reason("CannotPullContainerError: Error response from daemon: no matching manifest for linux/arm64/v8 in the manifest list entries")),
        ("image_pull_registry_error", reason("CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReaderSeeker: failed open: unexpected status code https://quay.io/v2/x/blobs/sha256:1: 502 Bad Gateway")),
    ]);
}

#[test]
fn resource_initialization_reasons() {
    check(&[
        ("secrets_access_denied", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCd from secrets manager: AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/ecsTaskExecutionRole/abc is not authorized")),
        ("secrets_access_denied", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret x from secrets manager: AccessDeniedException: Access to KMS is not allowed")),
        ("secrets_fetch_network", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret x from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded")),
        ("secrets_fetch_network", reason("ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secrets from ssm: The task cannot pull secrets from AWS Systems Manager: There is a connection issue between the task and AWS Systems Manager Parameter Store. Check your task network configuration.")),
        ("secrets_not_found", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): InvalidParameters: Invalid parameters: [/prod/db/password]")),
        ("secrets_not_found", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret x from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.")),
        ("secrets_not_found", reason("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key password")),
        ("log_group_missing", reason("ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1")),
        ("log_group_missing", reason("CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist.")),
        ("log_driver_network", reason("ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group defined in the task definition. There is a connection issue between the task and Amazon CloudWatch. Check your network configuration. : signal: killed")),
        ("log_driver_access_denied", reason("ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: User: arn:aws:sts::1:assumed-role/exec/x is not authorized to perform: logs:CreateLogStream")),
        ("log_driver_error", reason("CannotStartContainerError: Error response from daemon: failed to initialize logging driver: NoCredentialProviders: no valid providers in chain. Deprecated.")),
        ("env_file_error", reason("ResourceInitializationError: failed to download env files: file download command: non empty error stream: service call has been retried 5 time(s): AccessDenied: Access Denied status code: 403")),
        ("env_file_error", reason("ResourceInitializationError: failed to download env files: file download command: non empty error stream: NoSuchKey: The specified key does not exist.")),
        ("env_file_network", reason("ResourceInitializationError: failed to download env files: file download command: non empty error stream: service call has been retried 5 time(s): RequestCanceled: request context canceled caused by: context deadline exceeded")),
        ("volume_mount_error", reason("ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: Failed to resolve \"fs-12345678.efs.us-east-1.amazonaws.com\" - check that your file system ID is correct")),
        ("volume_mount_error", reason("ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: b'mount.nfs4: access denied by server while mounting 127.0.0.1:/'")),
        ("eni_provisioning_timeout", reason("Timeout waiting for network interface provisioning to complete.")),
    ]);
}

#[test]
fn container_start_and_runtime_reasons() {
    check(&[
        ("command_not_found", reason("CannotStartContainerError: Error response from daemon: OCI runtime create failed: container_linux.go:349: starting container process caused \"exec: \\\"/entrypoint.sh\\\": stat /entrypoint.sh: no such file or directory\": unknown")),
        ("command_not_found", reason("CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"python\": executable file not found in $PATH: unknown")),
        ("command_not_executable", reason("CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"/app/run.sh\": permission denied: unknown")),
        ("exec_format_error", reason("CannotStartContainerError: Error response from daemon: failed to create shim: OCI runtime create failed: container_linux.go:380: starting container process caused: exec format error: unknown")),
        ("volume_mount_error", reason("CannotStartContainerError: Error response from daemon: failed to create shim: OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: rootfs_linux.go:76: mounting \"/efs\" to rootfs at \"/data\" caused: mount through procfd: no such file or directory: unknown")),
        ("port_conflict", reason("CannotStartContainerError: Error response from daemon: driver failed programming external connectivity on endpoint ecs-web-1-web (abc): Bind for 0.0.0.0:80 failed: port is already allocated")),
        ("host_disk_full", reason("CannotCreateContainerError: Error response from daemon: devmapper: Thin Pool has 4350 free data blocks which is less than minimum required 4454 free data blocks. Create more free space in thin pool or use dm.min_free_space option to change behavior")),
        ("host_device_missing", reason("CannotStartContainerError: Error response from daemon: error gathering device information while adding custom device \"/dev/xvdf\": no such file or directory")),
        ("container_runtime_timeout", reason("DockerTimeoutError: Could not transition to created; timed out after waiting 4m0s")),
        ("container_runtime_timeout", reason("CannotInspectContainerError: Could not transition to inspecting; timed out after waiting 30s")),
        ("container_runtime_error", reason("CannotStopContainerError: API error (500): Error response from daemon")),
        ("container_runtime_error", reason("CannotCreateContainerError: Error response from daemon: Conflict. The container name \"/ecs-web-1\" is already in use by container abc")),
        ("container_start_failed", reason("CannotStartContainerError: Error response from daemon: Cannot link to a non running container")),
        ("internal_error", reason("InternalError: unexpected EOF")),
    ]);
}

#[test]
fn scheduler_platform_and_user_reasons() {
    let scaling = "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)";
    check(&[
        ("elb_health_check_failed", reason("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web/0123456789abcdef)")),
        ("elb_health_check_failed", reason("Task failed ELB health checks in (elb my-classic-elb)")),
        ("container_health_check_failed", reason("Task failed container health checks")),
        ("infrastructure_maintenance", reason("Service my-svc: ECS is performing maintenance on the underlying infrastructure hosting the task")),
        ("spot_interruption", reason("Your Spot Task was interrupted.")),
        ("spot_interruption", json!({"stopCode": "SpotInterruption", "stoppedReason": "Your Spot Task was interrupted."})),
        ("host_terminated", reason("Host EC2 (instance i-0123456789abcdef0) terminated.")),
        ("host_terminated", json!({"stopCode": "TerminationNotice", "stoppedReason": "Host EC2 (instance i-0123456789abcdef0) terminated."})),
        ("instance_deregistered", reason("Container instance deregistration forced by user")),
        ("user_stopped", reason("Task stopped by user")),
        ("user_stopped", json!({"stopCode": "UserInitiated", "stoppedReason": "nightly cleanup by ops-bot"})),
        ("deployment_replaced", reason(scaling)),
        ("deployment_replaced", json!({"stoppedReason": scaling, "startedBy": "ecs-svc/9999999999999999999"})),
        ("scale_in", json!({"stoppedReason": scaling, "startedBy": "ecs-svc/1234567890123456789"})),
        ("task_failed_to_start_unspecified", reason("ECS deployment circuit breaker: tasks failed to start.")),
        ("task_failed_to_start_unspecified", reason("ECS was unable to assume the role 'arn:aws:iam::111122223333:role/app' that was provided for this task.")),
        ("quota_exceeded", reason("You\u{2019}ve reached the limit on the number of tasks you can run concurrently")),
        ("insufficient_resources", reason("service web was unable to place a task because no container instance met all of its requirements. The closest matching container-instance abc has insufficient memory available.")),
        ("port_conflict", reason("service web was unable to place a task because no container instance met all of its requirements. The closest matching container-instance abc is already using a port required by your task.")),
        ("agent_disconnected", reason("service web was unable to place a task because no container instance met all of its requirements. The closest matching container-instance abc encountered error \"AGENT\".")),
        ("oom_killed", reason("OutOfMemoryError: Container killed due to memory usage")),
    ]);
}

fn essential(code: &str, group: &str, containers: Value) -> Value {
    json!({"stopCode": code, "stoppedReason": "Essential container in task exited", "group": group, "containers": containers})
}

#[test]
fn exit_codes_read_in_context() {
    let svc = "service:web";
    let batch = "family:nightly";
    check(&[
        (
            "oom_killed",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "app", "exitCode": 137, "reason": "OutOfMemoryError: Container killed due to memory usage"}]),
            ),
        ),
        (
            "sigkill_after_stop_timeout",
            essential(
                "ServiceSchedulerInitiated",
                svc,
                json!([{"name": "app", "exitCode": 137}]),
            ),
        ),
        (
            "segfault",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "app", "exitCode": 139}]),
            ),
        ),
        (
            "command_not_executable",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "app", "exitCode": 126}]),
            ),
        ),
        (
            "command_not_found",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "app", "exitCode": 127}]),
            ),
        ),
        (
            "app_exit_error",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "app", "exitCode": 0}]),
            ),
        ),
        (
            "completed_successfully",
            essential(
                "EssentialContainerExited",
                batch,
                json!([{"name": "job", "exitCode": 0}, {"name": "log_router", "exitCode": 137}]),
            ),
        ),
        (
            "app_exit_error",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "envoy", "exitCode": 137}, {"name": "app", "exitCode": 1}, {"name": "xray-daemon", "exitCode": 143}]),
            ),
        ),
        (
            "segfault",
            essential(
                "EssentialContainerExited",
                svc,
                json!([{"name": "app", "exitCode": 143}, {"name": "envoy", "exitCode": 139}]),
            ),
        ),
        (
            "task_failed_to_start_unspecified",
            essential("TaskFailedToStart", svc, json!([{"name": "app"}])),
        ),
        (
            "container_runtime_timeout",
            json!({"stopCode": "TaskFailedToStart", "stoppedReason": "Task failed to start", "containers": [{"name": "app", "reason": "DockerTimeoutError: Could not transition to created; timed out after waiting 4m0s"}]}),
        ),
        // An expected stop whose application needed SIGKILL: the shutdown is the defect.
        (
            "sigkill_after_stop_timeout",
            json!({"stopCode": "ServiceSchedulerInitiated", "stoppedReason": "Scaling activity initiated by (deployment ecs-svc/1)", "startedBy": "ecs-svc/0", "containers": [{"name": "app", "exitCode": 137}]}),
        ),
        (
            "sigkill_after_stop_timeout",
            json!({"stopCode": "UserInitiated", "stoppedReason": "Task stopped by user", "containers": [{"name": "app", "exitCode": 137}]}),
        ),
        // ... but not when only a sidecar needed it, nor when the app shut down cleanly.
        (
            "deployment_replaced",
            json!({"stopCode": "ServiceSchedulerInitiated", "stoppedReason": "Scaling activity initiated by (deployment ecs-svc/1)", "startedBy": "ecs-svc/0", "containers": [{"name": "app", "exitCode": 143}, {"name": "envoy", "exitCode": 137}]}),
        ),
        // A failure stop keeps its own cause: 137 is only how the container ended.
        (
            "elb_health_check_failed",
            json!({"stopCode": "ServiceSchedulerInitiated", "stoppedReason": "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:r:1:targetgroup/x/y)", "containers": [{"name": "app", "exitCode": 137}]}),
        ),
    ]);
}

#[test]
fn matching_survives_case_quotes_whitespace_and_unknown_stop_codes() {
    check(&[
        (
            "elb_health_check_failed",
            reason("TASK FAILED ELB HEALTH CHECKS IN (TARGET-GROUP X)"),
        ),
        (
            "image_pull_not_found",
            reason("CannotPullContainerError:   manifest\nunknown"),
        ),
        (
            "user_stopped",
            json!({"stopCode": "SomeFutureCode", "stoppedReason": "Task stopped by user"}),
        ),
        (
            "unknown",
            json!({"stopCode": "SomeFutureCode", "stoppedReason": "something nobody has seen"}),
        ),
    ]);
}

#[test]
fn service_and_deployment_events() {
    let placement = |r: &str| json!({"eventType": "WARN", "eventName": "SERVICE_TASK_PLACEMENT_FAILURE", "reason": r});
    check(&[
        ("insufficient_resources", placement("RESOURCE:MEMORY")),
        ("insufficient_resources", placement("RESOURCE:FARGATE")),
        ("port_conflict", placement("RESOURCE:PORTS_TCP")),
        ("agent_disconnected", placement("AGENT")),
        (
            "task_failed_to_start_unspecified",
            json!({"eventType": "WARN", "eventName": "SERVICE_TASK_START_IMPAIRED"}),
        ),
        (
            "recovery",
            json!({"eventType": "INFO", "eventName": "SERVICE_STEADY_STATE"}),
        ),
        (
            "deployment_failed",
            json!({"eventType": "ERROR", "eventName": "SERVICE_DEPLOYMENT_FAILED", "deploymentId": "ecs-svc/1", "reason": "ECS deployment circuit breaker: task failed to start."}),
        ),
        (
            "recovery",
            json!({"eventType": "INFO", "eventName": "SERVICE_DEPLOYMENT_COMPLETED", "deploymentId": "ecs-svc/1"}),
        ),
        (
            "informational",
            json!({"eventType": "INFO", "eventName": "SERVICE_DEPLOYMENT_IN_PROGRESS", "deploymentId": "ecs-svc/1"}),
        ),
    ]);
}

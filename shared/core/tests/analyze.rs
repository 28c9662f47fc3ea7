//! The diagnosis analyses, one module per analysis. Each test reads as a sentence: this
//! configuration yields (or does not yield) that finding. Views are built from small helpers so
//! every test shows only what matters to its rule.

use ecs_triage_core::diagnose::analyze::*;
use ecs_triage_core::diagnose::view::*;
use ecs_triage_core::diagnose::{Check, Finding, Verdict};
use ecs_triage_core::event::{Container, TaskStateChange};
use ecs_triage_core::Category;

const TD_ARN: &str = "arn:aws:ecs:us-east-1:111122223333:task-definition/orders:42";
const TASK_ARN: &str = "arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef";
const ECR: &str = "111122223333.dkr.ecr.us-east-1.amazonaws.com";

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn container(name: &str, image: &str) -> ContainerDefinitionView {
    ContainerDefinitionView {
        name: name.to_owned(),
        image: image.to_owned(),
        essential: true,
        ..Default::default()
    }
}

fn api() -> ContainerDefinitionView {
    container("api", &format!("{ECR}/team/orders-api:1.4.2"))
}

fn awslogs(group: &str, prefix: Option<&str>) -> Option<LogConfigView> {
    let mut opts = vec![("awslogs-group".to_owned(), group.to_owned())];
    if let Some(p) = prefix {
        opts.push(("awslogs-stream-prefix".to_owned(), p.to_owned()));
    }
    Some(LogConfigView::safe("awslogs", opts))
}

fn td(containers: Vec<ContainerDefinitionView>) -> TaskDefinitionView {
    TaskDefinitionView {
        arn: TD_ARN.to_owned(),
        family: "orders".to_owned(),
        revision: 42,
        cpu: Some("256".to_owned()),
        memory: Some("512".to_owned()),
        network_mode: Some("awsvpc".to_owned()),
        requires_compatibilities: strings(&["FARGATE"]),
        execution_role_arn: Some("arn:aws:iam::111122223333:role/exec".to_owned()),
        task_role_arn: Some("arn:aws:iam::111122223333:role/app".to_owned()),
        containers,
        ..Default::default()
    }
}

fn ec2_td(mode: &str, containers: Vec<ContainerDefinitionView>) -> TaskDefinitionView {
    TaskDefinitionView {
        network_mode: Some(mode.to_owned()),
        requires_compatibilities: strings(&["EC2"]),
        cpu: None,
        memory: None,
        ..td(containers)
    }
}

fn task() -> TaskStateChange {
    TaskStateChange {
        task_arn: Some(TASK_ARN.to_owned()),
        task_definition_arn: Some(TD_ARN.to_owned()),
        launch_type: Some("FARGATE".to_owned()),
        containers: vec![Container {
            name: Some("api".to_owned()),
            image: Some(format!("{ECR}/team/orders-api:1.4.2")),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn problems(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter()
        .filter(|f| f.verdict == Verdict::Problem)
        .collect()
}

fn refining(fs: &[Finding], c: Category) -> Option<&Finding> {
    fs.iter().find(|f| f.refines == Some(c))
}

fn with_summary<'a>(fs: &'a [Finding], needle: &str) -> Option<&'a Finding> {
    fs.iter().find(|f| f.summary.contains(needle))
}

fn dump(fs: &[Finding]) -> String {
    fs.iter()
        .map(|f| {
            format!(
                "[{:?} {:?}] {} {:?}",
                f.verdict, f.refines, f.summary, f.details
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

mod taskdef {
    use super::*;

    fn analyze(td: &TaskDefinitionView, blamed: Option<&str>, c: Category) -> Vec<Finding> {
        analyze_task_definition(td, &task(), blamed, c)
    }

    #[test]
    fn awslogs_stream_is_prefix_container_and_task_id_even_from_an_arn() {
        assert_eq!(
            awslogs_stream_name("ecs", "api", "abc123"),
            "ecs/api/abc123"
        );
        assert_eq!(
            awslogs_stream_name("ecs", "api", TASK_ARN),
            "ecs/api/0123456789abcdef"
        );
    }

    #[test]
    fn log_stream_needs_awslogs_with_group_and_prefix() {
        let mut with_prefix = api();
        with_prefix.log = awslogs("/ecs/orders", Some("ecs"));
        let mut no_prefix = container("worker", "busybox");
        no_prefix.log = awslogs("/ecs/orders", None);
        let mut firelens = container("router", "fluent-bit");
        firelens.log = Some(LogConfigView::safe("awsfirelens", []));
        let td = td(vec![with_prefix, no_prefix, firelens]);
        assert_eq!(log_stream(&td, "api"), Some(("/ecs/orders", "ecs")));
        assert_eq!(log_stream(&td, "worker"), None);
        assert_eq!(log_stream(&td, "router"), None);
        assert_eq!(log_stream(&td, "missing"), None);
    }

    #[test]
    fn logs_finding_names_the_exact_awslogs_stream() {
        let mut c = api();
        c.log = awslogs("/ecs/orders", Some("ecs"));
        let fs = analyze(&td(vec![c]), Some("api"), Category::AppExitError);
        let f = fs
            .iter()
            .find(|f| f.check == Check::Logs)
            .expect("a logs finding");
        assert_eq!(f.verdict, Verdict::Info);
        assert!(
            f.summary
                .contains("group /ecs/orders, stream ecs/api/0123456789abcdef"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn other_log_drivers_say_where_the_logs_are_instead() {
        let rows = [
            ("awsfirelens", vec![("Name", "datadog")], "FireLens"),
            (
                "splunk",
                vec![("splunk-url", "https://splunk.example:8088")],
                "Splunk at https://splunk.example:8088",
            ),
            (
                "fluentd",
                vec![("fluentd-address", "10.0.0.5:24224")],
                "fluentd at 10.0.0.5:24224",
            ),
        ];
        for (driver, opts, expected) in rows {
            let mut c = api();
            c.log = Some(LogConfigView::safe(
                driver,
                opts.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            ));
            let fs = analyze(&td(vec![c]), Some("api"), Category::AppExitError);
            let f = fs
                .iter()
                .find(|f| f.check == Check::Logs)
                .expect("a logs finding");
            assert_eq!(f.verdict, Verdict::Info, "{driver}");
            assert!(
                f.summary.contains("not in CloudWatch Logs"),
                "{driver}: {}",
                f.summary
            );
            assert!(f.summary.contains(expected), "{driver}: {}", f.summary);
        }
    }

    #[test]
    fn a_container_without_log_configuration_is_a_warning() {
        let fs = analyze(&td(vec![api()]), Some("api"), Category::AppExitError);
        let f = fs
            .iter()
            .find(|f| f.check == Check::Logs)
            .expect("a logs finding");
        assert_eq!(f.verdict, Verdict::Warning);
        assert!(f.summary.contains("api"));
    }

    #[test]
    fn an_image_that_differs_from_the_event_is_flagged_and_a_match_is_not() {
        let fs = analyze(&td(vec![api()]), Some("api"), Category::AppExitError);
        assert!(with_summary(&fs, "ran image").is_none(), "{}", dump(&fs));
        let mut changed = api();
        changed.image = format!("{ECR}/team/orders-api:1.4.3");
        let fs = analyze(&td(vec![changed]), Some("api"), Category::AppExitError);
        let f = with_summary(&fs, "ran image").expect("a mismatch finding");
        assert_eq!(f.verdict, Verdict::Warning);
    }

    #[test]
    fn a_blamed_container_that_is_not_essential_cannot_stop_the_task() {
        let mut sidecar = container("xray", "amazon/aws-xray-daemon");
        sidecar.essential = false;
        let fs = analyze(
            &td(vec![api(), sidecar]),
            Some("xray"),
            Category::AppExitError,
        );
        let f = with_summary(&fs, "is not essential").expect("essential finding");
        assert_eq!(f.verdict, Verdict::Warning);
        assert!(
            f.summary.contains("look at the essential api"),
            "{}",
            f.summary
        );
        let fs = analyze(&td(vec![api()]), Some("api"), Category::AppExitError);
        assert!(with_summary(&fs, "is not essential").is_none());
    }

    #[test]
    fn oom_names_the_hard_limit_and_what_to_raise() {
        let mut c = api();
        c.memory = Some(384);
        let mut sidecar = container("envoy", "envoy");
        sidecar.memory = Some(128);
        let fs = analyze(&td(vec![c, sidecar]), Some("api"), Category::OomKilled);
        let f = with_summary(&fs, "hard memory limit").expect("memory finding");
        assert_eq!(f.verdict, Verdict::Problem);
        assert!(
            f.summary.contains("384 MiB (task memory 512 MiB)"),
            "{}",
            f.summary
        );
        assert!(
            f.details.iter().any(|d| d.contains("e.g. to 768 MiB")),
            "{:?}",
            f.details
        );
        // 128 + 768 MiB do not fit 512: the next Fargate size for 256 CPU units is 1024.
        assert!(
            f.details.iter().any(|d| d.contains("at least 1024 MiB")),
            "{:?}",
            f.details
        );
    }

    #[test]
    fn oom_without_a_container_limit_points_at_the_task_memory() {
        let fs = analyze(&td(vec![api()]), Some("api"), Category::OomKilled);
        let f = with_summary(&fs, "task memory of 512 MiB").expect("memory finding");
        assert!(
            f.details.iter().any(|d| d.contains("1024 MiB")),
            "{:?}",
            f.details
        );
    }

    #[test]
    fn memory_is_only_judged_after_an_oom_kill() {
        let fs = analyze(&td(vec![api()]), Some("api"), Category::AppExitError);
        assert!(problems(&fs).is_empty(), "{}", dump(&fs));
    }

    fn mapping(container_port: i32, host_port: Option<i32>, protocol: Option<&str>) -> PortMapping {
        PortMapping {
            container_port: Some(container_port),
            host_port,
            protocol: protocol.map(str::to_owned),
        }
    }

    #[test]
    fn host_port_conflicts_between_containers_of_one_task() {
        // (network mode, api's mapping, worker's mapping, conflict expected)
        let rows = [
            (
                "bridge",
                mapping(8080, Some(80), None),
                mapping(9090, Some(80), Some("tcp")),
                true,
            ),
            (
                "bridge",
                mapping(8080, Some(0), None),
                mapping(8080, Some(0), None),
                false,
            ),
            (
                "bridge",
                mapping(8080, None, None),
                mapping(8080, None, None),
                false,
            ),
            (
                "bridge",
                mapping(53, Some(53), Some("udp")),
                mapping(53, Some(53), Some("tcp")),
                false,
            ),
            (
                "host",
                mapping(8080, None, None),
                mapping(8080, None, None),
                true,
            ),
            (
                "host",
                mapping(8080, None, None),
                mapping(8081, None, None),
                false,
            ),
        ];
        for (mode, a, b, conflict) in rows {
            let mut api = api();
            api.port_mappings = vec![a.clone()];
            let mut worker = container("worker", "worker:1");
            worker.port_mappings = vec![b.clone()];
            let fs = analyze(
                &ec2_td(mode, vec![api, worker]),
                Some("api"),
                Category::PortConflict,
            );
            let found = refining(&fs, Category::PortConflict);
            assert_eq!(
                found.is_some(),
                conflict,
                "{mode} {a:?} {b:?}\n{}",
                dump(&fs)
            );
            if let Some(f) = found {
                assert_eq!(f.verdict, Verdict::Problem);
                assert!(
                    f.summary
                        .contains("Containers api and worker both bind host port"),
                    "{}",
                    f.summary
                );
            }
        }
    }

    #[test]
    fn a_port_conflict_stop_without_a_clash_inside_the_task_names_the_fixed_host_ports() {
        let mut c = api();
        c.port_mappings = vec![mapping(8080, Some(80), None)];
        let fs = analyze(
            &ec2_td("bridge", vec![c]),
            Some("api"),
            Category::PortConflict,
        );
        let f = with_summary(&fs, "fixed host port 80/tcp (api)").expect("host port info");
        assert_eq!(f.verdict, Verdict::Info);
    }

    fn health(start: Option<i32>) -> Option<HealthCheckView> {
        Some(HealthCheckView {
            command: strings(&[
                "CMD-SHELL",
                "curl -f http://localhost:8080/health || exit 1",
            ]),
            interval_s: Some(10),
            timeout_s: Some(5),
            retries: Some(3),
            start_period_s: start,
        })
    }

    #[test]
    fn a_health_check_without_enough_start_period_is_the_likely_cause() {
        for start in [None, Some(0), Some(20)] {
            let mut c = api();
            c.health_check = health(start);
            let fs = analyze(
                &td(vec![c]),
                Some("api"),
                Category::ContainerHealthCheckFailed,
            );
            let f = with_summary(&fs, "health check has").expect("health finding");
            assert_eq!(f.verdict, Verdict::Warning, "{start:?}");
            assert!(
                f.summary.contains("about 30 s (interval 10 s × 3 retries)"),
                "{}",
                f.summary
            );
            assert!(f.details.iter().any(|d| d.contains("Set startPeriod")));
            assert!(f.details.iter().any(|d| d.contains("runs curl")));
        }
    }

    #[test]
    fn a_start_period_longer_than_interval_times_retries_is_not_blamed() {
        let mut c = api();
        c.health_check = health(Some(60));
        let fs = analyze(
            &td(vec![c]),
            Some("api"),
            Category::ContainerHealthCheckFailed,
        );
        let f = with_summary(&fs, "start period").expect("health finding");
        assert_eq!(f.verdict, Verdict::Info);
        assert!(fs
            .iter()
            .all(|f| f.verdict != Verdict::Warning || f.check == Check::Logs));
    }

    #[test]
    fn secrets_without_an_execution_role_are_a_problem_that_refines_only_a_matching_stop() {
        let mut c = api();
        c.log = awslogs("/ecs/orders", Some("ecs"));
        c.secrets = vec![SecretRef {
            name: "DB_PASSWORD".to_owned(),
            value_from: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"
                .to_owned(),
        }];
        let mut t = td(vec![c]);
        t.execution_role_arn = None;
        let fs = analyze(&t, Some("api"), Category::SecretsAccessDenied);
        let f = with_summary(&fs, "has no execution role").expect("role finding");
        assert_eq!(f.verdict, Verdict::Problem);
        assert_eq!(f.refines, Some(Category::SecretsAccessDenied));
        assert!(
            f.summary.contains("fetch the secrets of api"),
            "{}",
            f.summary
        );
        assert!(
            f.summary.contains("pull the ECR images of api"),
            "{}",
            f.summary
        );
        let fs = analyze(&t, Some("api"), Category::ImagePullAccessDenied);
        assert_eq!(
            with_summary(&fs, "has no execution role").and_then(|f| f.refines),
            Some(Category::ImagePullAccessDenied)
        );
        let fs = analyze(&t, Some("api"), Category::OomKilled);
        assert_eq!(
            with_summary(&fs, "has no execution role").and_then(|f| f.refines),
            None
        );
    }

    #[test]
    fn on_ec2_the_instance_role_pulls_from_ecr_without_an_execution_role() {
        let mut t = ec2_td("bridge", vec![api()]);
        t.execution_role_arn = None;
        let mut ec2_task = task();
        ec2_task.launch_type = Some("EC2".to_owned());
        let fs =
            analyze_task_definition(&t, &ec2_task, Some("api"), Category::ImagePullAccessDenied);
        let f = with_summary(&fs, "has no execution role").expect("role finding");
        assert_eq!(f.verdict, Verdict::Info);
    }

    #[test]
    fn secrets_and_environment_files_are_listed_by_name_and_source() {
        let mut c = api();
        c.secrets =
            vec![
            SecretRef {
                name: "DB_PASSWORD".to_owned(),
                value_from:
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf:password::"
                        .to_owned(),
            },
            SecretRef { name: "API_KEY".to_owned(), value_from: "/prod/api-key".to_owned() },
        ];
        c.environment_files = strings(&["arn:aws:s3:::config-bucket/orders.env"]);
        let fs = analyze(&td(vec![c]), Some("api"), Category::SecretsNotFound);
        let f =
            with_summary(&fs, "reads 2 secrets and 1 environment file").expect("secrets finding");
        assert!(
            f.details.iter().any(|d| d
                .starts_with("DB_PASSWORD ← Secrets Manager arn:aws:secretsmanager")
                && d.ends_with("(JSON key password)")),
            "{:?}",
            f.details
        );
        assert!(f
            .details
            .contains(&"API_KEY ← SSM Parameter Store /prod/api-key".to_owned()));
        assert!(f.details.iter().any(|d| d.contains("kms:Decrypt")));
        assert!(f
            .details
            .contains(&"environment file arn:aws:s3:::config-bucket/orders.env".to_owned()));
    }

    #[test]
    fn sigkill_reports_the_default_stop_timeout_and_flags_shell_form() {
        let mut c = api();
        c.command = strings(&["sh", "-c", "node server.js"]);
        let fs = analyze(&td(vec![c]), Some("api"), Category::SigkillAfterStopTimeout);
        let f = with_summary(&fs, "to exit after SIGTERM").expect("stop timeout finding");
        assert!(f.summary.contains("30 s (the default"), "{}", f.summary);
        assert!(f
            .details
            .iter()
            .any(|d| d.contains("`exec`") && d.contains("tini")));
        let f = with_summary(&fs, "through `sh -c`").expect("shell-form finding");
        assert_eq!(f.verdict, Verdict::Warning);
    }

    #[test]
    fn sigkill_does_not_blame_exec_form_or_a_script_that_execs() {
        for argv in [
            vec!["node", "server.js"],
            vec!["/bin/sh", "-c", "exec node server.js"],
        ] {
            let mut c = api();
            c.command = strings(&argv);
            c.stop_timeout = Some(90);
            let fs = analyze(&td(vec![c]), Some("api"), Category::SigkillAfterStopTimeout);
            assert!(
                with_summary(&fs, "90 s (its stopTimeout)").is_some(),
                "{}",
                dump(&fs)
            );
            assert!(
                with_summary(&fs, "does not forward SIGTERM").is_none(),
                "{argv:?}"
            );
        }
    }

    #[test]
    fn a_command_written_as_one_string_refines_command_not_found() {
        let mut c = api();
        c.command = strings(&["npm run start"]);
        let fs = analyze(&td(vec![c.clone()]), Some("api"), Category::CommandNotFound);
        let f = refining(&fs, Category::CommandNotFound).expect("one-string finding");
        assert_eq!(f.verdict, Verdict::Problem);
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("[\"npm\",\"run\",\"start\"]")),
            "{:?}",
            f.details
        );
        c.command = strings(&["npm", "run", "start"]);
        let fs = analyze(&td(vec![c]), Some("api"), Category::CommandNotFound);
        assert!(refining(&fs, Category::CommandNotFound).is_none());
    }

    #[test]
    fn credentials_in_commands_are_masked() {
        let mut c = api();
        c.command = strings(&["sh", "-c", "app --db-password=hunter2"]);
        let fs = analyze(&td(vec![c]), Some("api"), Category::SigkillAfterStopTimeout);
        assert!(!dump(&fs).contains("hunter2"), "{}", dump(&fs));
    }

    #[test]
    fn the_overview_names_every_container_with_image_and_limits() {
        let mut c = api();
        c.memory = Some(256);
        let fs = analyze(&td(vec![c]), Some("api"), Category::AppExitError);
        let f = fs.first().expect("overview");
        assert_eq!(
            f.summary,
            "Task definition orders:42 (Fargate, awsvpc mode, linux/amd64) reserves 256 CPU units and 512 MiB for 1 container: api (essential)."
        );
        assert!(f
            .details
            .iter()
            .any(|d| d.starts_with("api: image ") && d.contains("memory 256 MiB hard")));
    }

    #[test]
    fn architecture_stops_name_the_task_platform() {
        let mut t = td(vec![api()]);
        t.cpu_architecture = Some("ARM64".to_owned());
        let fs = analyze(&t, Some("api"), Category::ExecFormatError);
        assert!(
            with_summary(&fs, "runs on linux/arm64 (cpuArchitecture ARM64)").is_some(),
            "{}",
            dump(&fs)
        );
    }
}

mod diff {
    use super::*;

    fn healthy() -> TaskDefinitionView {
        let mut c = container("api", &format!("{ECR}/team/orders-api:1.4.1"));
        c.environment_names = strings(&["PORT", "OLD_FLAG"]);
        c.secrets = vec![SecretRef {
            name: "DB".to_owned(),
            value_from: "/prod/db".to_owned(),
        }];
        TaskDefinitionView {
            revision: 41,
            arn: TD_ARN.replace(":42", ":41"),
            ..td(vec![c])
        }
    }

    #[test]
    fn the_summary_names_the_image_change_first_and_counts_the_rest() {
        let mut failing = healthy();
        failing.revision = 42;
        failing.arn = TD_ARN.to_owned();
        let c = failing.containers.first_mut().expect("api");
        c.image = format!("{ECR}/team/orders-api:1.4.2");
        c.environment_names = strings(&["PORT", "NEW_FLAG"]);
        let f = diff_finding(&failing, &healthy());
        assert_eq!(
            f.summary,
            "Revision 42 changed the image of api from orders-api:1.4.1 to orders-api:1.4.2 (and 2 more changes)."
        );
        assert_eq!(f.verdict, Verdict::Info);
        assert!(f
            .details
            .iter()
            .any(|d| d.contains("added environment variable NEW_FLAG to api")));
        assert!(f
            .details
            .iter()
            .any(|d| d.contains("removed environment variable OLD_FLAG from api")));
        assert!(f
            .details
            .iter()
            .any(|d| d.contains(&format!("{ECR}/team/orders-api:1.4.1"))));
    }

    #[test]
    fn every_kind_of_change_is_listed() {
        let mut failing = healthy();
        failing.revision = 42;
        failing.memory = Some("1024".to_owned());
        failing.task_role_arn = None;
        failing.cpu_architecture = Some("ARM64".to_owned());
        let c = failing.containers.first_mut().expect("api");
        c.command = strings(&["node", "server.js"]);
        c.entry_point = strings(&["/tini", "--"]);
        c.secrets = vec![
            SecretRef {
                name: "DB".to_owned(),
                value_from: "/prod/db-v2".to_owned(),
            },
            SecretRef {
                name: "TOKEN".to_owned(),
                value_from: "/prod/token".to_owned(),
            },
        ];
        c.memory = Some(512);
        c.port_mappings = vec![PortMapping {
            container_port: Some(8080),
            host_port: None,
            protocol: None,
        }];
        c.health_check = Some(HealthCheckView {
            command: strings(&["CMD", "true"]),
            ..Default::default()
        });
        failing.containers.push(container("envoy", "envoy:1.30"));
        let mut h = healthy();
        h.containers
            .push(container("xray", "amazon/aws-xray-daemon"));
        let changes = diff_task_definitions(&failing, &h);
        let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
        for k in [
            ChangeKind::TaskMemory,
            ChangeKind::TaskRole,
            ChangeKind::CpuArchitecture,
            ChangeKind::Command,
            ChangeKind::EntryPoint,
            ChangeKind::SecretSource,
            ChangeKind::SecretAdded,
            ChangeKind::Memory,
            ChangeKind::PortMappings,
            ChangeKind::HealthCheck,
            ChangeKind::ContainerAdded,
            ChangeKind::ContainerRemoved,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing from {kinds:?}");
        }
        let f = diff_finding(&failing, &h);
        assert!(
            f.summary.starts_with("Revision 42 added container envoy"),
            "{}",
            f.summary
        );
        assert_eq!(f.details.len(), changes.len() + 1);
        assert!(
            f.details.iter().any(|d| d
                .contains("changed the source of secret DB of api from /prod/db to /prod/db-v2")),
            "{:?}",
            f.details
        );
    }

    #[test]
    fn identical_revisions_say_the_cause_is_elsewhere() {
        let mut failing = healthy();
        failing.revision = 42;
        failing.arn = TD_ARN.to_owned();
        assert!(diff_task_definitions(&failing, &healthy()).is_empty());
        let f = diff_finding(&failing, &healthy());
        assert!(
            f.summary.starts_with("Revision 42 changed nothing"),
            "{}",
            f.summary
        );
        let f = diff_finding(&healthy(), &healthy());
        assert!(
            f.summary
                .contains("also the last revision that ran healthy"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn a_mutable_tag_is_called_out() {
        let mut failing = healthy();
        failing.revision = 42;
        failing.arn = TD_ARN.to_owned();
        failing.containers = vec![container("api", "nginx:latest")];
        let mut h = healthy();
        h.containers = vec![container("api", "nginx:latest")];
        let f = diff_finding(&failing, &h);
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("mutable image nginx:latest")),
            "{:?}",
            f.details
        );
    }
}

mod network {
    use super::*;

    const NEEDS: [Need; 4] = [Need::EcrApi, Need::EcrDkr, Need::S3, Need::Logs];

    fn subnet(default_target: Option<&str>, state: &str) -> SubnetView {
        let mut routes = vec![RouteView {
            destination: "10.0.0.0/16".to_owned(),
            target: "local".to_owned(),
            state: Some("active".to_owned()),
        }];
        if let Some(t) = default_target {
            routes.push(RouteView {
                destination: "0.0.0.0/0".to_owned(),
                target: t.to_owned(),
                state: Some(state.to_owned()),
            });
        }
        SubnetView {
            id: "subnet-a".to_owned(),
            vpc_id: "vpc-1".to_owned(),
            availability_zone: Some("us-east-1a".to_owned()),
            available_ips: Some(200),
            route_table_id: Some("rtb-a".to_owned()),
            routes,
            ..Default::default()
        }
    }

    fn endpoint(suffix: &str, private_dns: bool) -> VpcEndpointView {
        let gateway = suffix == "s3";
        VpcEndpointView {
            id: format!("vpce-{}", suffix.replace('.', "")),
            service_name: format!("com.amazonaws.us-east-1.{suffix}"),
            kind: if gateway { "Gateway" } else { "Interface" }.to_owned(),
            private_dns: private_dns && !gateway,
            route_table_ids: if gateway {
                strings(&["rtb-a"])
            } else {
                Vec::new()
            },
            state: Some("available".to_owned()),
            ..Default::default()
        }
    }

    fn all_endpoints() -> Vec<VpcEndpointView> {
        ["ecr.api", "ecr.dkr", "s3", "logs"]
            .iter()
            .map(|s| endpoint(s, true))
            .collect()
    }

    fn sg(protocol: &str, from: Option<i32>, to: Option<i32>, cidr: &str) -> SecurityGroupView {
        SecurityGroupView {
            id: "sg-1".to_owned(),
            egress: vec![SgRuleView {
                protocol: protocol.to_owned(),
                port_from: from,
                port_to: to,
                cidrs: strings(&[cidr]),
                ..Default::default()
            }],
        }
    }

    fn open_sg() -> Vec<SecurityGroupView> {
        vec![sg("-1", None, None, "0.0.0.0/0")]
    }

    fn run(
        s: SubnetView,
        eps: &[VpcEndpointView],
        public_ip: Option<bool>,
        c: Category,
    ) -> Vec<Finding> {
        analyze_network(&[s], eps, &open_sg(), &NEEDS, public_ip, c)
    }

    #[test]
    fn needs_follow_the_task_definition() {
        let mut c = api();
        c.log = awslogs("/ecs/orders", Some("ecs"));
        c.secrets = vec![
            SecretRef {
                name: "A".to_owned(),
                value_from: "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf"
                    .to_owned(),
            },
            SecretRef {
                name: "B".to_owned(),
                value_from: "/prod/b".to_owned(),
            },
        ];
        let mut hub = container("proxy", "nginx:1.25");
        hub.environment_files = strings(&["arn:aws:s3:::bucket/x.env"]);
        let other_region = container(
            "agent",
            "999988887777.dkr.ecr.eu-west-1.amazonaws.com/agent:1",
        );
        let needs = needs_for(&td(vec![c, hub, other_region]), "us-east-1");
        assert_eq!(
            needs,
            vec![
                Need::EcrApi,
                Need::EcrDkr,
                Need::S3,
                Need::Logs,
                Need::SecretsManager,
                Need::Ssm,
                Need::Registry("999988887777.dkr.ecr.eu-west-1.amazonaws.com".to_owned()),
                Need::Registry("registry-1.docker.io".to_owned()),
            ]
        );
        assert_eq!(Need::EcrDkr.endpoint_suffix(), Some("ecr.dkr"));
        assert_eq!(Need::Kms.endpoint_suffix(), Some("kms"));
        assert_eq!(Need::Sts.endpoint_suffix(), Some("sts"));
    }

    #[test]
    fn the_default_route_decides_when_no_endpoint_serves_the_task() {
        // (default route target, route state, public ip, problem expected)
        let rows = [
            (Some("nat-0abc"), "active", None, false),
            (Some("igw-0abc"), "active", Some(true), false),
            (Some("igw-0abc"), "active", Some(false), true),
            (Some("nat-0abc"), "blackhole", None, true),
            (None, "", None, true),
            (Some("tgw-0abc"), "active", None, false),
        ];
        for (target, state, ip, problem) in rows {
            let fs = run(subnet(target, state), &[], ip, Category::ImagePullNetwork);
            let got = refining(&fs, Category::ImagePullNetwork);
            assert_eq!(
                got.is_some(),
                problem,
                "{target:?} {state} {ip:?}\n{}",
                dump(&fs)
            );
            assert_eq!(problems(&fs).len(), usize::from(problem), "{}", dump(&fs));
        }
    }

    #[test]
    fn a_private_subnet_without_endpoints_names_the_missing_ones() {
        let eps = vec![endpoint("ecr.api", true), endpoint("s3", true)];
        let fs = run(subnet(None, ""), &eps, None, Category::ImagePullNetwork);
        let f = refining(&fs, Category::ImagePullNetwork).expect("path problem");
        assert_eq!(
            f.summary,
            "subnet-a has no route to the internet and no VPC endpoint for ecr.dkr and logs."
        );
    }

    #[test]
    fn a_private_subnet_with_every_endpoint_is_fine() {
        let fs = run(
            subnet(None, ""),
            &all_endpoints(),
            None,
            Category::ImagePullNetwork,
        );
        assert!(problems(&fs).is_empty(), "{}", dump(&fs));
        assert!(
            with_summary(
                &fs,
                "reaches ecr.api, ecr.dkr, s3 and logs through VPC endpoints"
            )
            .is_some(),
            "{}",
            dump(&fs)
        );
    }

    #[test]
    fn an_interface_endpoint_needs_private_dns_and_the_s3_gateway_needs_the_route_table() {
        let mut eps = all_endpoints();
        if let Some(logs) = eps.iter_mut().find(|e| e.service_name.ends_with(".logs")) {
            logs.private_dns = false;
        }
        if let Some(s3) = eps.iter_mut().find(|e| e.service_name.ends_with(".s3")) {
            s3.route_table_ids = strings(&["rtb-other"]);
        }
        let fs = run(subnet(None, ""), &eps, None, Category::LogDriverNetwork);
        let f = refining(&fs, Category::LogDriverNetwork).expect("path problem");
        assert!(
            f.summary.ends_with("no VPC endpoint for s3 and logs."),
            "{}",
            f.summary
        );
        assert!(f.details.iter().any(|d| d.contains("private DNS disabled")));
        assert!(f
            .details
            .iter()
            .any(|d| d.contains("not associated with route table rtb-a")));
    }

    #[test]
    fn the_stop_category_decides_what_a_broken_path_refines() {
        let rows = [
            (Category::ImagePullNetwork, Some(Category::ImagePullNetwork)),
            (
                Category::ImagePullAccessDenied,
                Some(Category::ImagePullNetwork),
            ),
            (Category::LogGroupMissing, Some(Category::LogDriverNetwork)),
            (
                Category::TaskFailedToStartUnspecified,
                Some(Category::ImagePullNetwork),
            ),
            (Category::OomKilled, None),
        ];
        for (category, expected) in rows {
            let fs = run(subnet(None, ""), &[], None, category);
            let f = with_summary(&fs, "no route to the internet").expect("route finding");
            assert_eq!(f.refines, expected, "{category}");
            let verdict = if expected.is_some() {
                Verdict::Problem
            } else {
                Verdict::Warning
            };
            assert_eq!(f.verdict, verdict, "{category}");
        }
    }

    #[test]
    fn security_group_egress_must_allow_443() {
        // (rules, problem expected)
        let rows: [(Vec<SecurityGroupView>, bool); 5] = [
            (open_sg(), false),
            (vec![sg("tcp", Some(443), Some(443), "0.0.0.0/0")], false),
            (vec![sg("tcp", Some(5432), Some(5432), "0.0.0.0/0")], true),
            (vec![sg("tcp", Some(443), Some(443), "10.0.0.0/16")], true),
            (
                vec![SecurityGroupView {
                    id: "sg-1".to_owned(),
                    egress: Vec::new(),
                }],
                true,
            ),
        ];
        for (sgs, problem) in rows {
            let fs = analyze_network(
                &[subnet(Some("nat-1"), "active")],
                &[],
                &sgs,
                &NEEDS,
                None,
                Category::ImagePullNetwork,
            );
            let f = fs
                .iter()
                .find(|f| f.summary.starts_with("Security group"))
                .expect("sg finding");
            assert_eq!(
                f.verdict == Verdict::Problem,
                problem,
                "{sgs:?}\n{}",
                dump(&fs)
            );
            if problem {
                assert_eq!(f.refines, Some(Category::ImagePullNetwork));
            }
        }
    }

    #[test]
    fn egress_to_the_vpc_is_enough_when_endpoints_serve_everything() {
        let sgs = vec![SecurityGroupView {
            id: "sg-1".to_owned(),
            egress: vec![
                SgRuleView {
                    protocol: "tcp".to_owned(),
                    port_from: Some(443),
                    port_to: Some(443),
                    cidrs: strings(&["10.0.0.0/16"]),
                    ..Default::default()
                },
                SgRuleView {
                    protocol: "tcp".to_owned(),
                    port_from: Some(443),
                    port_to: Some(443),
                    prefix_lists: strings(&["pl-63a5400a"]),
                    ..Default::default()
                },
            ],
        }];
        let fs = analyze_network(
            &[subnet(None, "")],
            &all_endpoints(),
            &sgs,
            &NEEDS,
            None,
            Category::ImagePullNetwork,
        );
        assert!(problems(&fs).is_empty(), "{}", dump(&fs));
    }

    fn nacl(
        rule: i32,
        egress: bool,
        allow: bool,
        protocol: &str,
        ports: Option<(i32, i32)>,
    ) -> NaclEntryView {
        NaclEntryView {
            rule_number: rule,
            egress,
            allow,
            protocol: protocol.to_owned(),
            cidr: Some("0.0.0.0/0".to_owned()),
            port_from: ports.map(|p| p.0),
            port_to: ports.map(|p| p.1),
        }
    }

    #[test]
    fn the_lowest_numbered_matching_nacl_rule_decides() {
        let star = |egress| nacl(32767, egress, false, "-1", None);
        // (entries, verdict expected of the NACL finding)
        let rows = [
            (
                vec![
                    nacl(100, true, true, "-1", None),
                    nacl(100, false, true, "-1", None),
                    star(true),
                    star(false),
                ],
                Verdict::Ok,
            ),
            (
                vec![
                    nacl(90, true, false, "6", Some((443, 443))),
                    nacl(100, true, true, "-1", None),
                    nacl(100, false, true, "-1", None),
                ],
                Verdict::Problem,
            ),
            (
                vec![
                    nacl(100, true, true, "6", Some((443, 443))),
                    nacl(100, false, true, "6", Some((1024, 65535))),
                ],
                Verdict::Ok,
            ),
            (
                vec![
                    nacl(100, true, true, "6", Some((443, 443))),
                    nacl(100, false, true, "6", Some((443, 443))),
                    star(false),
                ],
                Verdict::Problem,
            ),
            (
                vec![
                    nacl(100, true, true, "6", Some((443, 443))),
                    nacl(100, false, true, "6", Some((32768, 65535))),
                ],
                Verdict::Warning,
            ),
        ];
        for (entries, verdict) in rows {
            let mut s = subnet(Some("nat-1"), "active");
            s.nacl_entries = entries.clone();
            let fs = run(s, &[], None, Category::ImagePullNetwork);
            let f = with_summary(&fs, "network ACL").expect("nacl finding");
            assert_eq!(f.verdict, verdict, "{entries:?}\n{}", dump(&fs));
        }
    }

    #[test]
    fn a_nacl_deny_names_the_rule() {
        let mut s = subnet(Some("nat-1"), "active");
        s.nacl_entries = vec![
            nacl(90, true, false, "6", Some((443, 443))),
            nacl(100, true, true, "-1", None),
            nacl(100, false, true, "-1", None),
        ];
        let fs = run(s, &[], None, Category::ImagePullNetwork);
        let f = refining(&fs, Category::ImagePullNetwork).expect("nacl problem");
        assert!(
            f.summary
                .contains("denies outbound TCP 443 to 0.0.0.0/0 (rule 90)"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn free_addresses_in_the_subnet() {
        // (free IPs, category, verdict expected, refines)
        let rows = [
            (200, Category::ImagePullNetwork, None, None),
            (3, Category::ImagePullNetwork, Some(Verdict::Warning), None),
            (
                0,
                Category::TaskFailedToStartUnspecified,
                Some(Verdict::Problem),
                Some(Category::InsufficientResources),
            ),
            (
                0,
                Category::EniProvisioningTimeout,
                Some(Verdict::Problem),
                None,
            ),
            (0, Category::OomKilled, Some(Verdict::Warning), None),
        ];
        for (free, category, verdict, refines) in rows {
            let mut s = subnet(Some("nat-1"), "active");
            s.available_ips = Some(free);
            let fs = run(s, &[], None, category);
            let f = fs.iter().find(|f| f.summary.contains("free IP address"));
            assert_eq!(
                f.map(|f| f.verdict),
                verdict,
                "{free} {category}\n{}",
                dump(&fs)
            );
            assert_eq!(f.and_then(|f| f.refines), refines, "{free} {category}");
        }
    }

    #[test]
    fn a_docker_hub_image_needs_the_internet_even_with_every_endpoint() {
        let needs = [Need::Registry("registry-1.docker.io".to_owned())];
        let fs = analyze_network(
            &[subnet(None, "")],
            &all_endpoints(),
            &open_sg(),
            &needs,
            None,
            Category::ImagePullNetwork,
        );
        let f = refining(&fs, Category::ImagePullNetwork).expect("path problem");
        assert!(
            f.summary
                .contains("no VPC endpoint for registry-1.docker.io"),
            "{}",
            f.summary
        );
    }
}

mod load_balancer {
    use super::*;

    const TG: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/orders-tg/abc";

    fn tg() -> TargetGroupView {
        TargetGroupView {
            arn: TG.to_owned(),
            protocol: Some("HTTP".to_owned()),
            port: Some(8080),
            target_type: Some("ip".to_owned()),
            health_check_path: Some("/health".to_owned()),
            health_check_port: Some("traffic-port".to_owned()),
            matcher: Some("200".to_owned()),
            interval_s: Some(30),
            timeout_s: Some(5),
            healthy_threshold: Some(5),
            unhealthy_threshold: Some(2),
            ..Default::default()
        }
    }

    fn target(
        id: &str,
        state: &str,
        reason: Option<&str>,
        description: Option<&str>,
    ) -> TargetHealthView {
        TargetHealthView {
            id: id.to_owned(),
            port: Some(8080),
            state: state.to_owned(),
            reason: reason.map(str::to_owned),
            description: description.map(str::to_owned),
        }
    }

    fn service(grace: Option<i32>) -> ServiceView {
        ServiceView {
            name: "orders".to_owned(),
            health_check_grace_period_s: grace,
            ..Default::default()
        }
    }

    #[test]
    fn every_documented_reason_code_has_a_meaning() {
        for code in [
            "Elb.RegistrationInProgress",
            "Elb.InitialHealthChecking",
            "Elb.InternalError",
            "Target.ResponseCodeMismatch",
            "Target.Timeout",
            "Target.FailedHealthChecks",
            "Target.NotRegistered",
            "Target.NotInUse",
            "Target.DeregistrationInProgress",
            "Target.InvalidState",
            "Target.IpUnusable",
            "Target.HealthCheckDisabled",
        ] {
            assert!(reason_meaning(code).is_some(), "{code}");
        }
        assert_eq!(reason_meaning("Target.Unheard"), None);
    }

    #[test]
    fn the_health_check_settings_are_summarised() {
        let fs = analyze_load_balancer(&[tg()], &[], None, &[], None, None);
        assert_eq!(
            fs.first().map(|f| f.summary.as_str()),
            Some("Target group orders-tg checks HTTP /health on the traffic port every 30 s (timeout 5 s), healthy after 5 and unhealthy after 2 checks, expecting 200.")
        );
    }

    #[test]
    fn the_tasks_unhealthy_target_explains_the_stop_with_its_reason_code() {
        let health = vec![(
            TG.to_owned(),
            vec![
                target(
                    "10.0.1.5",
                    "unhealthy",
                    Some("Target.ResponseCodeMismatch"),
                    Some("Health checks failed with these codes: [404]"),
                ),
                target("10.0.2.7", "healthy", None, None),
            ],
        )];
        let fs = analyze_load_balancer(
            &[tg()],
            &health,
            Some(&service(Some(60))),
            &strings(&["10.0.1.5"]),
            None,
            None,
        );
        let f = refining(&fs, Category::ElbHealthCheckFailed).expect("target problem");
        assert_eq!(f.verdict, Verdict::Problem);
        assert_eq!(
            f.summary,
            "The task's target 10.0.1.5:8080 in orders-tg is unhealthy: Target.ResponseCodeMismatch (Health checks failed with these codes: [404])."
        );
        assert!(f.details.iter().any(|d| d.contains("outside the matcher")));
    }

    #[test]
    fn a_healthy_target_is_no_problem() {
        let health = vec![(
            TG.to_owned(),
            vec![target("10.0.1.5", "healthy", None, None)],
        )];
        let fs = analyze_load_balancer(&[tg()], &health, None, &strings(&["10.0.1.5"]), None, None);
        assert!(problems(&fs).is_empty(), "{}", dump(&fs));
        assert!(fs.iter().any(|f| f.verdict == Verdict::Ok));
    }

    #[test]
    fn a_deregistered_task_and_other_unhealthy_targets_are_reported() {
        let health = vec![(
            TG.to_owned(),
            vec![target(
                "10.0.2.7",
                "unhealthy",
                Some("Target.Timeout"),
                None,
            )],
        )];
        let fs = analyze_load_balancer(&[tg()], &health, None, &strings(&["10.0.1.5"]), None, None);
        assert!(
            with_summary(&fs, "is registered in orders-tg any more").is_some(),
            "{}",
            dump(&fs)
        );
        let f = with_summary(&fs, "All 1 other target of orders-tg are unhealthy").expect("others");
        assert_eq!(f.verdict, Verdict::Warning);
    }

    #[test]
    fn a_task_killed_within_grace_plus_failed_checks_suggests_a_longer_grace_period() {
        let start = 1_700_000_000_000;
        let fs = analyze_load_balancer(
            &[tg()],
            &[],
            Some(&service(None)),
            &[],
            Some(start),
            Some(start + 55_000),
        );
        let f = with_summary(&fs, "The task lived 55 s").expect("grace finding");
        assert_eq!(f.verdict, Verdict::Warning);
        assert!(f
            .details
            .iter()
            .any(|d| d.contains("healthCheckGracePeriodSeconds of service orders")));
        let fs = analyze_load_balancer(
            &[tg()],
            &[],
            Some(&service(Some(120))),
            &[],
            Some(start),
            Some(start + 3_600_000),
        );
        let f = with_summary(&fs, "The task lived 3600 s").expect("grace finding");
        assert_eq!(f.verdict, Verdict::Info);
    }
}

mod capacity {
    use super::*;

    fn service(desired: i64) -> ServiceView {
        ServiceView {
            name: "orders".to_owned(),
            desired_count: desired,
            running_count: desired,
            launch_type: Some("EC2".to_owned()),
            ..Default::default()
        }
    }

    fn scaling(min: i32, max: i32, suspended: bool) -> ScalableTargetView {
        ScalableTargetView {
            min,
            max,
            suspended,
        }
    }

    fn instance(
        id: &str,
        connected: bool,
        cpu: i64,
        mem: i64,
        ports: &[i32],
    ) -> ContainerInstanceView {
        ContainerInstanceView {
            arn: format!("arn:aws:ecs:us-east-1:111122223333:container-instance/prod/{id}"),
            ec2_instance_id: Some(id.to_owned()),
            status: "ACTIVE".to_owned(),
            agent_connected: connected,
            remaining_cpu: Some(cpu),
            remaining_memory: Some(mem),
            remaining_ports: ports.to_vec(),
            running_tasks: 1,
        }
    }

    fn web_td() -> TaskDefinitionView {
        let mut c = api();
        c.cpu = Some(256);
        c.memory = Some(512);
        c.port_mappings = vec![PortMapping {
            container_port: Some(8080),
            host_port: Some(80),
            protocol: None,
        }];
        ec2_td("bridge", vec![c])
    }

    #[test]
    fn auto_scaling_limits() {
        // (desired, target, verdict expected of the first scaling finding)
        let rows = [
            (10, scaling(1, 10, false), Verdict::Warning),
            (4, scaling(1, 10, false), Verdict::Ok),
            (0, scaling(0, 0, false), Verdict::Problem),
            (2, scaling(0, 10, false), Verdict::Info),
        ];
        for (desired, t, verdict) in rows {
            let fs = analyze_capacity(
                Some(&service(desired)),
                Some(&t),
                &[],
                None,
                Category::ElbHealthCheckFailed,
            );
            let f = fs
                .iter()
                .find(|f| f.summary.contains("auto scaling") || f.summary.contains("Auto scaling"))
                .expect("scaling finding");
            assert_eq!(f.verdict, verdict, "{desired} {t:?}\n{}", dump(&fs));
        }
    }

    #[test]
    fn suspended_scaling_is_a_warning() {
        let fs = analyze_capacity(
            Some(&service(2)),
            Some(&scaling(1, 10, true)),
            &[],
            None,
            Category::Unknown,
        );
        assert_eq!(
            with_summary(&fs, "is suspended").map(|f| f.verdict),
            Some(Verdict::Warning)
        );
    }

    #[test]
    fn agents_disconnected_everywhere_refine_agent_disconnected() {
        let all = [
            instance("i-1", false, 1024, 2048, &[]),
            instance("i-2", false, 1024, 2048, &[]),
        ];
        let fs = analyze_capacity(
            Some(&service(2)),
            None,
            &all,
            Some(&web_td()),
            Category::Unknown,
        );
        let f = refining(&fs, Category::AgentDisconnected).expect("agent finding");
        assert!(
            f.summary.contains("i-1 and i-2 (2 of 2 active instances)"),
            "{}",
            f.summary
        );
        let some = [
            instance("i-1", false, 1024, 2048, &[]),
            instance("i-2", true, 1024, 2048, &[]),
        ];
        let fs = analyze_capacity(
            Some(&service(2)),
            None,
            &some,
            Some(&web_td()),
            Category::Unknown,
        );
        let f = with_summary(&fs, "agent is disconnected").expect("agent finding");
        assert_eq!((f.verdict, f.refines), (Verdict::Warning, None));
    }

    #[test]
    fn no_instance_with_room_refines_insufficient_resources() {
        let full = [
            instance("i-1", true, 128, 4096, &[]),
            instance("i-2", true, 2048, 256, &[]),
        ];
        let fs = analyze_capacity(
            Some(&service(2)),
            None,
            &full,
            Some(&web_td()),
            Category::InsufficientResources,
        );
        let f = refining(&fs, Category::InsufficientResources).expect("capacity problem");
        assert!(
            f.summary.contains("256 CPU units and 512 MiB"),
            "{}",
            f.summary
        );
        let roomy = [instance("i-1", true, 1024, 4096, &[22])];
        let fs = analyze_capacity(
            Some(&service(2)),
            None,
            &roomy,
            Some(&web_td()),
            Category::InsufficientResources,
        );
        assert!(problems(&fs).is_empty(), "{}", dump(&fs));
        assert!(with_summary(&fs, "1 of 1 connected instances can fit").is_some());
    }

    #[test]
    fn a_host_port_taken_on_every_instance_refines_port_conflict() {
        let busy = [
            instance("i-1", true, 1024, 4096, &[22, 80]),
            instance("i-2", true, 1024, 4096, &[80]),
        ];
        let fs = analyze_capacity(
            Some(&service(2)),
            None,
            &busy,
            Some(&web_td()),
            Category::PortConflict,
        );
        let f = refining(&fs, Category::PortConflict).expect("port finding");
        assert!(
            f.summary.starts_with("Host port 80 of orders:42 is taken"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn fargate_services_have_no_instances_to_check() {
        let mut s = service(2);
        s.launch_type = Some("FARGATE".to_owned());
        let fs = analyze_capacity(
            Some(&s),
            Some(&scaling(1, 4, false)),
            &[],
            Some(&td(vec![api()])),
            Category::InsufficientResources,
        );
        assert!(problems(&fs).is_empty(), "{}", dump(&fs));
    }
}

mod image {
    use super::*;

    fn found(platforms: &[&str]) -> ImageView {
        ImageView {
            repository: "team/orders-api".to_owned(),
            digest: "sha256:0123".to_owned(),
            tags: strings(&["1.4.2"]),
            pushed_at_ms: Some(1_700_000_000_000),
            platforms: strings(platforms),
            ..Default::default()
        }
    }

    fn image() -> String {
        format!("{ECR}/team/orders-api:1.4.2")
    }

    #[test]
    fn a_missing_ecr_tag_refines_image_pull_not_found_only_for_a_pull_stop() {
        let fs = analyze_image(
            &image(),
            None,
            &td(vec![api()]),
            Category::ImagePullRegistryError,
        );
        let f = refining(&fs, Category::ImagePullNotFound).expect("not found");
        assert_eq!(
            f.summary,
            "Image team/orders-api:1.4.2 does not exist in ECR repository team/orders-api of account 111122223333 (us-east-1)."
        );
        let fs = analyze_image(&image(), None, &td(vec![api()]), Category::OomKilled);
        assert!(refining(&fs, Category::ImagePullNotFound).is_none());
        assert_eq!(
            with_summary(&fs, "no longer exists").map(|f| f.verdict),
            Some(Verdict::Warning)
        );
    }

    #[test]
    fn platforms_are_matched_against_the_task_architecture() {
        let amd64 = td(vec![api()]);
        let arm64 = TaskDefinitionView {
            cpu_architecture: Some("ARM64".to_owned()),
            ..td(vec![api()])
        };
        // (task definition, image platforms, category, refines expected)
        let rows = [
            (
                &amd64,
                vec!["linux/amd64", "linux/arm64/v8"],
                Category::ImagePullPlatformMismatch,
                None,
            ),
            (
                &arm64,
                vec!["linux/arm64/v8"],
                Category::ImagePullPlatformMismatch,
                None,
            ),
            (
                &amd64,
                vec!["linux/arm64/v8"],
                Category::ImagePullPlatformMismatch,
                Some(Category::ImagePullPlatformMismatch),
            ),
            (
                &arm64,
                vec!["linux/amd64", "windows/amd64"],
                Category::Unknown,
                Some(Category::ImagePullPlatformMismatch),
            ),
            (
                &amd64,
                vec!["linux/arm64"],
                Category::AppExitError,
                Some(Category::ExecFormatError),
            ),
        ];
        for (t, platforms, category, refines) in rows {
            let fs = analyze_image(&image(), Some(&found(&platforms)), t, category);
            let got = fs.iter().find_map(|f| f.refines);
            assert_eq!(got, refines, "{platforms:?} {category}\n{}", dump(&fs));
        }
    }

    #[test]
    fn an_existing_image_is_ok() {
        let fs = analyze_image(
            &image(),
            Some(&found(&[])),
            &td(vec![api()]),
            Category::AppExitError,
        );
        assert_eq!(fs.len(), 1, "{}", dump(&fs));
        let f = fs.first().expect("ok");
        assert_eq!(f.verdict, Verdict::Ok);
        assert!(
            f.summary
                .contains("sha256:0123, pushed 2023-11-14T22:13:20"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn docker_hub_images_get_rate_limit_advice() {
        let fs = analyze_image(
            "nginx:1.25",
            None,
            &td(vec![api()]),
            Category::ImagePullRateLimited,
        );
        let f = fs.first().expect("hub finding");
        assert!(f.summary.contains("Docker Hub"));
        assert!(f
            .details
            .iter()
            .any(|d| d.contains("repositoryCredentials") && d.contains("pull-through cache")));
    }

    #[test]
    fn other_registries_get_credentials_advice() {
        let fs = analyze_image(
            "ghcr.io/acme/api:2",
            None,
            &td(vec![api()]),
            Category::ImagePullAccessDenied,
        );
        let f = fs.first().expect("registry finding");
        assert_eq!(f.verdict, Verdict::Info);
        assert!(f.summary.contains("ghcr.io") && f.summary.contains("repositoryCredentials"));
    }

    #[test]
    fn a_malformed_reference_is_an_image_not_found() {
        let fs = analyze_image(
            "registry.example/",
            None,
            &td(vec![api()]),
            Category::ImagePullNotFound,
        );
        assert_eq!(
            fs.first().and_then(|f| f.refines),
            Some(Category::ImagePullNotFound)
        );
    }
}

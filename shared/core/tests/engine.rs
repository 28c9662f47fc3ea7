//! The diagnosis engine over fake ports: findings refine the answer, and every failing port
//! degrades to a "could not check" finding instead of an error.

use async_trait::async_trait;
use ecs_triage_core::classify::{assess, Assessment, Classification};
use ecs_triage_core::diagnose::engine::{diagnose, NoDeadline, Readers};
use ecs_triage_core::diagnose::ports::{EcsReader, IamReader, LogReader};
use ecs_triage_core::diagnose::run::Budget;
use ecs_triage_core::diagnose::view::{
    ContainerDefinitionView, ContainerInstanceView, LogConfigView, LogLine, RolePolicies,
    SecretRef, ServiceView, SimulatedDecision, SimulatedOutcome, TaskDefinitionView,
};
use ecs_triage_core::diagnose::{Check, Verdict};
use ecs_triage_core::event::{parse_event, EcsEvent, TaskStateChange};
use ecs_triage_core::ports::PortError;
use ecs_triage_core::Category;

fn sample(file: &str) -> (Classification, TaskStateChange) {
    let path = format!("{}/../../events/{file}", env!("CARGO_MANIFEST_DIR"));
    let event = parse_event(&std::fs::read(path).unwrap()).unwrap();
    let Assessment::Classified(c) = assess(&event) else {
        panic!("{file} is not a classified stop")
    };
    let EcsEvent::TaskStateChange { detail, .. } = event else {
        panic!("{file} is not a task event")
    };
    (c, *detail)
}

fn denied(op: &'static str) -> PortError {
    PortError::Permanent {
        service: "test",
        operation: op,
        message: "AccessDenied".into(),
    }
}

struct Ecs {
    td: TaskDefinitionView,
}

#[async_trait]
impl EcsReader for Ecs {
    async fn task_definition(&self, _: &str) -> Result<TaskDefinitionView, PortError> {
        Ok(self.td.clone())
    }
    async fn service(&self, _: &str, _: &str) -> Result<Option<ServiceView>, PortError> {
        Ok(None)
    }
    async fn task(&self, _: &str, _: &str) -> Result<Option<TaskStateChange>, PortError> {
        Ok(None)
    }
    async fn stopped_tasks(
        &self,
        _: &str,
        _: &str,
        _: usize,
    ) -> Result<Vec<TaskStateChange>, PortError> {
        Ok(vec![])
    }
    async fn container_instances(&self, _: &str) -> Result<Vec<ContainerInstanceView>, PortError> {
        Ok(vec![])
    }
}

struct Logs(Vec<&'static str>);

#[async_trait]
impl LogReader for Logs {
    async fn tail(
        &self,
        _: &str,
        _: &str,
        _: Option<i64>,
        _: usize,
    ) -> Result<Vec<LogLine>, PortError> {
        Ok(self
            .0
            .iter()
            .enumerate()
            .map(|(i, m)| LogLine {
                at_ms: i as i64,
                message: (*m).to_owned(),
            })
            .collect())
    }
}

struct Failing;

#[async_trait]
impl EcsReader for Failing {
    async fn task_definition(&self, _: &str) -> Result<TaskDefinitionView, PortError> {
        Err(denied("DescribeTaskDefinition"))
    }
    async fn service(&self, _: &str, _: &str) -> Result<Option<ServiceView>, PortError> {
        Err(denied("DescribeServices"))
    }
    async fn task(&self, _: &str, _: &str) -> Result<Option<TaskStateChange>, PortError> {
        Err(denied("DescribeTasks"))
    }
    async fn stopped_tasks(
        &self,
        _: &str,
        _: &str,
        _: usize,
    ) -> Result<Vec<TaskStateChange>, PortError> {
        Err(denied("ListTasks"))
    }
    async fn container_instances(&self, _: &str) -> Result<Vec<ContainerInstanceView>, PortError> {
        Err(denied("ListContainerInstances"))
    }
}

#[async_trait]
impl IamReader for Failing {
    async fn role_policies(&self, _: &str) -> Result<RolePolicies, PortError> {
        Err(denied("GetRole"))
    }
}

fn task_definition(container: &str) -> TaskDefinitionView {
    TaskDefinitionView {
        arn: "arn:aws:ecs:us-east-1:111122223333:task-definition/orders-api:40".into(),
        family: "orders-api".into(),
        revision: 40,
        containers: vec![ContainerDefinitionView {
            name: container.into(),
            image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.2".into(),
            essential: true,
            log: Some(LogConfigView::safe(
                "awslogs",
                [
                    ("awslogs-group".to_owned(), "/ecs/orders-api".to_owned()),
                    ("awslogs-stream-prefix".to_owned(), "ecs".to_owned()),
                ],
            )),
            ..ContainerDefinitionView::default()
        }],
        ..TaskDefinitionView::default()
    }
}

#[tokio::test]
async fn an_exec_format_error_in_the_log_refines_exit_1_to_an_architecture_mismatch() {
    let (c, task) = sample("task-stopped-app-crash-exit-1.json");
    assert_eq!(c.category, Category::AppExitError);
    let container = c.subject.container.clone().unwrap();
    let ecs = Ecs {
        td: task_definition(&container),
    };
    let logs = Logs(vec!["starting", "exec /app/server: exec format error"]);
    let readers = Readers {
        ecs: Some(&ecs),
        logs: Some(&logs),
        ..Readers::default()
    };
    let d = diagnose(c, &task, readers, Budget::default(), &NoDeadline).await;
    assert_eq!(d.classification.category, Category::ExecFormatError);
    assert_eq!(d.refined_from, Some(Category::AppExitError));
    let log = d
        .findings
        .iter()
        .find(|f| f.check == Check::Logs && f.verdict == Verdict::Problem)
        .unwrap();
    assert!(
        log.details.iter().any(|l| l.contains("exec format error")),
        "{log:#?}"
    );
}

#[tokio::test]
async fn secrets_in_the_log_tail_are_redacted() {
    let (c, task) = sample("task-stopped-app-crash-exit-1.json");
    let container = c.subject.container.clone().unwrap();
    let ecs = Ecs {
        td: task_definition(&container),
    };
    let logs = Logs(vec![
        "connecting to postgres://app:hunter2-s3cret@db:5432/orders",
        "AKIAIOSFODNN7EXAMPLE used",
    ]);
    let readers = Readers {
        ecs: Some(&ecs),
        logs: Some(&logs),
        ..Readers::default()
    };
    let d = diagnose(c, &task, readers, Budget::default(), &NoDeadline).await;
    let all = format!("{:?}", d.findings);
    assert!(
        !all.contains("hunter2-s3cret") && !all.contains("AKIAIOSFODNN7EXAMPLE"),
        "{all}"
    );
}

#[tokio::test]
async fn when_every_port_fails_each_check_says_it_could_not_check_and_the_answer_stands() {
    let (c, task) = sample("task-stopped-secrets-access-denied.json");
    let before = c.category;
    let readers = Readers {
        ecs: Some(&Failing),
        iam: Some(&Failing),
        ..Readers::default()
    };
    let d = diagnose(c, &task, readers, Budget::default(), &NoDeadline).await;
    assert_eq!(d.classification.category, before);
    assert!(!d.findings.is_empty());
    assert!(
        d.findings
            .iter()
            .all(|f| f.verdict == Verdict::CouldNotCheck),
        "{:#?}",
        d.findings
    );
    assert!(
        d.findings
            .iter()
            .any(|f| f.summary.contains("AccessDenied")),
        "{:#?}",
        d.findings
    );
}

#[tokio::test]
async fn expected_stops_run_no_checks() {
    let (c, task) = sample("task-stopped-scale-in.json");
    let d = diagnose(
        c,
        &task,
        Readers {
            ecs: Some(&Failing),
            ..Readers::default()
        },
        Budget::default(),
        &NoDeadline,
    )
    .await;
    assert!(d.findings.is_empty());
}

#[tokio::test]
async fn the_messages_say_what_was_checked() {
    use ecs_triage_core::incident::{NotificationKind, Policy};
    let (c, task) = sample("task-stopped-app-crash-exit-1.json");
    let container = c.subject.container.clone().unwrap();
    let ecs = Ecs {
        td: task_definition(&container),
    };
    let logs = Logs(vec!["exec /app/server: exec format error"]);
    let readers = Readers {
        ecs: Some(&ecs),
        logs: Some(&logs),
        ..Readers::default()
    };
    let d = diagnose(c, &task, readers, Budget::default(), &NoDeadline).await;
    let policy = Policy::default();
    let key = policy.key_of(&d.classification);
    let incident = policy.apply(None, &key, &d.classification, 0, 0);
    let note = ecs_triage_core::render::notification(&incident, NotificationKind::Opened, 0);
    assert!(note.text.contains("WHAT WE CHECKED"), "{}", note.text);
    assert!(note.text.contains("[problem] logs:"), "{}", note.text);
    assert!(
        note.subject.contains("exec_format_error"),
        "{}",
        note.subject
    );
    // The chat lists what was checked, the logs' problem first; the refined summary already
    // is that finding, so no "Checked:" sentence repeats it.
    let chat: serde_json::Value = serde_json::from_str(&note.chat_json).unwrap();
    let description = chat["content"]["description"].as_str().unwrap();
    let problem = d
        .findings
        .iter()
        .find(|f| f.verdict == ecs_triage_core::diagnose::Verdict::Problem)
        .expect("the logs' problem");
    let listed = ecs_triage_core::render::checked_line(problem);
    assert!(
        description.contains(&format!("*What we checked*{listed}")),
        "{chat}"
    );
    assert!(!description.contains("Checked:"), "{chat}");
}

/// A role whose own policies allow everything, and a simulator with its own answer (or none).
struct Iam {
    simulated: Result<Option<Vec<SimulatedDecision>>, PortError>,
}

#[async_trait]
impl IamReader for Iam {
    async fn role_policies(&self, _: &str) -> Result<RolePolicies, PortError> {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        Ok(RolePolicies {
            role_name: "orders-api-execution".into(),
            role_arn: "arn:aws:iam::111122223333:role/orders-api-execution".into(),
            trust_policy: trust.into(),
            permission_policies: vec![("everything".into(), all.into())],
        })
    }

    async fn simulate(
        &self,
        _: &str,
        _: &[(String, String)],
    ) -> Result<Option<Vec<SimulatedDecision>>, PortError> {
        self.simulated.clone()
    }
}

const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/db-AbCdEf";

/// The secrets-access-denied sample, its task definition reading SECRET with an execution role.
async fn secrets_diagnosis(iam: &Iam) -> Vec<ecs_triage_core::diagnose::Finding> {
    let (c, task) = sample("task-stopped-secrets-access-denied.json");
    let container = c.subject.container.clone().unwrap_or_else(|| "app".into());
    let mut td = task_definition(&container);
    td.execution_role_arn = Some("arn:aws:iam::111122223333:role/orders-api-execution".into());
    td.containers[0].secrets = vec![SecretRef {
        name: "DB_PASSWORD".into(),
        value_from: SECRET.into(),
    }];
    let ecs = Ecs { td };
    let readers = Readers {
        ecs: Some(&ecs),
        iam: Some(iam),
        ..Readers::default()
    };
    diagnose(c, &task, readers, Budget::default(), &NoDeadline)
        .await
        .findings
        .into_iter()
        .filter(|f| f.check == Check::Iam)
        .collect()
}

#[tokio::test]
async fn the_policy_simulator_overrules_the_local_evaluation_when_it_can_run() {
    // The role's own policies allow everything; the simulator (which weighs the permissions
    // boundary) says no for the secret.
    let iam = Iam {
        simulated: Ok(Some(vec![SimulatedDecision {
            action: "secretsmanager:GetSecretValue".into(),
            resource: SECRET.into(),
            outcome: SimulatedOutcome::ImplicitDeny,
        }])),
    };
    let findings = secrets_diagnosis(&iam).await;
    let problem = findings
        .iter()
        .find(|f| f.verdict == Verdict::Problem)
        .unwrap_or_else(|| panic!("no IAM problem in {findings:#?}"));
    assert!(
        problem
            .summary
            .contains("may not secretsmanager:GetSecretValue on")
            && problem.summary.contains(SECRET)
            && problem.summary.contains("policy simulator")
            && problem.summary.contains("permissions boundary"),
        "{}",
        problem.summary
    );
    assert_eq!(problem.refines, Some(Category::SecretsAccessDenied));
}

#[tokio::test]
async fn without_the_simulator_the_role_is_evaluated_locally_and_says_so() {
    let iam = Iam {
        simulated: Err(denied("SimulatePrincipalPolicy")),
    };
    let findings = secrets_diagnosis(&iam).await;
    assert!(
        findings
            .iter()
            .any(|f| f.verdict == Verdict::Info && f.summary.contains("evaluated locally")),
        "{findings:#?}"
    );
    // Locally, "Allow * on *" allows what the task needs.
    assert!(
        findings
            .iter()
            .any(|f| f.verdict == Verdict::Ok && f.summary.contains("its own policies")),
        "{findings:#?}"
    );
    assert!(
        !findings.iter().any(|f| f.verdict == Verdict::Problem),
        "{findings:#?}"
    );
}

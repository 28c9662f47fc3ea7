//! The identifiers of an event, gathered once for evidence, next steps and incident keys.

use super::model::Subject;
use crate::event::{arn, Envelope, TaskStateChange};

pub fn of_task(envelope: &Envelope, task: &TaskStateChange) -> Subject {
    let task_arn = task.task_arn.clone();
    let any_arn = task_arn.as_deref().or(task.cluster_arn.as_deref());
    let (family, revision) = task
        .task_definition_arn
        .as_deref()
        .and_then(arn::task_definition_parts)
        .map_or((None, None), |(f, r)| (Some(f.to_owned()), Some(r)));
    Subject {
        region: envelope
            .region
            .clone()
            .or_else(|| any_arn.and_then(arn::region).map(str::to_owned)),
        account: envelope
            .account
            .clone()
            .or_else(|| any_arn.and_then(arn::account).map(str::to_owned)),
        cluster: task
            .cluster_arn
            .as_deref()
            .and_then(arn::cluster_name)
            .or_else(|| task_arn.as_deref().and_then(cluster_of_task_arn))
            .map(str::to_owned),
        service: task.service_name().map(str::to_owned),
        task_id: task_arn
            .as_deref()
            .and_then(arn::task_id)
            .map(str::to_owned),
        task_definition: task.task_definition_arn.clone(),
        family: family.or_else(|| task.family().map(str::to_owned)),
        revision,
        container: None,
        exit_code: None,
        launch_type: task.launch_type.clone(),
        availability_zone: task.availability_zone.clone(),
        deployment_id: task
            .started_by
            .as_deref()
            .filter(|s| s.starts_with("ecs-svc/"))
            .map(str::to_owned),
        task_arn,
    }
}

/// Appends `Service <name>: ` to `out` when the event belongs to a service, for the start of a
/// summary.
pub fn push_summary_prefix(out: &mut String, subject: &Subject) {
    if let Some(s) = subject.service.as_deref() {
        out.push_str("Service ");
        super::evidence::push_clean(out, s, 64);
        out.push_str(": ");
    }
}

/// Cluster from a new-format task ARN (`task/<cluster>/<id>`).
fn cluster_of_task_arn(task_arn: &str) -> Option<&str> {
    let rest = task_arn.split_once(":task/")?.1;
    let (cluster, _) = rest.split_once('/')?;
    (!cluster.is_empty()).then_some(cluster)
}

/// Subject of a service-level event: the service ARN is the envelope's first resource.
pub fn of_service(
    envelope: &Envelope,
    cluster_arn: Option<&str>,
    deployment_id: Option<&str>,
) -> Subject {
    let service_arn = envelope.resources.iter().find(|r| r.contains(":service/"));
    Subject {
        region: envelope
            .region
            .clone()
            .or_else(|| service_arn.and_then(|a| arn::region(a)).map(str::to_owned)),
        account: envelope.account.clone(),
        cluster: cluster_arn
            .and_then(arn::cluster_name)
            .or_else(|| service_arn.and_then(|a| arn::service_cluster(a)))
            .map(str::to_owned),
        service: service_arn
            .and_then(|a| arn::service_name(a))
            .map(str::to_owned),
        deployment_id: deployment_id.map(str::to_owned),
        ..Subject::default()
    }
}

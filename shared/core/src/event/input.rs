//! What an operator may hand `ecs-triage classify`: a full EventBridge event, a bare `detail`
//! object (what the ECS console and many blog posts show), or the output of
//! `aws ecs describe-tasks` (`{"tasks": [...]}`, same field names as the event detail).

use serde_json::{Map, Value};

use super::{
    json_kind, parse_event_raw, DeploymentStateChange, EcsEvent, Envelope, ParseError,
    ServiceAction, TaskStateChange, DEPLOYMENT_STATE_CHANGE, SERVICE_ACTION, SOURCE_ECS,
    TASK_STATE_CHANGE,
};

/// Which shape the input had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    EventBridge,
    BareDetail,
    DescribeTasks,
}

/// Parses any accepted input shape into events (one per task for `describe-tasks` output).
pub fn parse_input(bytes: &[u8]) -> Result<(InputKind, Vec<EcsEvent>), ParseError> {
    let raw: &serde_json::value::RawValue =
        serde_json::from_slice(bytes).map_err(|e| ParseError::from_json(&e))?;
    let json = raw.get();
    let first = json.trim_start().as_bytes().first().copied();
    if first != Some(b'{') {
        return Err(ParseError::NotAnObject {
            found: json_kind(first),
        });
    }
    let map: Map<String, Value> =
        serde_json::from_str(json).map_err(|e| ParseError::from_json(&e))?;
    if map.contains_key("detail-type") || map.contains_key("source") {
        return Ok((InputKind::EventBridge, vec![parse_event_raw(raw)?]));
    }
    if let Some(tasks) = map.get("tasks") {
        let Value::Array(tasks) = tasks else {
            return Err(ParseError::BadDetail {
                detail_type: "describe-tasks output".into(),
                message: "expected \"tasks\" to be an array".into(),
            });
        };
        let events = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                task_from_value(t.clone()).map_err(|e| ParseError::BadDetail {
                    detail_type: "describe-tasks output".into(),
                    message: format!("tasks[{i}]: {e}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok((InputKind::DescribeTasks, events));
    }
    if let Some(name) = map.get("eventName").and_then(Value::as_str) {
        let deployment =
            name.starts_with("SERVICE_DEPLOYMENT_") || map.contains_key("deploymentId");
        let value = Value::Object(map);
        let event = if deployment {
            let detail: DeploymentStateChange =
                serde_json::from_value(value).map_err(|e| bad(DEPLOYMENT_STATE_CHANGE, &e))?;
            EcsEvent::DeploymentStateChange {
                envelope: synthetic(DEPLOYMENT_STATE_CHANGE),
                detail,
            }
        } else {
            let detail: ServiceAction =
                serde_json::from_value(value).map_err(|e| bad(SERVICE_ACTION, &e))?;
            EcsEvent::ServiceAction {
                envelope: synthetic(SERVICE_ACTION),
                detail,
            }
        };
        return Ok((InputKind::BareDetail, vec![event]));
    }
    const TASK_KEYS: [&str; 6] = [
        "taskArn",
        "stoppedReason",
        "stopCode",
        "containers",
        "lastStatus",
        "taskDefinitionArn",
    ];
    if TASK_KEYS.iter().any(|k| map.contains_key(*k)) {
        let event = task_from_value(Value::Object(map)).map_err(|e| bad(TASK_STATE_CHANGE, &e))?;
        return Ok((InputKind::BareDetail, vec![event]));
    }
    let mut keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
    if keys.is_empty() {
        keys.push("(none)");
    }
    Err(ParseError::Unrecognised {
        keys: keys.join(", "),
    })
}

fn task_from_value(v: Value) -> Result<EcsEvent, serde_json::Error> {
    let detail: TaskStateChange = serde_json::from_value(v)?;
    Ok(EcsEvent::TaskStateChange {
        envelope: synthetic(TASK_STATE_CHANGE),
        detail: Box::new(detail),
    })
}

fn synthetic(detail_type: &str) -> Envelope {
    Envelope {
        detail_type: Some(detail_type.to_owned()),
        source: Some(SOURCE_ECS.to_owned()),
        ..Envelope::default()
    }
}

fn bad(detail_type: &str, e: &serde_json::Error) -> ParseError {
    ParseError::BadDetail {
        detail_type: detail_type.to_owned(),
        message: e.to_string(),
    }
}

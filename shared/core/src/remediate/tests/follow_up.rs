//! Which later events count as the outcome of an applied action.

use super::fixture::{incident, td, NOW};
use crate::incident::IncidentStatus;
use crate::remediate::*;
use crate::taxonomy::Category;

fn service() -> ServiceRef {
    ServiceRef {
        cluster: "prod".into(),
        service: "api".into(),
        region: None,
    }
}

fn open(action: Action) -> OpenAction {
    OpenAction {
        action,
        at_ms: NOW,
        incident_id: "inc-1".into(),
        deployment_id: Some("ecs-svc/9".into()),
    }
}

fn rollback() -> Action {
    Action::Rollback {
        service: service(),
        from: td("api", 8),
        to: td("api", 7),
    }
}

#[test]
fn a_healthy_record_after_the_action_is_a_recovery() {
    let healthy = |at| HealthyRevision {
        task_definition: td("api", 7),
        recorded_at_ms: at,
    };
    assert_eq!(
        after_recovery(&open(rollback()), &healthy(NOW + 1)),
        Some(FollowUp::Recovered {
            revision: "api:7".into(),
            at_ms: NOW + 1
        })
    );
    assert_eq!(after_recovery(&open(rollback()), &healthy(NOW)), None);
}

#[test]
fn only_failures_of_what_the_action_put_in_place_count_as_failing_again() {
    let failing = |revision: u32, last_seen: i64| {
        let mut i = incident(Category::AppExitError, 3);
        i.key.revision = revision;
        i.last_seen_ms = last_seen;
        i
    };
    // The rollback's target failing later: failed again.
    let again = after_incident(&open(rollback()), &failing(7, NOW + 5)).unwrap();
    assert!(
        matches!(again, FollowUp::FailedAgain { revision: 7, .. }),
        "{again:?}"
    );
    // The revision rolled away from still stopping, or anything seen before the action: no.
    assert_eq!(
        after_incident(&open(rollback()), &failing(8, NOW + 5)),
        None
    );
    assert_eq!(after_incident(&open(rollback()), &failing(7, NOW)), None);

    let memory = Action::RaiseMemory {
        service: service(),
        task_definition: td("api", 8),
        scope: MemoryScope::Task,
        from_mib: 512,
        to_mib: 768,
    };
    assert!(after_incident(&open(memory.clone()), &failing(9, NOW + 5)).is_some());
    assert_eq!(after_incident(&open(memory), &failing(8, NOW + 5)), None);

    let grace = Action::RaiseGracePeriod {
        service: service(),
        from_s: 0,
        to_s: 60,
    };
    assert!(after_incident(&open(grace.clone()), &failing(8, NOW + 5)).is_some());

    let mut resolved = failing(7, NOW + 5);
    resolved.status = IncidentStatus::Resolved;
    assert_eq!(after_incident(&open(rollback()), &resolved), None);
    let mut expected = failing(7, NOW + 5);
    expected.expected = true;
    assert_eq!(after_incident(&open(grace), &expected), None);
}

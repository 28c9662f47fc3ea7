//! Preconditions of `rollback` (issue 5): "the service has a last-known-healthy task definition
//! … `UpdateService` to that revision. Never roll back to a revision that was not healthy."

use super::action::Action;
use super::decide::Context;
use super::reason::SkipReason;

pub(super) fn propose(ctx: &Context<'_>) -> Result<Action, SkipReason> {
    let healthy = ctx
        .state
        .last_healthy
        .as_ref()
        // A record without a family or with revision 0 names no revision: as good as none.
        .filter(|h| !h.task_definition.family.is_empty() && h.task_definition.revision > 0)
        .ok_or(SkipReason::NoLastHealthy)?;
    if healthy.task_definition.same_revision(ctx.current) {
        return Err(SkipReason::HealthyIsCurrent {
            revision: ctx.current.family_revision(),
        });
    }
    Ok(Action::Rollback {
        service: ctx.service.clone(),
        from: ctx.current.clone(),
        to: healthy.task_definition.clone(),
    })
}

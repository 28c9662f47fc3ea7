//! Preconditions of `memory` (issue 5): "repeated `oom_killed` → register a new revision with
//! memory raised by a factor up to a cap from the tag". The new limit is
//! `min(current × factor, cap)`; without a cap tag, or at the cap, nothing is raised. A
//! task-level limit on Fargate is rounded up to the next task size Fargate accepts for the
//! task's CPU (down to the largest under the cap when the cap is lower).

use super::action::{Action, ActionKind, MemoryScope};
use super::decide::Context;
use super::fargate;
use super::opt_in::MEMORY_MAX_TAG;
use super::reason::SkipReason;

pub(super) fn propose(ctx: &Context<'_>) -> Result<Action, SkipReason> {
    let cap = ctx.opt_in.memory_max_mib.ok_or(SkipReason::NoCap {
        action: ActionKind::Memory,
        tag: MEMORY_MAX_TAG,
    })?;
    let limit = ctx
        .state
        .memory
        .as_ref()
        .filter(|m| m.mib > 0)
        .ok_or(SkipReason::MemoryLimitUnknown)?;
    if limit.mib >= cap {
        return Err(SkipReason::MemoryAtCap {
            mib: limit.mib,
            cap,
        });
    }
    let raised = ctx.config.memory_factor.apply(limit.mib);
    // Below the cap (a u32) here, so the conversion holds; the factor is above 1 and rounds up,
    // so the result is above the current limit.
    let mut to_mib = u32::try_from(raised.min(u64::from(cap))).unwrap_or(cap);
    if let (MemoryScope::Task, Some(cpu)) = (&limit.scope, ctx.state.fargate_cpu_units) {
        // Fargate accepts only its own task sizes: round to one, or give up with a reason.
        let wanted = u32::try_from(raised).unwrap_or(u32::MAX);
        to_mib = fargate::raise(cpu, limit.mib, wanted, cap).ok_or(SkipReason::NoFargateSize {
            cpu_units: cpu,
            mib: limit.mib,
            cap,
        })?;
    }
    Ok(Action::RaiseMemory {
        service: ctx.service.clone(),
        task_definition: ctx.current.clone(),
        scope: limit.scope.clone(),
        from_mib: limit.mib,
        to_mib,
    })
}

//! Preconditions of `grace-period` (issue 5): "ELB health-check failures in the first minutes of
//! a task's life → raise `healthCheckGracePeriodSeconds` up to a cap".
//!
//! The new period is twice the longer of the current period and how long the task ran, at least
//! a minute, at most the cap: the task was still unhealthy when it was stopped, so the period must
//! outlast that with room to spare, and a small step would only move the failure a few seconds.

use super::action::{Action, ActionKind};
use super::decide::Context;
use super::opt_in::GRACE_PERIOD_MAX_TAG;
use super::reason::SkipReason;

const FLOOR_S: u32 = 60;

pub(super) fn propose(ctx: &Context<'_>) -> Result<Action, SkipReason> {
    let cap = ctx.opt_in.grace_period_max_s.ok_or(SkipReason::NoCap {
        action: ActionKind::GracePeriod,
        tag: GRACE_PERIOD_MAX_TAG,
    })?;
    let uptime_ms = ctx
        .state
        .last_task_uptime_ms
        .ok_or(SkipReason::TaskUptimeUnknown)?
        .max(0);
    if uptime_ms > ctx.config.grace_period_early_ms {
        return Err(SkipReason::NotEarlyInLife {
            uptime_ms,
            window_ms: ctx.config.grace_period_early_ms,
        });
    }
    let from_s = ctx.state.grace_period_s.unwrap_or(0);
    if from_s >= cap {
        return Err(SkipReason::GracePeriodAtCap {
            seconds: from_s,
            cap,
        });
    }
    let uptime_s = u32::try_from(uptime_ms.saturating_add(999) / 1000).unwrap_or(u32::MAX);
    let to_s = from_s.max(uptime_s).saturating_mul(2).max(FLOOR_S).min(cap);
    Ok(Action::RaiseGracePeriod {
        service: ctx.service.clone(),
        from_s,
        to_s,
    })
}

//! The values the guards persist (issue 5, "Guards": at most one action per workload within a
//! cooldown and a global cap per hour, enforced with DynamoDB conditional writes so they hold
//! across concurrent invocations and restarts). The conditional expressions are the adapter's;
//! the keys, the expiry and the cap are decided here, so every adapter writes the same items.
//!
//! Dry-run and apply keep separate guards (the mode is in both keys): a dry run is then an exact
//! rehearsal of apply, cooldown and cap included, and switching to apply is not blocked by the
//! dry runs that came before.
//!
//! [`GuardClaim`] says what the adapter writes and on which conditions.

use serde::{Deserialize, Serialize};

use crate::event::time::format_rfc3339_ms;
use crate::incident::Workload;

use super::action::{Action, ActionKind};
use super::audit::audit_sort_key;
use super::mode::Mode;

const HOUR_MS: i64 = 3_600_000;
const DAY_S: i64 = 86_400;

/// The key of one table item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemKey {
    pub pk: String,
    pub sk: String,
}

/// The two guard items that a decision at one moment reads and writes.
///
/// The mode is in both keys: dry-run and apply keep separate guards, so a dry run rehearses
/// apply exactly (cooldown and cap included) and does not block apply once it is switched on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardKeys {
    /// One per workload and mode, beside the workload's incidents: `WL#…` / `LOCK#<mode>`.
    pub lock: ItemKey,
    /// One per mode and clock hour (UTC): `GUARD#<mode>` / `HOUR#YYYY-MM-DDTHH`.
    pub hour: ItemKey,
}

impl GuardKeys {
    pub fn new(workload: &Workload, mode: Mode, now_ms: i64) -> GuardKeys {
        let hour_start = now_ms.div_euclid(HOUR_MS).saturating_mul(HOUR_MS);
        let stamp = format_rfc3339_ms(hour_start);
        // `YYYY-MM-DDTHH`: readable in the console, and sorts by time.
        let hour = stamp.get(..13).unwrap_or(&stamp);
        GuardKeys {
            lock: ItemKey {
                pk: workload.partition_key(),
                sk: format!("LOCK#{mode}"),
            },
            hour: ItemKey {
                pk: format!("GUARD#{mode}"),
                sk: format!("HOUR#{hour}"),
            },
        }
    }
}

/// Everything the guard's conditional write needs, for one planned action.
///
/// What the adapter is expected to write, in one transaction (`TransactWriteItems`), both or
/// neither:
/// - the workload lock [`GuardKeys::lock`]: put `action`, `incident_id`, `at_ms`, `until_ms`,
///   `audit_sk` (= [`GuardClaim::audit_sort_key`]), the action itself as JSON (`doc`) and
///   `expires_at_s` (= `lock_expires_at_s`) on condition
///   `attribute_not_exists(pk) OR until_ms <= :at_ms`;
/// - the hourly bucket [`GuardKeys::hour`]: `ADD actions :one SET expires_at_s = :exp`
///   (= `hour_expires_at_s`) on condition `attribute_not_exists(actions) OR actions < :cap`.
///
/// A cancelled transaction says which condition failed: the lock → [`Held::Workload`] (with the
/// stored `until_ms` when `ReturnValuesOnConditionCheckFailure` returned it), the bucket →
/// [`Held::Hourly`]. Reading the same items back gives [`super::GuardState`]: the lock's
/// `action` and `at_ms` are its `last_action`, the bucket's `actions` its `actions_this_hour`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardClaim {
    pub keys: GuardKeys,
    pub action: ActionKind,
    /// The action in full, kept on the lock so the outcome can be judged later
    /// ([`super::follow_up`]).
    pub detail: Action,
    pub incident_id: String,
    /// The decision's time: the lock may be taken only if its stored `until_ms` is not after it.
    pub at_ms: i64,
    /// The end of the cooldown this action starts.
    pub until_ms: i64,
    /// The bucket may be incremented only while it holds fewer actions than this.
    pub hourly_cap: u32,
    /// TTL of the lock item: a day after the cooldown, so an expired lock does not linger.
    pub lock_expires_at_s: i64,
    /// TTL of the hourly bucket: a day after its hour ends.
    pub hour_expires_at_s: i64,
}

impl GuardClaim {
    pub(super) fn new(
        workload: &Workload,
        mode: Mode,
        action: &Action,
        incident_id: &str,
        now_ms: i64,
        cooldown_ms: i64,
        hourly_cap: u32,
    ) -> GuardClaim {
        let until_ms = now_ms.saturating_add(cooldown_ms.max(0));
        let hour_end_ms = now_ms
            .div_euclid(HOUR_MS)
            .saturating_add(1)
            .saturating_mul(HOUR_MS);
        GuardClaim {
            keys: GuardKeys::new(workload, mode, now_ms),
            action: action.kind(),
            detail: action.clone(),
            incident_id: incident_id.to_owned(),
            at_ms: now_ms,
            until_ms,
            hourly_cap,
            lock_expires_at_s: until_ms.div_euclid(1000).saturating_add(DAY_S),
            hour_expires_at_s: hour_end_ms.div_euclid(1000).saturating_add(DAY_S),
        }
    }
}

impl GuardClaim {
    /// The sort key of the audit item this decision writes, kept on the lock so a later
    /// follow-up finds it.
    pub fn audit_sort_key(&self) -> String {
        audit_sort_key(self.at_ms, &self.incident_id)
    }
}

/// What the guard's conditional write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardOutcome {
    /// Both items written: this invocation owns the action.
    Acquired,
    Held(Held),
}

/// Which guard refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Another action on this workload is within its cooldown.
    Workload { until_ms: Option<i64> },
    /// The hour's cap was reached meanwhile.
    Hourly,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::WorkloadKind;

    fn api() -> Workload {
        Workload {
            cluster: "prod".into(),
            kind: WorkloadKind::Service,
            name: "api".into(),
        }
    }

    #[test]
    fn keys_name_the_workload_the_mode_and_the_hour() {
        // 2024-05-01T13:45:00Z
        let k = GuardKeys::new(&api(), Mode::Apply, 1_714_571_100_000);
        assert_eq!(k.lock.pk, "WL#prod#svc:api");
        assert_eq!(k.lock.sk, "LOCK#apply");
        assert_eq!(k.hour.pk, "GUARD#apply");
        assert_eq!(k.hour.sk, "HOUR#2024-05-01T13");
        let dry = GuardKeys::new(&api(), Mode::DryRun, 1_714_571_100_000);
        assert_ne!(dry.lock, k.lock, "dry runs keep their own lock");
        assert_ne!(dry.hour, k.hour, "and their own hourly bucket");
    }

    #[test]
    fn a_claim_holds_for_the_cooldown_and_expires_a_day_later() {
        let now = 1_714_571_100_000;
        let c = GuardClaim::new(
            &api(),
            Mode::Apply,
            &Action::RaiseGracePeriod {
                service: crate::remediate::ServiceRef {
                    cluster: "prod".into(),
                    service: "api".into(),
                    region: None,
                },
                from_s: 0,
                to_s: 60,
            },
            "inc-1",
            now,
            1_800_000,
            5,
        );
        assert_eq!(c.at_ms, now);
        assert_eq!(c.action, ActionKind::GracePeriod);
        assert_eq!(c.audit_sort_key(), "ACT#2024-05-01T13:45:00.000Z#inc-1");
        assert_eq!(c.until_ms, now + 1_800_000);
        assert_eq!(c.lock_expires_at_s, (now + 1_800_000) / 1000 + 86_400);
        // The hour 13:00–14:00 ends at 14:00:00Z = 1_714_572_000 s.
        assert_eq!(c.hour_expires_at_s, 1_714_572_000 + 86_400);
    }
}

//! The incident policy: pure functions of the stored state, the new classification and the time
//! (passed in). Which incident a stop belongs to, when to notify, when an incident is resolved.
//!
//! Notification rule (documented in the README): an incident notifies on its first occurrence,
//! then once each time its count reaches an escalation threshold (default 1, 5, 25, 100), then
//! every `repeat_every` occurrences (default 100) after the last threshold. Expected stops
//! (deployment replacement, scale-in, user stop, completion) are recorded but not notified unless
//! `notify_expected` is set. A resolved incident that recurs opens a new episode that notifies
//! again from its first occurrence.

use crate::classify::Classification;
use crate::incident::model::{
    Claim, Incident, IncidentKey, IncidentStatus, NotificationKind, Occurrence, OccurrenceBrief,
    Workload, WorkloadKind,
};

/// Tunables of the policy; the responder reads them from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Occurrence counts at which to notify, ascending, starting at 1.
    pub notify_at: Vec<u64>,
    /// After the last threshold, another digest every this many occurrences (0: never).
    pub repeat_every: u64,
    /// Notify expected stops too.
    pub notify_expected: bool,
    /// Days after the last occurrence that items are kept (DynamoDB TTL).
    pub ttl_days: u32,
    /// How long a notification claim holds before another invocation may take it over.
    pub claim_lease_ms: i64,
    /// Occurrences kept in an incident's history.
    pub history_len: usize,
    /// Only events of these clusters (by name); empty for every cluster. EventBridge filters
    /// task and service events by cluster already; deployment events carry no cluster in their
    /// detail, so this is where they are filtered (`CLUSTER_ARNS`).
    pub clusters: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            notify_at: vec![1, 5, 25, 100],
            repeat_every: 100,
            notify_expected: false,
            ttl_days: 30,
            claim_lease_ms: 60_000,
            history_len: 10,
            clusters: Vec::new(),
        }
    }
}

const UNKNOWN: &str = "unknown";

impl Policy {
    /// Whether events of `cluster` are in scope. An event whose cluster is unknown is taken:
    /// better one message too many than a failure nobody hears of.
    pub fn admits(&self, cluster: Option<&str>) -> bool {
        self.clusters.is_empty()
            || cluster.is_none_or(|c| self.clusters.iter().any(|name| name == c))
    }

    /// The escalation level a count has reached: how many notifications it deserves.
    pub fn level(&self, count: u64) -> u32 {
        let reached = self.notify_at.iter().filter(|t| **t <= count).count();
        let mut level = u32::try_from(reached).unwrap_or(u32::MAX);
        if let (Some(last), true) = (self.notify_at.last(), self.repeat_every > 0) {
            if count > *last {
                let extra = (count - last) / self.repeat_every;
                level = level.saturating_add(u32::try_from(extra).unwrap_or(u32::MAX));
            }
        }
        level
    }

    fn expires_at_s(&self, now_ms: i64) -> i64 {
        now_ms / 1000 + i64::from(self.ttl_days) * 86_400
    }

    /// The incident a classified stop belongs to.
    pub fn key_of(&self, c: &Classification) -> IncidentKey {
        IncidentKey {
            workload: workload_of(c),
            revision: c.subject.revision.unwrap_or(0),
            category: c.category,
        }
    }

    /// The occurrence record of a classified stop.
    pub fn occurrence(
        &self,
        c: &Classification,
        key: &IncidentKey,
        version: u64,
        stopped_at_ms: i64,
        now_ms: i64,
    ) -> Occurrence {
        let task_arn = c.subject.task_arn.clone().unwrap_or_default();
        Occurrence {
            workload: key.workload.clone(),
            task_id: c
                .subject
                .task_id
                .clone()
                .unwrap_or_else(|| UNKNOWN.to_owned()),
            task_arn,
            version,
            incident_id: key.id(),
            category: c.category,
            stopped_at_ms,
            summary: c.summary.clone(),
            expires_at_s: self.expires_at_s(now_ms),
        }
    }

    /// The incident after one more occurrence. A resolved incident reopens as a new episode.
    pub fn apply(
        &self,
        existing: Option<Incident>,
        key: &IncidentKey,
        c: &Classification,
        stopped_at_ms: i64,
        now_ms: i64,
    ) -> Incident {
        let brief = OccurrenceBrief {
            at_ms: stopped_at_ms,
            task_id: c
                .subject
                .task_id
                .clone()
                .unwrap_or_else(|| UNKNOWN.to_owned()),
            exit_code: c.subject.exit_code,
            availability_zone: c.subject.availability_zone.clone(),
        };
        let mut inc = match existing {
            Some(old) if old.status == IncidentStatus::Open => old,
            Some(old) => Incident {
                status: IncidentStatus::Open,
                episode: old.episode + 1,
                first_seen_ms: stopped_at_ms,
                last_seen_ms: stopped_at_ms,
                resolved_ms: None,
                count: 0,
                notified_level: 0,
                resolve_notice_pending: false,
                claim: None,
                recent: Vec::new(),
                ..old
            },
            None => Incident {
                key: key.clone(),
                id: key.id(),
                status: IncidentStatus::Open,
                episode: 1,
                severity: c.severity,
                expected: c.expected,
                first_seen_ms: stopped_at_ms,
                last_seen_ms: stopped_at_ms,
                resolved_ms: None,
                count: 0,
                total_count: 0,
                notified_level: 0,
                notifications_sent: 0,
                resolve_notice_pending: false,
                claim: None,
                last: c.clone(),
                recent: Vec::new(),
                rev: 0,
                expires_at_s: 0,
            },
        };
        inc.count += 1;
        inc.total_count += 1;
        inc.first_seen_ms = inc.first_seen_ms.min(stopped_at_ms);
        // Events arrive out of order: the newest stop is the one messages describe.
        if stopped_at_ms >= inc.last_seen_ms {
            inc.last_seen_ms = stopped_at_ms;
            inc.last = c.clone();
        }
        let pos = inc
            .recent
            .iter()
            .position(|b| b.at_ms < brief.at_ms)
            .unwrap_or(inc.recent.len());
        inc.recent.insert(pos, brief);
        inc.recent.truncate(self.history_len);
        inc.rev += 1;
        inc.expires_at_s = self.expires_at_s(now_ms.max(inc.last_seen_ms));
        inc
    }

    /// The notification this incident owes now, if any.
    pub fn due(&self, inc: &Incident) -> Option<NotificationKind> {
        if inc.resolve_notice_pending {
            return Some(NotificationKind::Resolved);
        }
        if inc.status != IncidentStatus::Open || (inc.expected && !self.notify_expected) {
            return None;
        }
        let level = self.level(inc.count);
        if level <= inc.notified_level {
            return None;
        }
        Some(if inc.notified_level == 0 {
            NotificationKind::Opened
        } else {
            NotificationKind::Escalated(level)
        })
    }

    /// Takes the claim to publish `what`; `None` when another invocation holds an unexpired one.
    pub fn claim(&self, inc: &Incident, what: NotificationKind, now_ms: i64) -> Option<Incident> {
        if inc.claim.as_ref().is_some_and(|c| c.until_ms > now_ms) {
            return None;
        }
        let mut next = inc.clone();
        next.claim = Some(Claim {
            what,
            until_ms: now_ms + self.claim_lease_ms,
        });
        next.rev += 1;
        Some(next)
    }

    /// Records that `what`, announcing escalation `level`, was published, releasing the claim.
    /// The level is the one the message announced, not the current count's: occurrences
    /// recorded while the message was in flight still get their own digest.
    pub fn sent(&self, inc: &Incident, what: NotificationKind, level: u32) -> Incident {
        let mut next = inc.clone();
        match what {
            NotificationKind::Resolved => next.resolve_notice_pending = false,
            NotificationKind::Opened | NotificationKind::Escalated(_) => {
                next.notified_level = next.notified_level.max(level);
            }
        }
        next.notifications_sent += 1;
        next.claim = None;
        next.rev += 1;
        next
    }

    /// Gives the claim back after a failed publish, so a retry can take it at once.
    pub fn release(&self, inc: &Incident) -> Incident {
        let mut next = inc.clone();
        next.claim = None;
        next.rev += 1;
        next
    }

    /// Resolves an open incident at a recovery signal at `at_ms`; `None` when there is nothing
    /// to resolve (not open, or it recurred after the signal).
    pub fn resolve(&self, inc: &Incident, at_ms: i64, now_ms: i64) -> Option<Incident> {
        if inc.status != IncidentStatus::Open || inc.last_seen_ms > at_ms {
            return None;
        }
        let mut next = inc.clone();
        next.status = IncidentStatus::Resolved;
        next.resolved_ms = Some(at_ms);
        next.resolve_notice_pending = inc.notified_level > 0;
        next.rev += 1;
        next.expires_at_s = self.expires_at_s(now_ms);
        Some(next)
    }
}

/// The workload of a classified event: the service, else the task family, in its cluster.
pub fn workload_of(c: &Classification) -> Workload {
    let cluster = c
        .subject
        .cluster
        .clone()
        .unwrap_or_else(|| UNKNOWN.to_owned());
    match (&c.subject.service, &c.subject.family) {
        (Some(s), _) => Workload {
            cluster,
            kind: WorkloadKind::Service,
            name: s.clone(),
        },
        (None, Some(f)) => Workload {
            cluster,
            kind: WorkloadKind::Family,
            name: f.clone(),
        },
        (None, None) => Workload {
            cluster,
            kind: WorkloadKind::Family,
            name: UNKNOWN.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_escalation_levels() {
        let p = Policy::default();
        let levels: Vec<u32> = [0, 1, 4, 5, 24, 25, 99, 100, 199, 200, 300]
            .iter()
            .map(|c| p.level(*c))
            .collect();
        assert_eq!(levels, vec![0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6]);
    }

    #[test]
    fn the_cluster_scope_admits_listed_and_unknown_clusters_only() {
        let all = Policy::default();
        assert!(all.admits(Some("prod")) && all.admits(None));
        let scoped = Policy {
            clusters: vec!["prod".into(), "payments".into()],
            ..Policy::default()
        };
        assert!(scoped.admits(Some("payments")));
        assert!(!scoped.admits(Some("staging")));
        assert!(scoped.admits(None), "unknown is taken, not dropped");
    }

    #[test]
    fn no_repeat_after_last_threshold_when_disabled() {
        let p = Policy {
            repeat_every: 0,
            ..Policy::default()
        };
        assert_eq!(p.level(10_000), 4);
    }
}

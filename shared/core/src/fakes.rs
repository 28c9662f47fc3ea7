//! In-memory fakes of the ports, for unit tests of the domain and of handlers (feature
//! `test-util`). They keep the same conditional-write semantics as the real store, so the
//! pipeline's idempotency is tested against them too — never as the only test of an adapter.

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::incident::{Incident, IncidentKey, Occurrence, Workload};
use crate::ports::{IncidentStore, Notification, Notifier, PortError, RecordOutcome};

#[derive(Debug, Default)]
struct Tables {
    occurrences: HashMap<(String, String), Occurrence>,
    incidents: HashMap<(String, String), Incident>,
}

/// An incident store in a mutex.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    tables: Mutex<Tables>,
    /// When > 0, that many calls fail with a transient error first.
    pub fail_next: AtomicUsize,
}

fn poisoned() -> PortError {
    PortError::Permanent {
        service: "memory",
        operation: "lock",
        message: "poisoned".into(),
    }
}

impl InMemoryStore {
    fn check_fault(&self) -> Result<(), PortError> {
        let n = self.fail_next.load(Ordering::SeqCst);
        if n > 0 {
            self.fail_next.store(n - 1, Ordering::SeqCst);
            return Err(PortError::Transient {
                service: "memory",
                operation: "any",
                message: "injected".into(),
            });
        }
        Ok(())
    }

    pub fn incidents(&self) -> Vec<Incident> {
        self.tables
            .lock()
            .map(|t| t.incidents.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn occurrences(&self) -> Vec<Occurrence> {
        self.tables
            .lock()
            .map(|t| t.occurrences.values().cloned().collect())
            .unwrap_or_default()
    }
}

fn ikey(k: &IncidentKey) -> (String, String) {
    (k.workload.partition_key(), k.sort_key())
}

#[async_trait]
impl IncidentStore for InMemoryStore {
    async fn get_occurrence(
        &self,
        workload: &Workload,
        task_id: &str,
    ) -> Result<Option<Occurrence>, PortError> {
        self.check_fault()?;
        let t = self.tables.lock().map_err(|_| poisoned())?;
        Ok(t.occurrences
            .get(&(workload.partition_key(), Occurrence::sort_key_for(task_id)))
            .cloned())
    }

    async fn update_occurrence(
        &self,
        o: &Occurrence,
        expected_version: u64,
    ) -> Result<bool, PortError> {
        self.check_fault()?;
        let mut t = self.tables.lock().map_err(|_| poisoned())?;
        let k = (o.workload.partition_key(), o.sort_key());
        match t.occurrences.get(&k) {
            Some(old) if old.version == expected_version => {
                t.occurrences.insert(k, o.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn get_incident(&self, key: &IncidentKey) -> Result<Option<Incident>, PortError> {
        self.check_fault()?;
        let t = self.tables.lock().map_err(|_| poisoned())?;
        Ok(t.incidents.get(&ikey(key)).cloned())
    }

    async fn record(
        &self,
        o: &Occurrence,
        inc: &Incident,
        expected_rev: Option<u64>,
    ) -> Result<RecordOutcome, PortError> {
        self.check_fault()?;
        let mut t = self.tables.lock().map_err(|_| poisoned())?;
        let ok = (o.workload.partition_key(), o.sort_key());
        if t.occurrences.contains_key(&ok) {
            return Ok(RecordOutcome::OccurrenceExists);
        }
        let ik = ikey(&inc.key);
        if t.incidents.get(&ik).map(|i| i.rev) != expected_rev {
            return Ok(RecordOutcome::IncidentChanged);
        }
        t.occurrences.insert(ok, o.clone());
        t.incidents.insert(ik, inc.clone());
        Ok(RecordOutcome::Written)
    }

    async fn save_incident(&self, inc: &Incident, expected_rev: u64) -> Result<bool, PortError> {
        self.check_fault()?;
        let mut t = self.tables.lock().map_err(|_| poisoned())?;
        let ik = ikey(&inc.key);
        if t.incidents.get(&ik).map(|i| i.rev) != Some(expected_rev) {
            return Ok(false);
        }
        t.incidents.insert(ik, inc.clone());
        Ok(true)
    }

    async fn workload_incidents(&self, workload: &Workload) -> Result<Vec<Incident>, PortError> {
        self.check_fault()?;
        let t = self.tables.lock().map_err(|_| poisoned())?;
        let pk = workload.partition_key();
        Ok(t.incidents
            .iter()
            .filter(|((p, _), _)| *p == pk)
            .map(|(_, i)| i.clone())
            .collect())
    }

    async fn recent_incidents(
        &self,
        cluster: &str,
        limit: usize,
    ) -> Result<Vec<Incident>, PortError> {
        self.check_fault()?;
        let t = self.tables.lock().map_err(|_| poisoned())?;
        let mut v: Vec<Incident> = t
            .incidents
            .values()
            .filter(|i| i.key.workload.cluster == cluster)
            .cloned()
            .collect();
        v.sort_by_key(|i| std::cmp::Reverse(i.last_seen_ms));
        v.truncate(limit);
        Ok(v)
    }
}

/// A notifier that records what it was asked to publish, and can fail on demand.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notification>>,
    /// When > 0, that many publishes fail with a transient error first.
    pub fail_next: AtomicUsize,
}

impl RecordingNotifier {
    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn publish(&self, n: &Notification) -> Result<(), PortError> {
        let f = self.fail_next.load(Ordering::SeqCst);
        if f > 0 {
            self.fail_next.store(f - 1, Ordering::SeqCst);
            return Err(PortError::Transient {
                service: "sns",
                operation: "Publish",
                message: "injected".into(),
            });
        }
        self.sent.lock().map_err(|_| poisoned())?.push(n.clone());
        Ok(())
    }
}

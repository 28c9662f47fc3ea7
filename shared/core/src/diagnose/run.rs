//! Running checks concurrently, each with its own timeout inside one overall budget. A check
//! that fails or times out becomes a "could not check" finding; the run itself never fails.
//!
//! The domain has no clock and no runtime: the [`Timer`] port supplies sleeping, and the futures
//! are polled together here, so the same code runs under tokio in Lambda and in tests.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use super::finding::{Check, Finding};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sleeping, supplied by the caller's runtime.
pub trait Timer: Send + Sync {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// Time allowed for checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The whole enrichment.
    pub total: Duration,
    /// One check.
    pub per_check: Duration,
}

impl Default for Budget {
    /// 3 s in all, 2.5 s per check: a slow dependency cannot hold the notification back.
    fn default() -> Self {
        Budget {
            total: Duration::from_millis(3000),
            per_check: Duration::from_millis(2500),
        }
    }
}

/// One check to run: its name and the future computing its findings.
pub struct Job<'a> {
    pub check: Check,
    pub future: BoxFuture<'a, Vec<Finding>>,
}

impl std::fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

/// Runs every job concurrently; each gets `min(per_check, total)`. Findings come back in the
/// jobs' order; a job that did not finish in time contributes "could not check: timed out".
pub async fn run_all(jobs: Vec<Job<'_>>, budget: Budget, timer: &dyn Timer) -> Vec<Finding> {
    let limit = budget.per_check.min(budget.total);
    let mut slots: Vec<Option<Vec<Finding>>> = jobs.iter().map(|_| None).collect();
    let checks: Vec<Check> = jobs.iter().map(|j| j.check).collect();
    let mut pending: Vec<(usize, BoxFuture<'_, Vec<Finding>>)> =
        jobs.into_iter().map(|j| j.future).enumerate().collect();
    let mut deadline = timer.sleep(limit);
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, fut)| match fut.as_mut().poll(cx) {
            Poll::Ready(findings) => {
                if let Some(slot) = slots.get_mut(*i) {
                    *slot = Some(findings);
                }
                false
            }
            Poll::Pending => true,
        });
        if pending.is_empty() || deadline.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let ms = limit.as_millis();
    slots
        .into_iter()
        .zip(checks)
        .flat_map(|(slot, check)| {
            slot.unwrap_or_else(|| {
                vec![Finding::could_not_check(
                    check,
                    format!("timed out after {ms} ms"),
                )]
            })
        })
        .collect()
}

/// Turns a port result into findings: the analysis on success, "could not check" on error.
pub fn or_could_not_check<T, E: std::fmt::Display>(
    check: Check,
    result: Result<T, E>,
    analyse: impl FnOnce(T) -> Vec<Finding>,
) -> Vec<Finding> {
    match result {
        Ok(v) => analyse(v),
        Err(e) => vec![Finding::could_not_check(check, e)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::finding::Verdict;

    /// A timer that never fires unless told to: tests decide what "late" means.
    struct Never;
    impl Timer for Never {
        fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
            Box::pin(std::future::pending())
        }
    }

    struct Immediate;
    impl Timer for Immediate {
        fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
            Box::pin(std::future::ready(()))
        }
    }

    fn ok(check: Check) -> Job<'static> {
        Job {
            check,
            future: Box::pin(async move { vec![Finding::new(check, Verdict::Ok, "fine")] }),
        }
    }

    fn hangs(check: Check) -> Job<'static> {
        Job {
            check,
            future: Box::pin(std::future::pending()),
        }
    }

    #[tokio::test]
    async fn finished_checks_report_in_job_order() {
        let out = run_all(
            vec![ok(Check::Iam), ok(Check::Logs)],
            Budget::default(),
            &Never,
        )
        .await;
        assert_eq!(
            out.iter().map(|f| f.check).collect::<Vec<_>>(),
            vec![Check::Iam, Check::Logs]
        );
    }

    #[tokio::test]
    async fn a_check_still_running_at_the_deadline_becomes_could_not_check() {
        let out = run_all(
            vec![hangs(Check::Network), ok(Check::Logs)],
            Budget::default(),
            &Immediate,
        )
        .await;
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].verdict, Verdict::CouldNotCheck);
        assert!(
            out[0]
                .summary
                .starts_with("could not check network: timed out"),
            "{}",
            out[0].summary
        );
        assert_eq!(out[1].verdict, Verdict::Ok);
    }

    #[tokio::test]
    async fn no_jobs_is_no_findings() {
        assert!(run_all(vec![], Budget::default(), &Never).await.is_empty());
    }

    #[test]
    fn port_errors_become_could_not_check_findings() {
        let out = or_could_not_check(
            Check::Iam,
            Err::<(), _>("AccessDenied: iam:GetRole"),
            |_| vec![],
        );
        assert_eq!(
            out[0].summary,
            "could not check IAM: AccessDenied: iam:GetRole"
        );
    }
}

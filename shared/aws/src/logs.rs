//! [`LogReader`] on CloudWatch Logs: the last lines of one awslogs stream before the task
//! stopped (GetLogEvents, newest page first, walking back while more lines are wanted).
//!
//! A missing log group or stream is not "no lines": it is a `PortError::Permanent` whose message
//! names which one is missing, because that is itself a finding (a wrong `awslogs-group`, or a
//! container that never started and so never created its stream).

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_types::error::display::DisplayErrorContext;
use ecs_triage_core::diagnose::ports::LogReader;
use ecs_triage_core::diagnose::view::LogLine;
use ecs_triage_core::ports::PortError;
use tracing::debug;

use crate::error::port_error;

const SERVICE: &str = "logs";
const OPERATION: &str = "GetLogEvents";

/// The IAM actions this adapter can call (compared with the SAM template's policy by a test).
pub const OPERATIONS: &[&str] = &["logs:GetLogEvents", "logs:DescribeLogStreams"];

/// GetLogEvents returns at most 10,000 events per call (CloudWatch Logs API reference, `limit`).
const MAX_PAGE: usize = 10_000;

/// Pages read backwards at most. A page can be short of `limit` (1 MB per response) or even
/// empty while older events exist, so the walk continues until the token stops changing; this
/// bounds it inside the check's time budget.
const MAX_PAGES: usize = 8;

/// Reads the tail of CloudWatch Logs streams.
#[derive(Debug, Clone)]
pub struct LogsAdapter {
    client: Client,
}

impl LogsAdapter {
    pub fn new(client: Client) -> Self {
        LogsAdapter { client }
    }

    /// Which of the group and the stream is missing, after GetLogEvents said one is. `None` when
    /// that cannot be told (DescribeLogStreams failed too).
    async fn missing(&self, group: &str, stream: &str) -> Option<String> {
        let out = self
            .client
            .describe_log_streams()
            .log_group_name(group)
            .log_stream_name_prefix(stream)
            .limit(1)
            .send()
            .await;
        match out {
            // The exact name sorts first among the names it prefixes.
            Ok(out)
                if out
                    .log_streams()
                    .iter()
                    .any(|s| s.log_stream_name() == Some(stream)) =>
            {
                None
            }
            Ok(_) => Some(format!("log group `{group}` has no log stream `{stream}`")),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Some(format!("log group `{group}` does not exist"))
            }
            Err(e) => {
                debug!(group, stream, error = %DisplayErrorContext(&e), "DescribeLogStreams failed");
                None
            }
        }
    }
}

#[async_trait]
impl LogReader for LogsAdapter {
    async fn tail(
        &self,
        group: &str,
        stream: &str,
        until_ms: Option<i64>,
        limit: usize,
    ) -> Result<Vec<LogLine>, PortError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // GetLogEvents' endTime is exclusive ("events with a timestamp equal to or later than
        // this time are not included"); the port's `until_ms` is inclusive.
        let end_time = until_ms.map(|t| t.saturating_add(1));
        let mut lines: Vec<LogLine> = Vec::new();
        let mut token: Option<String> = None;
        for page in 0..MAX_PAGES {
            let want = limit.saturating_sub(lines.len()).min(MAX_PAGE);
            let out = self
                .client
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(stream)
                .start_from_head(false)
                .set_end_time(end_time)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .set_next_token(token.clone())
                .send()
                .await;
            let out = match out {
                Ok(out) => out,
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception()) =>
                {
                    let which = self.missing(group, stream).await;
                    return Err(match which {
                        Some(which) => PortError::Permanent {
                            service: SERVICE,
                            operation: OPERATION,
                            message: format!(
                                "expected log stream `{stream}` in log group `{group}`; {which} (ResourceNotFoundException)"
                            ),
                        },
                        None => port_error(
                            SERVICE,
                            OPERATION,
                            &format!("log stream `{stream}` in log group `{group}`"),
                            &e,
                        ),
                    });
                }
                Err(e) => {
                    return Err(port_error(
                        SERVICE,
                        OPERATION,
                        &format!(
                        "the last {limit} lines of log stream `{stream}` in log group `{group}`"
                    ),
                        &e,
                    ))
                }
            };
            // Each page is oldest first; older pages go in front.
            let page_lines: Vec<LogLine> = out
                .events()
                .iter()
                .map(|e| LogLine {
                    at_ms: e.timestamp().unwrap_or_default(),
                    message: e.message().unwrap_or_default().to_owned(),
                })
                .collect();
            debug!(
                group,
                stream,
                page,
                lines = page_lines.len(),
                "log page read"
            );
            lines.splice(0..0, page_lines);
            let next = out.next_backward_token().map(str::to_owned);
            // The same token back means the start of the stream was reached.
            if lines.len() >= limit || next.is_none() || next == token {
                break;
            }
            token = next;
        }
        let excess = lines.len().saturating_sub(limit);
        lines.drain(..excess);
        debug!(group, stream, lines = lines.len(), limit, "log tail read");
        Ok(lines)
    }
}

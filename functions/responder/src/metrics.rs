//! One CloudWatch Embedded Metric Format (EMF) record per invocation.
//!
//! CloudWatch Logs turns a log line that is a JSON object with an `_aws.CloudWatchMetrics`
//! directive into metrics, without a `PutMetricData` call on the hot path
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).
//! Every dimension named in the directive must be a top-level string member, and every metric a
//! top-level number; other top-level members are searchable properties.

use std::time::Duration;

use serde_json::{json, Value};

/// Namespace of the responder's metrics.
pub const NAMESPACE: &str = "EcsTriage";

/// The `Category` dimension's value when the event had no category (a recovery, an ignored
/// event, a bad input).
pub const NO_CATEGORY: &str = "none";

/// What one invocation did, as the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation<'a> {
    /// The action (`recorded`, `duplicate`, `resolved`, `ignored`, …) or `error`.
    pub outcome: &'a str,
    /// The taxonomy label, when the event was classified.
    pub category: Option<&'a str>,
    /// The notifications published (`opened`, `escalated`, `resolved`).
    pub notified: Vec<&'a str>,
    pub incident_id: Option<&'a str>,
    /// `Retryable` or `NonRetryable` when the invocation failed.
    pub error_type: Option<&'a str>,
    pub duration: Duration,
    /// The record's time, in milliseconds since the epoch.
    pub timestamp_ms: i64,
}

/// The EMF record of one invocation: one JSON object, to print as one line.
pub fn emf_record(inv: &Invocation<'_>) -> Value {
    let category = inv.category.unwrap_or(NO_CATEGORY);
    let mut record = json!({
        "_aws": {
            "Timestamp": inv.timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Outcome"], ["Category"]],
                "Metrics": [
                    {"Name": "Events", "Unit": "Count"},
                    {"Name": "Notified", "Unit": "Count"},
                    {"Name": "DurationMs", "Unit": "Milliseconds"},
                ],
            }],
        },
        "Outcome": inv.outcome,
        "Category": category,
        "Events": 1,
        "Notified": inv.notified.len(),
        "DurationMs": round_ms(inv.duration),
        "outcome": inv.outcome,
        "category": category,
        "notified": inv.notified,
    });
    if let Some(map) = record.as_object_mut() {
        if let Some(id) = inv.incident_id {
            map.insert("incident_id".to_owned(), Value::from(id));
        }
        if let Some(t) = inv.error_type {
            map.insert("error_type".to_owned(), Value::from(t));
        }
    }
    record
}

/// The EMF record as one line (a JSON object has no raw newline in it).
pub fn emf_line(inv: &Invocation<'_>) -> String {
    emf_record(inv).to_string()
}

/// Milliseconds with microsecond precision.
fn round_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded() -> Invocation<'static> {
        Invocation {
            outcome: "recorded",
            category: Some("oom_killed"),
            notified: vec!["opened"],
            incident_id: Some("inc-0123456789abcdef"),
            error_type: None,
            duration: Duration::from_micros(12_345),
            timestamp_ms: 1_746_000_000_000,
        }
    }

    #[test]
    fn the_line_is_one_json_object_in_the_emf_shape() {
        let line = emf_line(&recorded());
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();

        let aws = &v["_aws"];
        assert_eq!(aws["Timestamp"], 1_746_000_000_000_i64);
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        let d = &directives[0];
        assert_eq!(d["Namespace"], "EcsTriage");
        assert_eq!(d["Dimensions"], json!([["Outcome"], ["Category"]]));
        let metrics: Vec<(&str, &str)> = d["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["Name"].as_str().unwrap(), m["Unit"].as_str().unwrap()))
            .collect();
        assert_eq!(
            metrics,
            [
                ("Events", "Count"),
                ("Notified", "Count"),
                ("DurationMs", "Milliseconds")
            ]
        );

        // Every dimension is a top-level string, every metric a top-level number (EMF spec).
        for dims in d["Dimensions"].as_array().unwrap() {
            for name in dims.as_array().unwrap() {
                assert!(v[name.as_str().unwrap()].is_string(), "dimension {name}");
            }
        }
        for (name, _) in &metrics {
            assert!(v[*name].is_number(), "metric {name}");
        }
        assert_eq!(v["Outcome"], "recorded");
        assert_eq!(v["Category"], "oom_killed");
        assert_eq!(v["Events"], 1);
        assert_eq!(v["Notified"], 1);
        assert_eq!(v["DurationMs"], 12.345);
        assert_eq!(v["outcome"], "recorded");
        assert_eq!(v["category"], "oom_killed");
        assert_eq!(v["notified"], json!(["opened"]));
        assert_eq!(v["incident_id"], "inc-0123456789abcdef");
        assert!(v.get("error_type").is_none());
    }

    #[test]
    fn a_failed_invocation_without_a_category_still_has_every_dimension() {
        let inv = Invocation {
            outcome: "error",
            category: None,
            notified: vec![],
            incident_id: None,
            error_type: Some("NonRetryable"),
            ..recorded()
        };
        let v = emf_record(&inv);
        assert_eq!(v["Outcome"], "error");
        assert_eq!(v["Category"], "none");
        assert_eq!(v["Notified"], 0);
        assert_eq!(v["notified"], json!([]));
        assert_eq!(v["error_type"], "NonRetryable");
        assert!(v.get("incident_id").is_none());
    }
}

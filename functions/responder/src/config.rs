//! The responder's configuration, read once from the environment at start.
//!
//! | variable | required | default | meaning |
//! |---|---|---|---|
//! | `TABLE_NAME` | yes | – | DynamoDB table of incidents and occurrences |
//! | `TOPIC_ARN` | yes | – | SNS topic notifications are published to |
//! | `NOTIFY_AT` | no | `1,5,25,100` | occurrence counts that notify, ascending positive integers |
//! | `NOTIFY_REPEAT_EVERY` | no | `100` | after the last threshold, one digest every N occurrences (`0`: never) |
//! | `NOTIFY_EXPECTED` | no | `false` | also notify expected stops (deployment replacement, scale-in, user stop, completion) |
//! | `INCIDENT_TTL_DAYS` | no | `30` | days items are kept after the last occurrence (DynamoDB TTL) |
//! | `CLAIM_LEASE_SECONDS` | no | `60` | how long a notification claim holds before another invocation may take it over |
//! | `CLUSTER_ARNS` | no | – | comma-separated cluster ARNs (or names): events of other clusters are ignored |
//! | `AWS_CONNECT_TIMEOUT_MS` | no | `1000` | TCP + TLS connect timeout of AWS calls |
//! | `AWS_ATTEMPT_TIMEOUT_MS` | no | `2000` | timeout of one attempt of an AWS call |
//! | `AWS_OPERATION_TIMEOUT_MS` | no | `6000` | timeout of an AWS call, retries and backoff included |
//! | `AWS_MAX_ATTEMPTS` | no | `3` | attempts per AWS call, the first included |
//!
//! The `AWS_*` defaults are `ecs_triage_aws::client::ClientSettings::default()`, shared with the
//! other functions. Region, credentials and endpoint (`AWS_ENDPOINT_URL`) come from the SDK's
//! standard chain, not from here.
//!
//! An empty value counts as unset. Every invalid value is an error that names the variable,
//! what was expected and what was found, so a misconfigured function fails at init, not on the
//! first event.

use ecs_triage_aws::client::ClientSettings;
use ecs_triage_core::env::{parse, Env};
use ecs_triage_core::incident::Policy;

pub use ecs_triage_core::env::ConfigError;

/// Everything the responder reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub topic_arn: String,
    pub policy: Policy,
    pub client: ClientSettings,
    /// `ENRICH` (default true): run the enrichment checks before recording.
    pub enrich: bool,
    /// `ENRICH_BUDGET_MS` (default 3000): time for all checks together; each check gets at
    /// most this too. The Lambda deadline shortens it further.
    pub enrich_budget: std::time::Duration,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env::new(lookup);
        let table_name = env.required("TABLE_NAME", "the name of the DynamoDB incidents table")?;
        let topic_arn =
            env.required("TOPIC_ARN", "the ARN of the SNS topic notifications go to")?;

        let defaults = Policy::default();
        let policy = Policy {
            notify_at: match env.get("NOTIFY_AT") {
                Some(v) => parse_thresholds("NOTIFY_AT", &v)?,
                None => defaults.notify_at,
            },
            repeat_every: env
                .optional("NOTIFY_REPEAT_EVERY", parse::NON_NEGATIVE, parse::u64)?
                .unwrap_or(defaults.repeat_every),
            notify_expected: env
                .optional("NOTIFY_EXPECTED", parse::BOOLEAN, parse::bool)?
                .unwrap_or(defaults.notify_expected),
            ttl_days: env
                .optional("INCIDENT_TTL_DAYS", POSITIVE_DAYS, parse::positive_u32)?
                .unwrap_or(defaults.ttl_days),
            claim_lease_ms: env
                .optional("CLAIM_LEASE_SECONDS", LEASE_SECONDS, parse_lease)?
                .unwrap_or(defaults.claim_lease_ms),
            history_len: defaults.history_len,
            // ARNs (as the template's parameter takes them) or bare names.
            clusters: env
                .get("CLUSTER_ARNS")
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(|c| c.rsplit('/').next().unwrap_or(c).to_owned())
                        .collect()
                })
                .unwrap_or_default(),
        };

        let client = ClientSettings::from_env(&env)?;

        let enrich = env
            .optional("ENRICH", parse::BOOLEAN, parse::bool)?
            .unwrap_or(true);
        let enrich_budget = env
            .optional("ENRICH_BUDGET_MS", parse::POSITIVE_MS, parse::millis)?
            .unwrap_or(std::time::Duration::from_millis(3000));

        Ok(Config {
            table_name,
            topic_arn,
            policy,
            client,
            enrich,
            enrich_budget,
        })
    }
}

const POSITIVE_DAYS: &str = "a whole number of days >= 1";
const LEASE_SECONDS: &str = "a whole number of seconds from 1 to 31536000 (a year)";
const THRESHOLDS: &str =
    "a comma-separated list of ascending whole numbers >= 1, such as 1,5,25,100";

/// Seconds to milliseconds, bounded so the arithmetic on lease deadlines cannot overflow.
fn parse_lease(s: &str) -> Option<i64> {
    let secs: i64 = s.parse().ok().filter(|n| (1..=86_400 * 365).contains(n))?;
    Some(secs * 1000)
}

fn parse_thresholds(var: &'static str, s: &str) -> Result<Vec<u64>, ConfigError> {
    let invalid = || ConfigError::Invalid {
        var,
        expected: THRESHOLDS,
        found: s.to_owned(),
    };
    let mut out: Vec<u64> = Vec::new();
    for part in s.split(',') {
        let n: u64 = part.trim().parse().map_err(|_| invalid())?;
        if n == 0 || out.last().is_some_and(|last| *last >= n) {
            return Err(invalid());
        }
        out.push(n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::time::Duration;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const REQUIRED: [(&str, &str); 2] = [
        ("TABLE_NAME", "incidents"),
        ("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:alerts"),
    ];

    fn with(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut pairs = REQUIRED.to_vec();
        pairs.extend_from_slice(extra);
        Config::from_lookup(lookup(&pairs))
    }

    #[test]
    fn only_the_required_variables_give_the_documented_defaults() {
        let c = with(&[]).unwrap();
        assert_eq!(c.table_name, "incidents");
        assert_eq!(c.topic_arn, "arn:aws:sns:us-east-1:123456789012:alerts");
        assert_eq!(c.policy, Policy::default());
        assert_eq!(c.policy.notify_at, vec![1, 5, 25, 100]);
        assert_eq!(c.policy.repeat_every, 100);
        assert!(!c.policy.notify_expected);
        assert_eq!(c.policy.ttl_days, 30);
        assert_eq!(c.policy.claim_lease_ms, 60_000);
        let d = ClientSettings::default();
        assert_eq!(c.client.connect_timeout, d.connect_timeout);
        assert_eq!(c.client.attempt_timeout, d.attempt_timeout);
        assert_eq!(c.client.operation_timeout, d.operation_timeout);
        assert_eq!(c.client.max_attempts, d.max_attempts);
    }

    #[test]
    fn a_missing_table_name_is_named() {
        let err = Config::from_lookup(lookup(&[("TOPIC_ARN", "arn")])).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Missing {
                var: "TABLE_NAME",
                ..
            }
        ));
        assert!(err.to_string().contains("TABLE_NAME is not set"), "{err}");
    }

    #[test]
    fn an_empty_topic_arn_counts_as_missing() {
        let err =
            Config::from_lookup(lookup(&[("TABLE_NAME", "t"), ("TOPIC_ARN", "  ")])).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Missing {
                    var: "TOPIC_ARN",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn every_tunable_is_read() {
        let c = with(&[
            ("NOTIFY_AT", "1, 3,10"),
            ("NOTIFY_REPEAT_EVERY", "0"),
            ("NOTIFY_EXPECTED", "TRUE"),
            ("INCIDENT_TTL_DAYS", "7"),
            ("CLAIM_LEASE_SECONDS", "15"),
            ("AWS_CONNECT_TIMEOUT_MS", "1500"),
            ("AWS_ATTEMPT_TIMEOUT_MS", "2500"),
            ("AWS_OPERATION_TIMEOUT_MS", "9000"),
            ("AWS_MAX_ATTEMPTS", "5"),
            (
                "CLUSTER_ARNS",
                "arn:aws:ecs:us-east-1:123456789012:cluster/prod, payments",
            ),
        ])
        .unwrap();
        assert_eq!(c.policy.clusters, ["prod", "payments"]);
        assert_eq!(c.policy.notify_at, vec![1, 3, 10]);
        assert_eq!(c.policy.repeat_every, 0);
        assert!(c.policy.notify_expected);
        assert_eq!(c.policy.ttl_days, 7);
        assert_eq!(c.policy.claim_lease_ms, 15_000);
        assert_eq!(c.client.connect_timeout, Duration::from_millis(1500));
        assert_eq!(c.client.attempt_timeout, Duration::from_millis(2500));
        assert_eq!(c.client.operation_timeout, Duration::from_millis(9000));
        assert_eq!(c.client.max_attempts, 5);
    }

    #[test]
    fn invalid_values_name_the_variable_the_expectation_and_the_value() {
        let cases = [
            ("NOTIFY_AT", "1,5,5"),
            ("NOTIFY_AT", "0,1"),
            ("NOTIFY_AT", "one"),
            ("NOTIFY_AT", "1,,5"),
            ("NOTIFY_REPEAT_EVERY", "-1"),
            ("NOTIFY_EXPECTED", "maybe"),
            ("INCIDENT_TTL_DAYS", "0"),
            ("CLAIM_LEASE_SECONDS", "1.5"),
            ("AWS_CONNECT_TIMEOUT_MS", "0"),
            ("AWS_ATTEMPT_TIMEOUT_MS", "2s"),
            ("AWS_OPERATION_TIMEOUT_MS", "-5"),
            ("AWS_MAX_ATTEMPTS", "0"),
        ];
        for (var, value) in cases {
            let err = with(&[(var, value)]).unwrap_err();
            let ConfigError::Invalid {
                var: named, found, ..
            } = &err
            else {
                panic!("{var}={value}: expected Invalid, got {err:?}");
            };
            assert_eq!(*named, var);
            assert_eq!(found, value);
            let msg = err.to_string();
            assert!(
                msg.contains(var) && msg.contains("expected") && msg.contains(value),
                "{msg}"
            );
        }
    }

    #[test]
    fn an_empty_tunable_keeps_its_default() {
        let c = with(&[("NOTIFY_AT", ""), ("AWS_MAX_ATTEMPTS", " ")]).unwrap();
        assert_eq!(c.policy.notify_at, vec![1, 5, 25, 100]);
        assert_eq!(
            c.client.max_attempts,
            ClientSettings::default().max_attempts
        );
    }
}

//! The remediator's configuration, read once from the environment at start.
//!
//! | variable | required | default | meaning |
//! |---|---|---|---|
//! | `TABLE_NAME` | yes | – | the incidents table (its stream triggers the function; guard, audit and kill switch live in it) |
//! | `TOPIC_ARN` | yes | – | SNS topic the announcements go to |
//! | `REMEDIATION_MODE` | no | `dry-run` | `off`, `dry-run` or `apply` |
//! | `KILL_SWITCH` | no | `released` | `engaged` stops every action from start (the deploy-time switch; the table item is the one that needs no deploy) |
//! | `COOLDOWN_MINUTES` | no | `30` | at most one action per service within this long |
//! | `HOURLY_CAP` | no | `5` | at most this many actions per clock hour, all services together (`0`: none) |
//! | `FAILURE_THRESHOLD` | no | `3` | stops an incident must count before any action |
//! | `FOREIGN_DEPLOYMENT_MIN_AGE_MINUTES` | no | `10` | never act while someone else's deployment is younger |
//! | `MEMORY_FACTOR` | no | `1.5` | the `memory` action multiplies the limit by this (`1.5`, `2`, `150%`), up to the service's cap |
//! | `GRACE_PERIOD_EARLY_SECONDS` | no | `300` | `grace-period` answers health-check failures of tasks that ran at most this long |
//! | `AUDIT_TTL_DAYS` | no | `90` | days audit items are kept |
//! | `STACK_NAME` | no | – | the ecs-triage stack's name: services tagged `aws:cloudformation:stack-name` with it are never touched |
//! | `EXCLUDE_SERVICES` | no | – | comma-separated `cluster/service` never to touch |
//! | `AWS_*` | no | | timeouts and attempts, as for the responder |
//!
//! The kill switch that needs no deploy is not here: it is an item in the table, read on every
//! invocation (docs/REMEDIATION.md). `KILL_SWITCH` is the same switch set at deploy time; either
//! one engaged stops every action.

use ecs_triage_aws::client::ClientSettings;
use ecs_triage_core::env::{parse, ConfigError, Env};
use ecs_triage_core::remediate::{Exclusions, KillSwitch, MemoryFactor, Mode, RemediationConfig};

const MINUTE_MS: i64 = 60_000;

/// Everything the remediator reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub topic_arn: String,
    pub policy: RemediationConfig,
    pub stack_name: Option<String>,
    pub exclusions: Exclusions,
    /// The deploy-time kill switch (`KILL_SWITCH`).
    pub kill_switch: KillSwitch,
    pub client: ClientSettings,
}

const MODE: &str = "off, dry-run or apply";
const SWITCH: &str = "engaged or released";
const MINUTES: &str = "a whole number of minutes from 0 to 10080 (a week)";
const SECONDS: &str = "a whole number of seconds from 1 to 86400";
const FACTOR: &str = "a number above 1 and at most 10 (e.g. 1.5 or 150%)";
const EXCLUSIONS: &str = "a comma-separated list of cluster/service";
const POSITIVE_DAYS: &str = "a whole number of days >= 1";
const POSITIVE: &str = "a whole number >= 1";

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env::new(lookup);
        let table_name = env.required("TABLE_NAME", "the name of the DynamoDB incidents table")?;
        let topic_arn =
            env.required("TOPIC_ARN", "the ARN of the SNS topic announcements go to")?;
        let d = RemediationConfig::default();
        let minutes = |var| env.optional(var, MINUTES, parse_minutes);
        let policy = RemediationConfig {
            mode: env
                .optional("REMEDIATION_MODE", MODE, |s| s.parse::<Mode>().ok())?
                .unwrap_or(d.mode),
            cooldown_ms: minutes("COOLDOWN_MINUTES")?.unwrap_or(d.cooldown_ms),
            hourly_cap: env
                .optional("HOURLY_CAP", parse::NON_NEGATIVE, parse::u32)?
                .unwrap_or(d.hourly_cap),
            failure_threshold: env
                .optional("FAILURE_THRESHOLD", POSITIVE, |s| {
                    parse::u64(s).filter(|n| *n >= 1)
                })?
                .unwrap_or(d.failure_threshold),
            foreign_deployment_min_age_ms: minutes("FOREIGN_DEPLOYMENT_MIN_AGE_MINUTES")?
                .unwrap_or(d.foreign_deployment_min_age_ms),
            memory_factor: env
                .optional("MEMORY_FACTOR", FACTOR, |s| s.parse::<MemoryFactor>().ok())?
                .unwrap_or(d.memory_factor),
            grace_period_early_ms: env
                .optional("GRACE_PERIOD_EARLY_SECONDS", SECONDS, parse_seconds)?
                .unwrap_or(d.grace_period_early_ms),
            audit_ttl_days: env
                .optional("AUDIT_TTL_DAYS", POSITIVE_DAYS, parse::positive_u32)?
                .unwrap_or(d.audit_ttl_days),
        };
        let exclusions = env
            .optional("EXCLUDE_SERVICES", EXCLUSIONS, |s| {
                Exclusions::parse(s).ok()
            })?
            .unwrap_or_default();
        Ok(Config {
            table_name,
            topic_arn,
            policy,
            stack_name: env.get("STACK_NAME"),
            exclusions,
            kill_switch: env
                .optional("KILL_SWITCH", SWITCH, |s| s.parse::<KillSwitch>().ok())?
                .unwrap_or_default(),
            client: ClientSettings::from_env(&env)?,
        })
    }
}

fn parse_minutes(s: &str) -> Option<i64> {
    let m: i64 = s.parse().ok().filter(|m| (0..=10_080).contains(m))?;
    Some(m * MINUTE_MS)
}

fn parse_seconds(s: &str) -> Option<i64> {
    let secs: i64 = s.parse().ok().filter(|n| (1..=86_400).contains(n))?;
    Some(secs * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut map: HashMap<String, String> = HashMap::from([
            ("TABLE_NAME".to_owned(), "incidents".to_owned()),
            (
                "TOPIC_ARN".to_owned(),
                "arn:aws:sns:us-east-1:1:alerts".to_owned(),
            ),
        ]);
        for (k, v) in extra {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
        Config::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn the_defaults_are_dry_run_and_the_documented_values() {
        let c = with(&[]).unwrap();
        assert_eq!(c.policy, RemediationConfig::default());
        assert_eq!(c.policy.mode, Mode::DryRun);
        assert_eq!(c.stack_name, None);
        assert!(c.exclusions.is_empty());
    }

    #[test]
    fn every_tunable_is_read() {
        let c = with(&[
            ("REMEDIATION_MODE", "apply"),
            ("COOLDOWN_MINUTES", "5"),
            ("HOURLY_CAP", "0"),
            ("FAILURE_THRESHOLD", "2"),
            ("FOREIGN_DEPLOYMENT_MIN_AGE_MINUTES", "0"),
            ("MEMORY_FACTOR", "2"),
            ("GRACE_PERIOD_EARLY_SECONDS", "120"),
            ("AUDIT_TTL_DAYS", "7"),
            ("STACK_NAME", "ecs-triage"),
            ("EXCLUDE_SERVICES", "prod/payments"),
            ("AWS_MAX_ATTEMPTS", "4"),
            ("KILL_SWITCH", "engaged"),
        ])
        .unwrap();
        let p = &c.policy;
        assert_eq!(p.mode, Mode::Apply);
        assert_eq!(p.cooldown_ms, 300_000);
        assert_eq!(p.hourly_cap, 0);
        assert_eq!(p.failure_threshold, 2);
        assert_eq!(p.foreign_deployment_min_age_ms, 0);
        assert_eq!(p.memory_factor.percent(), 200);
        assert_eq!(p.grace_period_early_ms, 120_000);
        assert_eq!(p.audit_ttl_days, 7);
        assert_eq!(c.stack_name.as_deref(), Some("ecs-triage"));
        assert!(c.exclusions.contains("prod", "payments"));
        assert_eq!(c.client.max_attempts, 4);
        assert_eq!(c.kill_switch, KillSwitch::Engaged);
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_value() {
        for (var, value) in [
            ("REMEDIATION_MODE", "yolo"),
            ("COOLDOWN_MINUTES", "-1"),
            ("HOURLY_CAP", "many"),
            ("FAILURE_THRESHOLD", "0"),
            ("MEMORY_FACTOR", "0.5"),
            ("GRACE_PERIOD_EARLY_SECONDS", "0"),
            ("AUDIT_TTL_DAYS", "0"),
            ("EXCLUDE_SERVICES", "payments"),
            ("KILL_SWITCH", "maybe"),
        ] {
            let err = with(&[(var, value)]).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(var) && msg.contains(value), "{msg}");
        }
        let missing = Config::from_lookup(|_| None).unwrap_err();
        assert!(missing.to_string().contains("TABLE_NAME"), "{missing}");
    }
}

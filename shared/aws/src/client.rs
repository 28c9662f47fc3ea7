//! The one place SDK configuration is built: timeouts and retries that fit inside a Lambda
//! invocation. Region, credentials and endpoint come from aws-config's standard chain
//! (`AWS_REGION`, the Lambda role, `AWS_ENDPOINT_URL` for the local emulator), so there is no
//! code branch for "local".

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use ecs_triage_core::env::{parse, ConfigError, Env};

/// How long SDK calls may take and how often they are retried.
///
/// The defaults bound one call to about 6 s in the worst case, so a slow or unreachable service
/// becomes a transient error well inside the function's timeout instead of a timed-out
/// invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// Time to establish a TCP + TLS connection. Default 1 s.
    pub connect_timeout: Duration,
    /// Time for one attempt, from sending the request to reading the response. Default 2 s.
    pub attempt_timeout: Duration,
    /// Time for the whole operation, every retry and backoff included. Default 6 s.
    pub operation_timeout: Duration,
    /// Attempts of the standard retry strategy, the first included. Default 3.
    pub max_attempts: u32,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            connect_timeout: Duration::from_secs(1),
            attempt_timeout: Duration::from_secs(2),
            operation_timeout: Duration::from_secs(6),
            max_attempts: 3,
        }
    }
}

impl ClientSettings {
    /// The defaults, with what `AWS_CONNECT_TIMEOUT_MS`, `AWS_ATTEMPT_TIMEOUT_MS`,
    /// `AWS_OPERATION_TIMEOUT_MS` and `AWS_MAX_ATTEMPTS` set (every function reads the same
    /// variables).
    pub fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<F>,
    ) -> Result<ClientSettings, ConfigError> {
        let mut client = ClientSettings::default();
        let ms = |var| env.optional(var, parse::POSITIVE_MS, parse::millis);
        if let Some(d) = ms("AWS_CONNECT_TIMEOUT_MS")? {
            client.connect_timeout = d;
        }
        if let Some(d) = ms("AWS_ATTEMPT_TIMEOUT_MS")? {
            client.attempt_timeout = d;
        }
        if let Some(d) = ms("AWS_OPERATION_TIMEOUT_MS")? {
            client.operation_timeout = d;
        }
        if let Some(n) = env.optional(
            "AWS_MAX_ATTEMPTS",
            parse::POSITIVE_ATTEMPTS,
            parse::positive_u32,
        )? {
            client.max_attempts = n;
        }
        Ok(client)
    }

    pub fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .operation_timeout(self.operation_timeout)
            .build()
    }

    pub fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts)
    }
}

/// A config loader with the settings applied and everything else from aws-config's standard
/// chain. Tests use it to point at the emulator explicitly (`.endpoint_url(..)`,
/// `.credentials_provider(..)`) with the production timeouts and retries.
pub fn config_loader(settings: &ClientSettings) -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(settings.timeout_config())
        .retry_config(settings.retry_config())
}

/// The SDK configuration every client of a function is built from (once, at cold start).
pub async fn load_sdk_config(settings: &ClientSettings) -> SdkConfig {
    config_loader(settings).load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = ClientSettings::default();
        let t = s.timeout_config();
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(1)));
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(6)));
        assert_eq!(s.retry_config().max_attempts(), 3);
    }
}

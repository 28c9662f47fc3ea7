//! Reading a function's settings from its environment, the same way in every function: an empty
//! value counts as unset, and every invalid value is an error that names the variable, what was
//! expected and what was found, so a misconfigured function fails at init, not on the first
//! event. Pure: the lookup is passed in (the process environment, or a map in tests).

use std::time::Duration;

/// A variable that is missing or does not hold what it should.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {var} is not set: expected {expected}")]
    Missing {
        var: &'static str,
        expected: &'static str,
    },
    #[error("environment variable {var}: expected {expected}, found {found:?}")]
    Invalid {
        var: &'static str,
        expected: &'static str,
        found: String,
    },
}

/// An environment to read settings from.
pub struct Env<F> {
    lookup: F,
}

impl<F> std::fmt::Debug for Env<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").finish_non_exhaustive()
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn new(lookup: F) -> Env<F> {
        Env { lookup }
    }

    /// The trimmed value; `None` when unset or blank.
    pub fn get(&self, var: &str) -> Option<String> {
        (self.lookup)(var)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn required(
        &self,
        var: &'static str,
        expected: &'static str,
    ) -> Result<String, ConfigError> {
        self.get(var).ok_or(ConfigError::Missing { var, expected })
    }

    /// Parses an optional variable with `parse`; `None` when unset or blank.
    pub fn optional<T>(
        &self,
        var: &'static str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match self.get(var) {
            None => Ok(None),
            Some(found) => match parse(&found) {
                Some(v) => Ok(Some(v)),
                None => Err(ConfigError::Invalid {
                    var,
                    expected,
                    found,
                }),
            },
        }
    }
}

/// Parsers for the common value shapes, with the words their errors use.
pub mod parse {
    use super::Duration;

    pub const NON_NEGATIVE: &str = "a whole number >= 0";
    pub const BOOLEAN: &str = "true or false";
    pub const POSITIVE_MS: &str = "a whole number of milliseconds >= 1";
    pub const POSITIVE_ATTEMPTS: &str = "a whole number of attempts >= 1";

    pub fn u64(s: &str) -> Option<u64> {
        s.parse().ok()
    }

    pub fn u32(s: &str) -> Option<u32> {
        s.parse().ok()
    }

    pub fn positive_u32(s: &str) -> Option<u32> {
        s.parse().ok().filter(|n| *n >= 1)
    }

    pub fn millis(s: &str) -> Option<Duration> {
        s.parse()
            .ok()
            .filter(|n| *n >= 1)
            .map(Duration::from_millis)
    }

    /// `true`/`1`/`yes` or `false`/`0`/`no`, any case.
    pub fn bool(s: &str) -> Option<bool> {
        match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        }
    }
}

//! Shared by the test suites of the workspace: starting the local AWS emulator.
//!
//! The integration tests themselves live in `tests/it/`. The CLI's live tests
//! (`cli/tests/`) use this library too, so both start the emulator the same way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository's root: the parent of the running test's package (`<repo>/tests` or
/// `<repo>/cli`). Read at run time from the `CARGO_MANIFEST_DIR` that `cargo test` sets, not
/// baked in with `env!`: clones of the repo share one target directory (`.ci/run`), and a
/// library artifact built from another clone, still fresh by its mtimes, would otherwise point
/// the tests at that clone's `scripts/`.
pub fn repo_root() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    package
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// Runs `scripts/emulator start` (which starts moto, or reuses the repo's running one) and
/// returns the `KEY=value` lines it printed: `AWS_ENDPOINT_URL`, `AWS_REGION`, `TABLE_NAME`,
/// `TOPIC_ARN`, … The error says why the emulator is not available, with the script's output.
pub fn start_emulator() -> Result<HashMap<String, String>, String> {
    let script = repo_root().join("scripts").join("emulator");
    let output = Command::new(&script)
        .arg("start")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run `{} start`: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "`{} start` failed ({}); it said:\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(parse_env(&String::from_utf8_lossy(&output.stdout)))
}

/// `KEY=value` lines, values possibly shell-quoted by Python's `shlex.quote` (single quotes,
/// with `'"'"'` for a quote inside).
pub fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(key, _)| {
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(key, value)| (key.to_owned(), unquote(value.trim())))
        .collect()
}

fn unquote(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.extend(chars.by_ref().take_while(|&c| c != '\'')),
            '"' => out.extend(chars.by_ref().take_while(|&c| c != '"')),
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_env;

    #[test]
    fn quoted_values_are_unquoted_and_other_lines_ignored() {
        let env = parse_env("A=1\nB='x y'\nC='it'\"'\"'s'\nexport A B C\n# note=1\n");
        assert_eq!(env.get("A").map(String::as_str), Some("1"));
        assert_eq!(env.get("B").map(String::as_str), Some("x y"));
        assert_eq!(env.get("C").map(String::as_str), Some("it's"));
        assert_eq!(env.len(), 3, "{env:?}");
    }
}

//! The redaction corpus: realistic log lines that carry secrets, and lines that must survive.
//!
//! - `redaction/secrets.txt`: one log line per line, each carrying at least one secret, across
//!   log formats (JSON, logfmt, Java, Python, Go, Node, curl -v, env dumps, connection strings,
//!   multi-line PEM blocks). The file is read as one stream through a `Redactor`, so the lines of
//!   a multi-line key are hidden too. Every line must change.
//! - `redaction/secrets.expected`: for the line with the same number, the exact secret substrings
//!   that must be gone after redaction, separated by tabs.
//! - `redaction/keep.txt`: lines full of things that look like secrets but are not (ARNs, request
//!   ids, digests, task ids, IPs, timestamps, UUIDs, plain base64, the word password without a
//!   value). Every line must come back exactly as it was.
//!
//! To add a case, append the line to `secrets.txt` and its secrets to `secrets.expected` (or the
//! line to `keep.txt`), then run `cargo test -p ecs-triage-core --test redaction_corpus`.

use std::borrow::Cow;
use std::path::PathBuf;

use ecs_triage_core::redact::{redact, Kinds, Redactor, SecretKind};
use proptest::prelude::*;

fn corpus(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/redaction")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn secret_lines() -> Vec<String> {
    corpus("secrets.txt").lines().map(str::to_owned).collect()
}

fn expected_secrets() -> Vec<Vec<String>> {
    corpus("secrets.expected")
        .lines()
        .map(|l| {
            l.split('\t')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn keep_lines() -> Vec<String> {
    corpus("keep.txt").lines().map(str::to_owned).collect()
}

/// The secret corpus redacted as one stream.
fn redacted_secret_lines() -> Vec<(String, Kinds)> {
    let mut redactor = Redactor::new();
    secret_lines()
        .iter()
        .map(|line| {
            let r = redactor.redact(line);
            (r.text.into_owned(), r.kinds)
        })
        .collect()
}

#[test]
fn the_corpora_hold_at_least_sixty_secret_lines_and_forty_keep_lines() {
    assert!(secret_lines().len() >= 60, "{}", secret_lines().len());
    assert!(keep_lines().len() >= 40, "{}", keep_lines().len());
}

#[test]
fn every_secret_line_has_its_expected_secrets_listed_and_present() {
    let lines = secret_lines();
    let expected = expected_secrets();
    assert_eq!(
        lines.len(),
        expected.len(),
        "secrets.txt and secrets.expected must have one line each per case"
    );
    for (n, (line, secrets)) in lines.iter().zip(&expected).enumerate() {
        assert!(
            !secrets.is_empty(),
            "secrets.expected line {} is empty",
            n + 1
        );
        for secret in secrets {
            assert!(
                line.contains(secret.as_str()),
                "secrets.expected line {} lists {secret:?}, which is not in {line:?}",
                n + 1
            );
        }
    }
}

#[test]
fn every_secret_line_changes_and_no_listed_secret_survives() {
    let mut failures = Vec::new();
    for (n, ((line, secrets), (out, _))) in secret_lines()
        .iter()
        .zip(expected_secrets())
        .zip(redacted_secret_lines())
        .enumerate()
    {
        if out == *line {
            failures.push(format!("line {}: unchanged: {line}", n + 1));
        }
        for secret in secrets.iter().filter(|s| out.contains(s.as_str())) {
            failures.push(format!("line {}: {secret:?} survived in: {out}", n + 1));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_secret_corpus_exercises_every_kind_of_secret_but_known_values() {
    let seen = redacted_secret_lines()
        .into_iter()
        .fold(Kinds::default(), |all, (_, kinds)| all.union(kinds));
    let missing: Vec<SecretKind> = SecretKind::ALL
        .into_iter()
        .filter(|k| *k != SecretKind::Known && !seen.contains(*k))
        .collect();
    assert!(missing.is_empty(), "no corpus line produced {missing:?}");
}

#[test]
fn a_line_outside_a_key_block_redacts_the_same_with_or_without_a_redactor() {
    let mut redactor = Redactor::new();
    for line in secret_lines() {
        let inside = redactor.in_private_key();
        let streamed = redactor.redact(&line).text.into_owned();
        if !inside {
            assert_eq!(redact(&line).text, streamed, "{line}");
        }
    }
    assert!(
        !redactor.in_private_key(),
        "the corpus ends inside a key block"
    );
}

#[test]
fn redacting_the_secret_corpus_twice_changes_nothing_more() {
    let mut redactor = Redactor::new();
    for (once, _) in redacted_secret_lines() {
        let twice = redactor.redact(&once);
        assert!(!twice.changed(), "{once} became {}", twice.text);
    }
}

#[test]
fn every_keep_line_comes_back_unchanged_and_unallocated() {
    let mut redactor = Redactor::new();
    let mut failures = Vec::new();
    for (n, line) in keep_lines().iter().enumerate() {
        let alone = redact(line);
        if !matches!(alone.text, Cow::Borrowed(_)) {
            failures.push(format!("line {}: {line}\n   became {}", n + 1, alone.text));
        }
        let streamed = redactor.redact(line);
        assert_eq!(
            streamed.text,
            *line,
            "line {} changed inside a stream",
            n + 1
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Fragments that excite the scanners: labels, prefixes, separators, quotes and escapes.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("password".to_owned()),
        Just("=".to_owned()),
        Just(": ".to_owned()),
        Just("\"".to_owned()),
        Just("\\\"".to_owned()),
        Just(";".to_owned()),
        Just("://".to_owned()),
        Just("@".to_owned()),
        Just("Authorization: Bearer ".to_owned()),
        Just("AKIAIOSFODNN7EXAMPLE".to_owned()),
        Just("eyJhbGciOiJIUzI1NiJ9.".to_owned()),
        Just("-----BEGIN PRIVATE KEY-----".to_owned()),
        Just("-----END PRIVATE KEY-----".to_owned()),
        Just("hooks.slack.com/services/".to_owned()),
        Just("{\"name\":\"API_TOKEN\",\"value\":".to_owned()),
        Just("arn:aws:secretsmanager:us-east-1:123456789012:secret:".to_owned()),
        "[a-zA-Z0-9+/_.-]{0,48}",
        "\\PC{0,8}",
        any::<char>().prop_map(String::from),
    ]
}

proptest! {
    #[test]
    fn any_line_redacts_without_panicking_and_an_unchanged_line_is_borrowed(
        parts in prop::collection::vec(fragment(), 0..24)
    ) {
        let line = parts.concat();
        let once = redact(&line);
        if !once.changed() {
            prop_assert!(matches!(once.text, Cow::Borrowed(_)));
            prop_assert_eq!(&once.text, &line);
        }
        // A second pass may find more (a marker can turn its neighbour into a token boundary),
        // but never undoes a marker.
        let twice = redact(&once.text);
        prop_assert!(twice.text.matches("[REDACTED:").count() >= once.count);
    }

    #[test]
    fn a_known_secret_never_survives_wherever_it_is_put(
        parts in prop::collection::vec(fragment(), 0..16),
        secret in "[a-z]{3}[0-9]{3}[A-Z]{2}",
        at in any::<prop::sample::Index>(),
    ) {
        let mut parts = parts;
        let i = at.index(parts.len() + 1);
        parts.insert(i, secret.clone());
        let line = parts.concat();
        let r = ecs_triage_core::redact::redact_known(&line, &[&secret]);
        prop_assert!(!r.text.contains(&secret), "{:?} -> {:?}", line, r.text);
    }
}

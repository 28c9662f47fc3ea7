//! The public contract of [`redact`](super::redact): what comes back, how it is counted, and that
//! no input makes it fail. Each scanner's own cases are next to it.

use std::borrow::Cow;

use super::*;

#[test]
fn an_ordinary_line_comes_back_borrowed() {
    let line = "2024-05-01T12:00:00.000Z INFO [main] c.e.App - started in 1.2s on 10.0.1.23:8080 \
                task=0123456789abcdef0123456789abcdef request=7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let r = redact(line);
    assert!(matches!(r.text, Cow::Borrowed(_)));
    assert!(!r.changed());
    assert!(r.kinds.is_empty());
}

#[test]
fn the_result_counts_markers_and_names_their_kinds() {
    let r =
        redact("AKIAIOSFODNN7EXAMPLE password=hunter2 ghp_0123456789abcdefghijABCDEFGHIJ012345");
    assert_eq!(
        r.text,
        "[REDACTED:aws-access-key-id] password=[REDACTED:password] [REDACTED:github-token]"
    );
    assert_eq!(r.count, 3);
    assert_eq!(
        r.kinds.iter().collect::<Vec<_>>(),
        [
            SecretKind::AwsAccessKeyId,
            SecretKind::Password,
            SecretKind::GitHubToken
        ]
    );
    assert_eq!(r.to_string(), r.text);
}

#[test]
fn a_secret_behind_a_label_is_named_by_its_shape() {
    let r = redact("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl");
    assert_eq!(r.text, "token=[REDACTED:jwt]");
    assert_eq!(r.count, 1);
}

#[test]
fn known_secret_values_are_hidden_wherever_they_appear() {
    let r = redact_known(
        "connected with Tr0ub4dor&3 as app; retry Tr0ub4dor&3",
        &["Tr0ub4dor&3", "app"],
    );
    assert_eq!(
        r.text,
        "connected with [REDACTED:known-secret] as app; retry [REDACTED:known-secret]"
    );
    assert_eq!(r.count, 2);
}

#[test]
fn known_secret_values_shorter_than_six_characters_are_ignored() {
    let line = "user admin logged in with 12345";
    assert_eq!(redact_known(line, &["admin", "12345", ""]).text, line);
}

#[test]
fn a_known_secret_inside_a_labelled_value_makes_one_marker() {
    let r = redact_known("password=xxTr0ub4dorxx", &["Tr0ub4dor"]);
    assert_eq!(r.text, "password=[REDACTED:password]");
    assert_eq!(r.count, 1);
}

#[test]
fn redacting_twice_changes_nothing_more() {
    for line in [
        "password=hunter2 token=abc123 Authorization: Bearer abc.def.ghi",
        "postgres://app:s3cr3t@db:5432/app AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN PRIVATE KEY-----MIIE-----END PRIVATE KEY-----",
        "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX",
        r#"{"name":"API_KEY","value":"k-123456"}"#,
    ] {
        let once = redact(line).text.into_owned();
        let twice = redact(&once);
        assert_eq!(twice.text, once);
        assert!(!twice.changed(), "{once}");
    }
}

#[test]
fn a_redactor_hides_known_secrets_too() {
    let secrets = ["Tr0ub4dor&3"];
    let mut r = Redactor::with_known(&secrets);
    assert_eq!(
        r.redact("pw Tr0ub4dor&3").text,
        "pw [REDACTED:known-secret]"
    );
    assert_eq!(
        format!("{r:?}"),
        "Redactor { known_secrets: 1, in_private_key: false }"
    );
}

#[test]
fn a_key_block_that_never_ends_is_given_up_after_the_limit() {
    let mut r = Redactor::new();
    let _ = r.redact("-----BEGIN RSA PRIVATE KEY-----");
    let body = "MIIEowIBAAKCAQEA7bq98YhVYE6xDq2ZJrY9PW5tx3oQNDA0kt0S1TPoZcWkdoCbO3Bv";
    for _ in 0..MAX_PRIVATE_KEY_LINES {
        assert!(r.redact(body).changed());
    }
    assert_eq!(r.redact(body).text, body);
    assert!(!r.in_private_key());
}

#[test]
fn hostile_input_never_panics() {
    let nasty = [
        String::new(),
        "\u{0}".repeat(1000),
        "\u{fffd}\u{202e}\u{2028}é漢字🦀".repeat(1000),
        "password=".to_owned() + &"é".repeat(10_000),
        "\"password\":\"".to_owned() + &"\\".repeat(10_001),
        "<password>".repeat(10_000),
        "-----BEGIN PRIVATE KEY-----".repeat(1000),
        "-----BEGIN ".to_owned() + &"A".repeat(100_000) + " PRIVATE KEY-----",
        "Authorization:".repeat(10_000),
        "Bearer ".repeat(10_000),
        "https://a:b@".repeat(10_000),
        "hooks.slack.com/services/".repeat(10_000),
        "{\"name\":\"DB_PASSWORD\",".repeat(10_000),
        "AKIAIOSFODNN7EXAMPLE:".repeat(10_000),
        "x".repeat(1 << 20),
    ];
    for line in &nasty {
        let r = redact_known(line, &["secret-value"]);
        assert!(r.text.len() <= line.len() + 30 * r.count + 30);
        let mut redactor = Redactor::new();
        let _ = redactor.redact(line);
        let _ = redactor.redact(line);
        let _ = mark(line);
        let _ = cap_line(line, 100);
    }
}

#[test]
fn markers_never_split_a_character() {
    let r = redact("pässwörd=ünïcödé€ secret=日本語のパスワード");
    assert!(r.text.contains("[REDACTED:"), "{}", r.text);
    let r = redact("password=ünïcödé€ next");
    assert_eq!(r.text, "password=[REDACTED:password] next");
}

//! Secrets behind a label: `password=…`, `DB_PASSWORD: …`, `"client_secret": "…"`,
//! `'api_key' => '…'`, `<SecretAccessKey>…</SecretAccessKey>`, `--password …`, `Password=…;` in a
//! connection string, `Authorization: …`, and the ECS environment form
//! `{"name": "DB_PASSWORD", "value": "…"}`.
//!
//! The scanner walks the line's identifier-like runs (`[A-Za-z0-9_.-]+`) and asks of each whether
//! it ends with a secret word once case and `_`/`-`/`.` are ignored (`aws_secret_access_key`,
//! `secretAccessKey`, `X-Amz-Security-Token`). A label is only a label when a separator and a
//! value follow it, so "password reset email sent" is left alone.
//!
//! Labels come in two strengths. Password labels always hide their value: a leaked password is
//! worse than a hidden word. Other labels (`token`, `secret`, `auth`) also appear in prose
//! ("invalid token: signature mismatch"), so a value that is a plain word is kept after them, and
//! after any label in the prose-like `label: value` form.

use super::auth;
use super::kind::SecretKind;
use super::scan::{at, before, is_b64, is_space_or_control, mixed_case, run_end, skip_blanks};
use super::scan::{starts, starts_ci};
use super::span::Spans;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// `password`, `passwd`, `passphrase`, `db_pass`.
    Password,
    /// `pwd`: also the name of the working directory in an environment dump (`PWD=/app`).
    Pwd,
    /// `aws_secret_access_key`, `SecretAccessKey`.
    AwsSecret,
    /// `secret_key`: an AWS secret key when its value has that shape.
    SecretKey,
    /// `aws_session_token`, `SessionToken`, `X-Amz-Security-Token`.
    SessionToken,
    /// `Authorization`, `Proxy-Authorization`.
    Authorization,
    /// `api_key`, `private_key`, `AccountKey`, `SharedAccessKey`, and Secrets Manager's
    /// `SecretString` and `SecretBinary`, whose values are the secret itself.
    Key,
    /// `secret`, `token`, `auth`: common in prose too.
    Weak,
}

/// Tokens that end with `token` but are not credentials: AWS pagination and idempotency tokens.
const NOT_SECRET_TOKENS: [&[u8]; 8] = [
    b"nexttoken",
    b"continuationtoken",
    b"paginationtoken",
    b"pagetoken",
    b"clienttoken",
    b"idempotencytoken",
    b"synctoken",
    b"resumetoken",
];

pub(crate) fn scan(line: &str, out: &mut Spans) {
    let b = line.as_bytes();
    // Where the current run of non-delimiters started: an ARN, if the line holds one here. Kept
    // up to date as the scan moves forward, so asking costs nothing however long the line.
    let mut segment = 0;
    let mut i = 0;
    while i < b.len() {
        let c = at(b, i);
        if !is_key_char(c) {
            if ends_arn(c) {
                segment = i + 1;
            }
            i += 1;
            continue;
        }
        let start = i;
        i = run_end(b, i, is_key_char);
        let Some(run) = b.get(start..i) else {
            break;
        };
        let resume = if let Some(label) = label(run) {
            // `https://x-access-token:ghs_…@github.com`: user info, which the URL scanner reads.
            let user_info = start >= 3 && starts(b, start - 3, b"://");
            // `arn:aws:secretsmanager:…:secret:prod/db`: `secret:` is a resource type.
            let in_arn = starts_ci(b, segment, b"arn:");
            if user_info || in_arn {
                None
            } else {
                pair(b, start, i, label, out)
            }
        } else if is_curl_user_flag(run) {
            curl_user(b, i, out)
        } else {
            None
        };
        if let Some(resume) = resume.filter(|r| *r > i) {
            if let Some(last) = b
                .get(i..resume)
                .and_then(|s| s.iter().rposition(|c| ends_arn(*c)))
            {
                segment = i + last + 1;
            }
            i = resume;
        }
    }
}

/// What cannot be part of an ARN as logs print them.
fn ends_arn(c: u8) -> bool {
    is_space_or_control(c) || matches!(c, b'"' | b'\'' | b',' | b'=' | b'(' | b'[' | b'{')
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

fn is_word_separator(c: u8) -> bool {
    matches!(c, b'_' | b'.' | b'-')
}

/// Where `key` ends with `suffix` once ASCII case and `_`/`-`/`.` are ignored: the index in `key`
/// of the suffix's first byte. `suffix` is written lower-case without separators.
fn ends_with_word(key: &[u8], suffix: &[u8]) -> Option<usize> {
    let mut k = key.len();
    for &want in suffix.iter().rev() {
        loop {
            k = k.checked_sub(1)?;
            if !is_word_separator(at(key, k)) {
                break;
            }
        }
        if at(key, k).to_ascii_lowercase() != want {
            return None;
        }
    }
    Some(k)
}

/// Whether a word starts at `key[i]`: after a separator, or at a lower-to-upper case change.
fn word_starts_at(key: &[u8], i: usize) -> bool {
    let prev = before(key, i);
    is_word_separator(prev) || (prev.is_ascii_lowercase() && at(key, i).is_ascii_uppercase())
}

fn label(run: &[u8]) -> Option<Label> {
    let first = run.iter().position(|c| !is_word_separator(*c))?;
    let last = run.iter().rposition(|c| !is_word_separator(*c))?;
    let key = run.get(first..=last)?;
    // Every suffix below ends with one of these letters; most runs are rejected here.
    if key.len() > 128
        || !matches!(
            key.last().map(u8::to_ascii_lowercase),
            Some(b'd' | b'e' | b's' | b'y' | b't' | b'n' | b'h' | b'g')
        )
    {
        return None;
    }
    let ends = |suffix: &[u8]| ends_with_word(key, suffix).is_some();
    if ends(b"authorization") {
        return Some(Label::Authorization);
    }
    if ends(b"secretaccesskey") || ends(b"awssecretkey") {
        return Some(Label::AwsSecret);
    }
    if ends(b"sessiontoken") || ends(b"securitytoken") {
        return Some(Label::SessionToken);
    }
    if ends(b"password") || ends(b"passwd") || ends(b"passphrase") {
        return Some(Label::Password);
    }
    if ends(b"pwd") {
        return Some(Label::Pwd);
    }
    // `DB_PASS`, `dbPass`, `RABBITMQ_DEFAULT_PASS`; not `bypass`, `compass`, nor a bare `pass`.
    if let Some(i) = ends_with_word(key, b"pass") {
        if i > 0 && word_starts_at(key, i) {
            return Some(Label::Password);
        }
    }
    if ends(b"secretkey") {
        return Some(Label::SecretKey);
    }
    let keys: [&[u8]; 6] = [
        b"apikey",
        b"privatekey",
        b"accountkey",
        b"sharedaccesskey",
        b"secretstring",
        b"secretbinary",
    ];
    if keys.iter().any(|k| ends(k)) {
        return Some(Label::Key);
    }
    if ends(b"secret") {
        return Some(Label::Weak);
    }
    if ends(b"token") {
        return (!NOT_SECRET_TOKENS.iter().any(|t| ends(t))).then_some(Label::Weak);
    }
    (key.eq_ignore_ascii_case(b"auth")).then_some(Label::Weak)
}

/// How the label was quoted, which says how its value will be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    /// `"key"`, `'key'`, `` `key` ``.
    Plain(u8),
    /// `\"key\"`: JSON inside a JSON string.
    Escaped,
    /// `<key>`.
    Xml,
}

fn quote_before(b: &[u8], start: usize) -> Quote {
    match before(b, start) {
        q @ (b'"' | b'\'' | b'`') if before(b, start - 1) == b'\\' => {
            if q == b'"' {
                Quote::Escaped
            } else {
                Quote::Plain(q)
            }
        }
        q @ (b'"' | b'\'' | b'`') => Quote::Plain(q),
        b'<' => Quote::Xml,
        _ => Quote::None,
    }
}

fn skip_closing_quote(b: &[u8], p: usize, quote: Quote) -> usize {
    match quote {
        Quote::Plain(q) if at(b, p) == q => p + 1,
        Quote::Escaped if at(b, p) == b'\\' && at(b, p + 1) == b'"' => p + 2,
        _ => p,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    /// `=`, `:=`, `=>`: structured data.
    Equals,
    /// `:`: structured data, or prose.
    Colon,
}

fn separator(b: &[u8], p: usize) -> Option<(Sep, usize)> {
    match (at(b, p), at(b, p + 1)) {
        (b':', b'=') | (b'=', b'>') => Some((Sep::Equals, 2)),
        (b'=', b'=') | (b':', b':') => None,
        (b'=', _) => Some((Sep::Equals, 1)),
        (b':', _) => Some((Sep::Colon, 1)),
        _ => None,
    }
}

/// A value found after a label: its content `start..end`, whether it was quoted, and where
/// scanning may resume.
#[derive(Debug, Clone, Copy)]
struct Value {
    start: usize,
    end: usize,
    quoted: bool,
    next: usize,
}

/// Reads the value that starts at `p`. `spaces_allowed` is for connection strings, whose values
/// run to the next `;` (`Password=my pass phrase;`).
fn read_value(b: &[u8], p: usize, spaces_allowed: bool) -> Value {
    let quoted = |start: usize, close: &dyn Fn(usize) -> Option<usize>| {
        let mut j = start;
        while j < b.len() {
            if let Some(next) = close(j) {
                return Value {
                    start,
                    end: j,
                    quoted: true,
                    next,
                };
            }
            // A backslash escapes the next byte; `close` runs first, so `\"` still closes a
            // value that was opened with `\"`.
            j += if at(b, j) == b'\\' { 2 } else { 1 };
        }
        let end = j.min(b.len());
        Value {
            start,
            end,
            quoted: true,
            next: end,
        }
    };
    match (at(b, p), at(b, p + 1)) {
        (b'\\', b'"') => quoted(p + 2, &|j| {
            (at(b, j) == b'\\' && at(b, j + 1) == b'"').then_some(j + 2)
        }),
        (b'"', _) => quoted(p + 1, &|j| (at(b, j) == b'"').then_some(j + 1)),
        (q @ (b'\'' | b'`'), _) => {
            let end = run_end(b, p + 1, |c| c != q && c != 0);
            Value {
                start: p + 1,
                end,
                quoted: true,
                next: if at(b, end) == q { end + 1 } else { end },
            }
        }
        (b'{', _) if spaces_allowed => {
            // ODBC braces a value that contains `;`: `Pwd={a;b}`.
            let end = run_end(b, p + 1, |c| c != b'}' && c != 0);
            Value {
                start: p + 1,
                end,
                quoted: true,
                next: end.saturating_add(1).min(b.len()),
            }
        }
        _ => {
            let end = if spaces_allowed {
                run_end(b, p, |c| {
                    !matches!(c, b';' | b'"' | b'\'' | b'\\') && (c >= b' ' || c == b'\t')
                })
            } else {
                run_end(b, p, |c| {
                    !is_space_or_control(c)
                        && !matches!(
                            c,
                            b'"' | b'\''
                                | b','
                                | b'&'
                                | b';'
                                | b'}'
                                | b')'
                                | b']'
                                | b'<'
                                | b'>'
                                | b'\\'
                        )
                })
            };
            Value {
                start: p,
                end,
                quoted: false,
                next: end,
            }
        }
    }
}

/// Values that are not secrets: masks, placeholders, template references and literals.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
    const LITERALS: [&[u8]; 14] = [
        b"null",
        b"nil",
        b"none",
        b"undefined",
        b"true",
        b"false",
        b"yes",
        b"no",
        b"empty",
        b"%s",
        b"%v",
        b"%q",
        b"?",
        b"\"\"",
    ];
    let masked = |c: &u8| *c == b'*';
    v.is_empty()
        || v.iter().all(masked)
        || starts_ci(v, 0, b"[redacted")
        || starts_ci(v, 0, b"<redacted")
        || starts_ci(v, 0, b"[filtered")
        || starts(v, 0, b"${")
        || starts(v, 0, b"{{")
        || starts(v, 0, b"%(")
        || LITERALS.iter().any(|l| v.eq_ignore_ascii_case(l))
        || std::str::from_utf8(v).is_ok_and(|s| s.chars().all(|c| c == '•'))
}

/// A word of prose (`expired`, `Invalid`), possibly followed by sentence punctuation.
pub(crate) fn is_plain_word(v: &[u8]) -> bool {
    let end = v
        .iter()
        .rposition(|c| !matches!(c, b'.' | b':' | b'!' | b'?'))
        .map_or(0, |i| i + 1);
    let word = v.get(..end).unwrap_or_default();
    let mut letters = word.iter();
    letters.next().is_some_and(u8::is_ascii_alphabetic) && letters.all(u8::is_ascii_lowercase)
}

/// Finds and hides the value of the label `b[start..end]`; answers where scanning may resume.
fn pair(b: &[u8], start: usize, end: usize, label: Label, out: &mut Spans) -> Option<usize> {
    let quote = quote_before(b, start);
    let after_key = skip_closing_quote(b, end, quote);
    let spaced_before = skip_blanks(b, after_key) > after_key;
    let p = skip_blanks(b, after_key);

    let Some((sep, sep_len)) = separator(b, p) else {
        if quote == Quote::Xml && at(b, end) == b'>' {
            let value_end = run_end(b, end + 1, |c| c != b'<' && c != 0);
            let value = Value {
                start: end + 1,
                end: value_end,
                quoted: true,
                next: value_end,
            };
            return hide(b, start, label, value, false, out);
        }
        let flag = starts(b, start, b"-");
        if flag && spaced_before && at(b, p) != b'-' && !is_space_or_control(at(b, p)) {
            // `--password hunter2`
            let value = read_value(b, p, false);
            return hide(b, start, label, value, true, out);
        }
        if matches!(label, Label::AwsSecret | Label::SessionToken) && spaced_before {
            // `aws configure set aws_secret_access_key wJalr…` in a shell trace.
            let value = read_value(b, p, false);
            let v = b.get(value.start..value.end).unwrap_or_default();
            let shaped =
                v.len() >= 40 && v.iter().all(|c| is_b64(*c) || *c == b'=') && mixed_case(v);
            if shaped {
                return hide(b, start, label, value, false, out);
            }
        }
        return env_entry_value(b, after_key, label, out);
    };

    let value_start = skip_blanks(b, p + sep_len);
    if label == Label::Authorization {
        let value = read_value(b, value_start, false);
        // An unquoted header value runs to the end of the line (`Digest username="admin", …`),
        // unless the label itself was quoted and the value sits in a larger structure.
        let in_structure = quote != Quote::None;
        let value_end = if value.quoted {
            value.end
        } else {
            run_end(b, value_start, |c| {
                (c >= b' ' || c == b'\t') && !(in_structure && matches!(c, b'"' | b'\'' | b'\\'))
            })
        };
        auth::header_value(b, value.start, value_end, out);
        return Some(if value.quoted { value.next } else { value_end });
    }
    // `password= user=bob` in logfmt is an empty password followed by the next pair.
    if sep == Sep::Equals && !spaced_before && value_start > p + sep_len {
        let next = read_value(b, value_start, false);
        let next_token = b.get(next.start..next.end).unwrap_or_default();
        if !next.quoted && next_token.contains(&b'=') {
            return None;
        }
    }
    let connection = matches!(label, Label::Password | Label::Pwd)
        && sep == Sep::Equals
        && before(b, skip_back_blanks(b, start)) == b';';
    let value = read_value(b, value_start, connection);
    let prose_form = sep == Sep::Colon && quote == Quote::None && !value.quoted;
    let connection = connection || (!value.quoted && at(b, value.end) == b';');
    hide_as(b, start, label, value, prose_form, connection, out)
}

fn skip_back_blanks(b: &[u8], mut i: usize) -> usize {
    while matches!(before(b, i), b' ' | b'\t') {
        i -= 1;
    }
    i
}

/// `{"name": "DB_PASSWORD", "value": "hunter2"}` (ECS container environment, `docker inspect`),
/// `Name=DB_PASSWORD,Value=hunter2` (AWS CLI shorthand) and
/// `{"Name": "/prod/db_password", "Type": "SecureString", "Value": "hunter2"}` (SSM
/// `GetParameter`): the label is a name, and its value is that of a `value` field after it.
fn env_entry_value(b: &[u8], after_name: usize, label: Label, out: &mut Spans) -> Option<usize> {
    // The value field may come after a couple of others (`"Type": "SecureString"`).
    const MAX_FIELDS_BETWEEN: usize = 2;
    // The name may be the end of a quoted path (`"/prod/db_password"`), whose quote is still here.
    let mut p = match (at(b, after_name), at(b, after_name + 1)) {
        (b'\\', b'"') => after_name + 2,
        (b'"' | b'\'', _) => after_name + 1,
        _ => after_name,
    };
    for _ in 0..=MAX_FIELDS_BETWEEN {
        p = skip_blanks(b, p);
        if at(b, p) != b',' {
            return None;
        }
        p = skip_blanks(b, p + 1);
        p = match (at(b, p), at(b, p + 1)) {
            (b'\\', b'"') => p + 2,
            (b'"' | b'\'', _) => p + 1,
            _ => p,
        };
        let field_start = p;
        let field_end = run_end(b, p, is_key_char);
        let field = b.get(field_start..field_end)?;
        if field.is_empty() {
            return None;
        }
        let quote = quote_before(b, field_start);
        let q = skip_blanks(b, skip_closing_quote(b, field_end, quote));
        let (_, sep_len) = separator(b, q)?;
        let value = read_value(b, skip_blanks(b, q + sep_len), false);
        let is_value_field = field
            .len()
            .checked_sub(5)
            .and_then(|i| field.get(i..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(b"value"));
        if is_value_field {
            return hide(b, field_start, label, value, false, out);
        }
        p = value.next;
    }
    None
}

fn hide(
    b: &[u8],
    key_start: usize,
    label: Label,
    value: Value,
    prose_form: bool,
    out: &mut Spans,
) -> Option<usize> {
    hide_as(b, key_start, label, value, prose_form, false, out)
}

fn hide_as(
    b: &[u8],
    key_start: usize,
    label: Label,
    value: Value,
    prose_form: bool,
    connection: bool,
    out: &mut Spans,
) -> Option<usize> {
    let v = b.get(value.start..value.end)?;
    let password = matches!(label, Label::Password | Label::Pwd);
    let keep = is_placeholder(v)
        || (label == Label::Pwd && matches!(v.first(), Some(b'/' | b'~')))
        || (!password && (prose_form || label == Label::Weak) && is_plain_word(v));
    if !keep {
        let kind = match label {
            Label::Password | Label::Pwd if connection => SecretKind::ConnectionString,
            Label::Password | Label::Pwd => SecretKind::Password,
            Label::AwsSecret => SecretKind::AwsSecretAccessKey,
            Label::SecretKey if looks_like_aws_secret(b, key_start, v) => {
                SecretKind::AwsSecretAccessKey
            }
            Label::SessionToken => SecretKind::AwsSessionToken,
            Label::Authorization => SecretKind::Authorization,
            Label::SecretKey | Label::Key | Label::Weak => SecretKind::Secret,
        };
        out.push(value.start, value.end, kind);
    }
    Some(value.next)
}

fn looks_like_aws_secret(b: &[u8], key_start: usize, v: &[u8]) -> bool {
    let aws_label = starts_ci(b, key_start, b"aws");
    aws_label || (v.len() == 40 && v.iter().all(|c| is_b64(*c)) && mixed_case(v))
}

fn is_curl_user_flag(run: &[u8]) -> bool {
    run == b"-u" || run == b"--user" || run == b"--proxy-user"
}

/// `curl -u user:password` and `--user user:password`: the password after the first `:`.
fn curl_user(b: &[u8], flag_end: usize, out: &mut Spans) -> Option<usize> {
    let p = match at(b, flag_end) {
        b'=' => flag_end + 1,
        b' ' | b'\t' => skip_blanks(b, flag_end),
        _ => return None,
    };
    let value = read_value(b, p, false);
    let v = b.get(value.start..value.end)?;
    let colon = v.iter().position(|c| *c == b':')?;
    let password_start = value.start + colon + 1;
    let password = b.get(password_start..value.end)?;
    if !is_placeholder(password) {
        out.push(password_start, value.end, SecretKind::Password);
    }
    Some(value.next)
}

#[cfg(test)]
mod tests {
    use crate::redact::redact;

    fn text(line: &str) -> String {
        redact(line).text.into_owned()
    }

    #[test]
    fn labels_match_whatever_their_case_and_separators() {
        for key in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "spring.datasource.password",
            "MYSQL_ROOT_PASSWORD",
            "PGPASSWORD",
            "RABBITMQ_DEFAULT_PASS",
            "client_secret",
            "api-key",
            "X-Api-Key",
            "apikey",
            "access_token",
            "GITHUB_TOKEN",
        ] {
            let line = format!("{key}=S3cr3tValue!");
            assert!(
                !text(&line).contains("S3cr3tValue"),
                "{key}: {}",
                text(&line)
            );
        }
    }

    #[test]
    fn words_that_merely_end_like_labels_are_not_labels() {
        for line in [
            "bypass=S3cr3tValue",
            "compass=S3cr3tValue",
            "pass=S3cr3tValue",
            "password_reset_url=https://example.com/r",
            "nextToken=AAMAeyJ2IjoiMSJ9",
            "clientToken=ecs-svc-0123456789",
            "secretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        ] {
            assert_eq!(text(line), line);
        }
    }

    #[test]
    fn a_label_as_the_user_of_a_url_leaves_the_host_visible() {
        assert_eq!(
            text("git clone https://x-access-token:s3cr3t-v4lue@github.com/acme/api.git"),
            "git clone https://x-access-token:[REDACTED:url-password]@github.com/acme/api.git"
        );
    }

    #[test]
    fn every_common_pair_syntax_is_understood() {
        let cases = [
            ("password=hunter2", "password=[REDACTED:password]"),
            ("password = hunter2", "password = [REDACTED:password]"),
            ("password: hunter2", "password: [REDACTED:password]"),
            (
                r#""password": "hun ter2""#,
                r#""password": "[REDACTED:password]""#,
            ),
            (
                r#"{\"password\":\"hunter2\"}"#,
                r#"{\"password\":\"[REDACTED:password]\"}"#,
            ),
            (
                "{'password': 'hunter2'}",
                "{'password': '[REDACTED:password]'}",
            ),
            (
                ":password => 'hunter2'",
                ":password => '[REDACTED:password]'",
            ),
            (
                "{User:app Password:hunter2 Port:5432}",
                "{User:app Password:[REDACTED:password] Port:5432}",
            ),
            (
                "<Password>hunter2</Password>",
                "<Password>[REDACTED:password]</Password>",
            ),
            (
                "--password hunter2 --user app",
                "--password [REDACTED:password] --user app",
            ),
            ("--password=hunter2", "--password=[REDACTED:password]"),
            (
                "?user=app&password=hunter2&ssl=true",
                "?user=app&password=[REDACTED:password]&ssl=true",
            ),
            (
                "password := \"hunter2\"",
                "password := \"[REDACTED:password]\"",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(text(line), want, "{line}");
        }
    }

    #[test]
    fn a_connection_string_password_runs_to_the_semicolon() {
        assert_eq!(
            text("Server=db;Database=app;User Id=sa;Password=my pass phrase;Encrypt=True"),
            "Server=db;Database=app;User Id=sa;Password=[REDACTED:connection-string];Encrypt=True"
        );
        assert_eq!(
            text("Driver={ODBC};Uid=sa;Pwd={a;b};"),
            "Driver={ODBC};Uid=sa;Pwd={[REDACTED:connection-string]};"
        );
    }

    #[test]
    fn an_ecs_environment_entry_hides_the_value_of_a_secret_name() {
        assert_eq!(
            text(r#"{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "PORT", "value": "80"}"#),
            r#"{"name": "DB_PASSWORD", "value": "[REDACTED:password]"}, {"name": "PORT", "value": "80"}"#
        );
        assert_eq!(
            text("Name=API_TOKEN,Value=abc123def"),
            "Name=API_TOKEN,Value=[REDACTED:secret]"
        );
        let from_arn = r#"{"name":"DB_PASSWORD","valueFrom":"arn:aws:ssm:us-east-1:123456789012:parameter/db"}"#;
        assert_eq!(text(from_arn), from_arn);
    }

    #[test]
    fn secrets_manager_and_ssm_responses_hide_the_secret_value() {
        assert_eq!(
            text(r#"{"Name":"prod/db","SecretString":"hunter2","VersionId":"v1"}"#),
            r#"{"Name":"prod/db","SecretString":"[REDACTED:secret]","VersionId":"v1"}"#
        );
        assert_eq!(
            text(
                r#"{"Parameter":{"Name":"/prod/db_password","Type":"SecureString","Value":"hunter2","Version":3}}"#
            ),
            r#"{"Parameter":{"Name":"/prod/db_password","Type":"SecureString","Value":"[REDACTED:password]","Version":3}}"#
        );
    }

    #[test]
    fn a_label_without_a_value_is_left_alone() {
        for line in [
            "password reset email sent",
            "Password authentication failed for user \"app\"",
            "password=",
            "password= user=bob",
            "password: ",
            "password=********",
            "password=${DB_PASSWORD}",
            "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)",
            "password=[REDACTED:password]",
            "docker login --password-stdin",
        ] {
            assert_eq!(text(line), line);
        }
    }

    #[test]
    fn a_weak_label_keeps_a_plain_word() {
        for line in [
            "level=warn msg=\"invalid token: signature mismatch\"",
            "token=expired",
            "secret: Rotated",
        ] {
            assert_eq!(text(line), line);
        }
        assert_eq!(text("token=abc123"), "token=[REDACTED:secret]");
        assert_eq!(text("password: letmein"), "password: [REDACTED:password]");
    }

    #[test]
    fn the_working_directory_is_not_a_password() {
        assert_eq!(text("PWD=/app OLDPWD=/"), "PWD=/app OLDPWD=/");
        assert_eq!(
            text("Uid=sa;Pwd=hunter2;"),
            "Uid=sa;Pwd=[REDACTED:connection-string];"
        );
    }

    #[test]
    fn aws_credentials_get_their_own_kinds() {
        assert_eq!(
            text("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "aws_secret_access_key = [REDACTED:aws-secret-access-key]"
        );
        assert_eq!(
            text("<SessionToken>AQoDYXdzEJr//////////wEa</SessionToken>"),
            "<SessionToken>[REDACTED:aws-session-token]</SessionToken>"
        );
        assert_eq!(
            text("secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "secret_key=[REDACTED:aws-secret-access-key]"
        );
        assert_eq!(text("secret_key=abc123"), "secret_key=[REDACTED:secret]");
    }

    #[test]
    fn an_aws_secret_passed_as_an_argument_is_hidden() {
        assert_eq!(
            text("+ aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            "+ aws configure set aws_secret_access_key [REDACTED:aws-secret-access-key]"
        );
        let line = "aws_secret_access_key not set, falling back to the task role";
        assert_eq!(text(line), line);
    }

    #[test]
    fn curl_user_credentials_keep_the_user() {
        assert_eq!(
            text("curl -u admin:hunter2 https://example.com"),
            "curl -u admin:[REDACTED:password] https://example.com"
        );
        assert_eq!(text("ps -u root"), "ps -u root");
    }

    #[test]
    fn long_runs_of_labels_stay_linear() {
        for line in [
            "password=".repeat(40_000) + &"secret:".repeat(40_000),
            "a:".repeat(100_000) + "secret:x",
            "secret/".repeat(100_000),
            "arn:aws:x:".to_owned() + &"secret:x/".repeat(50_000),
            "password,\"x\":\"".repeat(50_000),
        ] {
            let _ = text(&line);
        }
    }

    #[test]
    fn a_label_after_an_arn_on_the_same_line_still_counts() {
        assert_eq!(
            text("role=arn:aws:iam::123456789012:role/app secret:s3cr3t-v4l"),
            "role=arn:aws:iam::123456789012:role/app secret:[REDACTED:secret]"
        );
    }
}

//! Local IAM policy evaluation, as ecs-triage uses it: the execution role's policies against the
//! permissions a task definition calls for. Each row reads as a sentence. The semantics come from
//! the IAM User Guide ("Policy evaluation logic", "IAM JSON policy element reference") and the ECS
//! Developer Guide ("Amazon ECS task execution IAM role"); the rows are regression tests of the
//! evaluator, not its source.

use ecs_triage_core::iam::{
    check, evaluate, trusts_service, Decision, Effect, IamError, PolicyDocument,
    RequiredPermission, TrustDecision, ECS_TASKS_SERVICE,
};
use proptest::prelude::*;
use serde_json::{json, Value};

/// AmazonECSTaskExecutionRolePolicy, the AWS managed policy for task execution roles, as its
/// default version reads.
const AMAZON_ECS_TASK_EXECUTION_ROLE_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Resource": "*"
    }
  ]
}"#;

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "111122223333";

fn named(docs: &[(&str, Value)]) -> Vec<(String, PolicyDocument)> {
    docs.iter()
        .map(|(name, doc)| {
            let parsed = PolicyDocument::parse(&doc.to_string())
                .unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
            ((*name).to_owned(), parsed)
        })
        .collect()
}

fn managed() -> (String, PolicyDocument) {
    (
        "AmazonECSTaskExecutionRolePolicy".to_owned(),
        PolicyDocument::parse(AMAZON_ECS_TASK_EXECUTION_ROLE_POLICY)
            .expect("managed policy parses"),
    )
}

fn allow(action: Value, resource: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn deny(action: Value, resource: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": resource}]})
}

/// RFC 3986 encoding of every byte outside the unreserved set, as IAM returns documents.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The managed policy against what tasks need.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_managed_execution_policy_allows_ecr_pulls_and_awslogs_but_not_secrets() {
    let policies = vec![managed()];
    let mut required = RequiredPermission::for_ecr_image(REGION, ACCOUNT, "team/app");
    required.extend(RequiredPermission::for_awslogs(
        REGION, ACCOUNT, "/ecs/app", false,
    ));
    for v in check(&policies, &required) {
        let Decision::Allowed { by } = &v.decision else {
            panic!("{}", v.sentence("ecsTaskExecutionRole"))
        };
        assert_eq!(by.policy, "AmazonECSTaskExecutionRolePolicy");
        assert_eq!(by.index, 0);
    }

    let secret = RequiredPermission::for_secret(
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf:password::",
        REGION,
        ACCOUNT,
    )
    .expect("a secret ARN");
    let verdicts = check(&policies, &secret);
    assert_eq!(verdicts.len(), 1);
    assert_eq!(verdicts[0].decision, Decision::ImplicitlyDenied);
    assert_eq!(
        verdicts[0].sentence("ecsTaskExecutionRole"),
        "ecsTaskExecutionRole may not secretsmanager:GetSecretValue on \
         arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf: no statement allows it"
    );
}

#[test]
fn the_managed_policy_does_not_cover_creating_log_groups_ssm_or_env_files() {
    let policies = vec![managed()];
    let mut required = vec![];
    required.extend(
        RequiredPermission::for_awslogs(REGION, ACCOUNT, "/ecs/app", true)
            .into_iter()
            .filter(|r| r.action == "logs:CreateLogGroup"),
    );
    required.extend(RequiredPermission::for_secret("/prod/db", REGION, ACCOUNT).unwrap());
    required.extend(RequiredPermission::for_env_file("arn:aws:s3:::cfg/app.env").unwrap());
    let labels: Vec<String> = check(&policies, &required)
        .iter()
        .map(|v| format!("{} {}", v.required.action, v.decision.label()))
        .collect();
    assert_eq!(
        labels,
        vec![
            "logs:CreateLogGroup implicitly_denied",
            "ssm:GetParameters implicitly_denied",
            "s3:GetObject implicitly_denied",
            "s3:GetBucketLocation implicitly_denied",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Evaluation rules, one sentence per row.
// ---------------------------------------------------------------------------------------------

struct Row {
    sentence: &'static str,
    policies: Vec<(&'static str, Value)>,
    action: &'static str,
    resource: &'static str,
    expected: &'static str,
}

fn row(
    sentence: &'static str,
    policies: Vec<(&'static str, Value)>,
    action: &'static str,
    resource: &'static str,
    expected: &'static str,
) -> Row {
    Row {
        sentence,
        policies,
        action,
        resource,
        expected,
    }
}

const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
const REPO: &str = "arn:aws:ecr:us-east-1:111122223333:repository/team/app";

#[test]
fn evaluation_rules() {
    let rows = vec![
        row(
            "an explicit deny beats an allow in another policy",
            vec![
                ("all", allow(json!("*"), json!("*"))),
                ("no-secrets", deny(json!("secretsmanager:*"), json!("*"))),
            ],
            "secretsmanager:GetSecretValue",
            SECRET,
            "explicitly_denied",
        ),
        row(
            "an explicit deny beats an allow in the same policy, whatever the order",
            vec![(
                "p",
                json!({"Statement": [
                {"Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": REPO},
                {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}),
            )],
            "ecr:BatchGetImage",
            REPO,
            "explicitly_denied",
        ),
        row(
            "a deny on another action leaves the allow alone",
            vec![
                ("all", allow(json!("*"), json!("*"))),
                ("d", deny(json!("ecr:PutImage"), json!("*"))),
            ],
            "ecr:BatchGetImage",
            REPO,
            "allowed",
        ),
        row(
            "no policies allow nothing",
            vec![],
            "ecr:BatchGetImage",
            REPO,
            "implicitly_denied",
        ),
        row(
            "an allow with NotAction allows every other action",
            vec![(
                "p",
                json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}),
            )],
            "secretsmanager:GetSecretValue",
            SECRET,
            "allowed",
        ),
        row(
            "an allow with NotAction does not allow the actions it names",
            vec![(
                "p",
                json!({"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "secretsmanager:*"], "Resource": "*"}}),
            )],
            "secretsmanager:GetSecretValue",
            SECRET,
            "implicitly_denied",
        ),
        row(
            "a deny with NotAction denies every other action",
            vec![
                ("all", allow(json!("*"), json!("*"))),
                (
                    "p",
                    json!({"Statement": {"Effect": "Deny", "NotAction": "ecr:*", "Resource": "*"}}),
                ),
            ],
            "secretsmanager:GetSecretValue",
            SECRET,
            "explicitly_denied",
        ),
        row(
            "a deny with NotResource denies resources outside it",
            vec![
                ("all", allow(json!("s3:*"), json!("*"))),
                (
                    "p",
                    json!({"Statement": {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::cfg", "arn:aws:s3:::cfg/*"]}}),
                ),
            ],
            "s3:GetObject",
            "arn:aws:s3:::other/app.env",
            "explicitly_denied",
        ),
        row(
            "a deny with NotResource spares resources inside it",
            vec![
                ("all", allow(json!("s3:*"), json!("*"))),
                (
                    "p",
                    json!({"Statement": {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::cfg", "arn:aws:s3:::cfg/*"]}}),
                ),
            ],
            "s3:GetObject",
            "arn:aws:s3:::cfg/app.env",
            "allowed",
        ),
        row(
            "? in an action matches exactly one character",
            vec![("p", allow(json!("s3:Get?bject"), json!("*")))],
            "s3:GetObject",
            "arn:aws:s3:::cfg/app.env",
            "allowed",
        ),
        row(
            "? in an action does not match two characters",
            vec![("p", allow(json!("s3:Get?bject"), json!("*")))],
            "s3:GetOObject",
            "arn:aws:s3:::cfg/app.env",
            "implicitly_denied",
        ),
        row(
            "?????? in a resource matches the random suffix of a secret",
            vec![(
                "p",
                allow(
                    json!("secretsmanager:GetSecretValue"),
                    json!("arn:aws:secretsmanager:*:*:secret:db-??????"),
                ),
            )],
            "secretsmanager:GetSecretValue",
            SECRET,
            "allowed",
        ),
        row(
            "a condition makes an allow depend on it",
            vec![(
                "p",
                json!({"Statement": {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                "Condition": {"StringEquals": {"secretsmanager:ResourceTag/app": "web"}}}}),
            )],
            "secretsmanager:GetSecretValue",
            SECRET,
            "depends_on_condition",
        ),
        row(
            "a condition on a deny makes an allowed request depend on it",
            vec![
                ("all", allow(json!("*"), json!("*"))),
                (
                    "p",
                    json!({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*",
                     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}}),
                ),
            ],
            "ecr:BatchGetImage",
            REPO,
            "depends_on_condition",
        ),
        row(
            "an unconditional deny beats a conditional allow",
            vec![(
                "p",
                json!({"Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
                {"Effect": "Deny", "Action": "ecr:*", "Resource": "*"}]}),
            )],
            "ecr:BatchGetImage",
            REPO,
            "explicitly_denied",
        ),
        row(
            "a policy variable in a resource makes it depend on the variable",
            vec![(
                "p",
                allow(
                    json!("s3:GetObject"),
                    json!("arn:aws:s3:::cfg/${aws:PrincipalTag/app}/*"),
                ),
            )],
            "s3:GetObject",
            "arn:aws:s3:::cfg/web/app.env",
            "depends_on_condition",
        ),
        row(
            "a policy variable that cannot make the resource match is no match",
            vec![(
                "p",
                allow(
                    json!("s3:GetObject"),
                    json!("arn:aws:s3:::cfg/${aws:PrincipalTag/app}/*"),
                ),
            )],
            "s3:GetObject",
            "arn:aws:s3:::other/web/app.env",
            "implicitly_denied",
        ),
        row(
            "actions match whatever their case",
            vec![(
                "p",
                allow(json!("SecretsManager:getsecretvalue"), json!("*")),
            )],
            "secretsmanager:GetSecretValue",
            SECRET,
            "allowed",
        ),
        row(
            "the service prefix matches whatever its case",
            vec![("p", allow(json!("ECR:*"), json!("*")))],
            "ecr:BatchGetImage",
            REPO,
            "allowed",
        ),
        row(
            "resources match case-sensitively",
            vec![(
                "p",
                allow(
                    json!("ecr:*"),
                    json!("arn:aws:ecr:us-east-1:111122223333:repository/Team/App"),
                ),
            )],
            "ecr:BatchGetImage",
            REPO,
            "implicitly_denied",
        ),
        row(
            "* in a resource spans colons and slashes",
            vec![("p", allow(json!("logs:*"), json!("arn:aws:logs:*:*:*")))],
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:111122223333:log-group:/ecs/app:*",
            "allowed",
        ),
        row(
            "a bucket pattern with /* does not cover the bucket itself",
            vec![("p", allow(json!("s3:*"), json!("arn:aws:s3:::cfg/*")))],
            "s3:GetBucketLocation",
            "arn:aws:s3:::cfg",
            "implicitly_denied",
        ),
        row(
            "a single statement object is a statement",
            vec![(
                "p",
                json!({"Statement": {"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": REPO}}),
            )],
            "ecr:BatchGetImage",
            REPO,
            "allowed",
        ),
        row(
            "a resource list allows any of its resources",
            vec![(
                "p",
                allow(
                    json!(["ecr:BatchGetImage"]),
                    json!(["arn:aws:ecr:*:*:repository/other", REPO]),
                ),
            )],
            "ecr:BatchGetImage",
            REPO,
            "allowed",
        ),
    ];
    let mut failures = Vec::new();
    for r in rows {
        let policies = named(&r.policies);
        let got = evaluate(&policies, r.action, r.resource);
        if got.label() != r.expected {
            failures.push(format!(
                "{}: expected {}, got {:?}",
                r.sentence, r.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_deciding_statement_is_named_by_sid_or_index() {
    let policies = named(&[
        ("ecs-base", allow(json!("ecr:*"), json!("*"))),
        (
            "ecs-guard",
            json!({"Statement": [
            {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
            {"Sid": "NoProdSecrets", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "arn:aws:secretsmanager:*:*:secret:prod/*"}]}),
        ),
    ]);
    let d = evaluate(&policies, "ecr:BatchGetImage", REPO);
    let Decision::Allowed { by } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(by.to_string(), "Allow Statement[0] of ecs-base");

    let d = evaluate(
        &policies,
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
    );
    let Decision::ExplicitlyDenied { by } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        (by.policy.as_str(), by.index, by.effect),
        ("ecs-guard", 1, Effect::Deny)
    );
    assert_eq!(by.sid.as_deref(), Some("NoProdSecrets"));
}

#[test]
fn verdict_sentences_name_the_deciding_statement_or_the_condition() {
    let policies = named(&[(
        "ecs-guard",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "NoProd", "Effect": "Deny", "Action": "ssm:*", "Resource": "arn:aws:ssm:*:*:parameter/prod/*"},
            {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "logs:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]}),
    )]);
    let required = vec![
        RequiredPermission::for_secret("/prod/db", REGION, ACCOUNT)
            .unwrap()
            .remove(0),
        RequiredPermission::for_ecr_image(REGION, ACCOUNT, "app").remove(1),
        RequiredPermission::for_awslogs(REGION, ACCOUNT, "g", false).remove(0),
    ];
    let sentences: Vec<String> = check(&policies, &required)
        .iter()
        .map(|v| v.sentence("exec-role"))
        .collect();
    assert_eq!(
        sentences,
        vec![
            "exec-role may not ssm:GetParameters on arn:aws:ssm:us-east-1:111122223333:parameter/prod/db: \
             Deny Statement[0] (\"NoProd\") of ecs-guard denies it explicitly",
            "exec-role may ecr:BatchGetImage on arn:aws:ecr:us-east-1:111122223333:repository/app: \
             Allow Statement[1] of ecs-guard allows it",
            "exec-role may or may not logs:CreateLogStream on arn:aws:logs:us-east-1:111122223333:log-group:g:*: \
             it depends on Allow Statement[2] of ecs-guard \
             (its Condition {\"StringEquals\":{\"aws:RequestedRegion\":\"us-east-1\"}})",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Documents as IAM returns them.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_url_encoded_document_reads_like_the_plain_one() {
    let plain = PolicyDocument::parse(AMAZON_ECS_TASK_EXECUTION_ROLE_POLICY).unwrap();
    let encoded = url_encode(AMAZON_ECS_TASK_EXECUTION_ROLE_POLICY);
    assert!(
        encoded.starts_with("%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22"),
        "{encoded}"
    );
    assert_eq!(PolicyDocument::parse_url_encoded(&encoded).unwrap(), plain);
    // Already decoded (the AWS CLI, some SDKs and emulators): read as is.
    assert_eq!(
        PolicyDocument::parse_url_encoded(AMAZON_ECS_TASK_EXECUTION_ROLE_POLICY).unwrap(),
        plain
    );
}

#[test]
fn a_url_encoded_trust_policy_from_get_role_reads() {
    // The shape of GetRole's AssumeRolePolicyDocument: compact JSON, every reserved byte escaped.
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22%22%2C\
                   %22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com\
                   %22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let doc = PolicyDocument::parse_url_encoded(encoded).unwrap();
    assert!(matches!(
        trusts_service(&doc, ECS_TASKS_SERVICE),
        TrustDecision::Allowed { .. }
    ));
}

#[test]
fn a_broken_url_encoding_is_an_error_naming_the_escape() {
    let err = PolicyDocument::parse_url_encoded("%7B%22Version%ZZ").unwrap_err();
    assert!(matches!(err, IamError::UrlEncoding { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "expected a URL-encoded (RFC 3986) policy document, found \"%ZZ\" at byte 13, not a %XX hex escape"
    );
}

#[test]
fn malformed_documents_are_errors_that_name_the_problem() {
    let rows = [
        ("truncated JSON", "{\"Statement\": [", "expected a JSON policy document, found invalid JSON at line 1, column 15: EOF while parsing a list"),
        ("not JSON", "Allow everything", "expected a JSON policy document, found invalid JSON at line 1, column 1: expected value"),
        ("a lower-case effect", r#"{"Statement": {"Effect": "allow", "Action": "s3:*", "Resource": "*"}}"#,
         "Statement.Effect: expected \"Allow\" or \"Deny\" (case-sensitive), found the string \"allow\""),
        ("a misspelt element", r#"{"Statement": [{"Effect": "Allow", "Actions": "s3:*", "Resource": "*"}]}"#,
         "Statement[0]: expected only the elements Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition, found the element \"Actions\""),
        ("a number for an action", r#"{"Statement": [{"Effect": "Allow", "Action": 3, "Resource": "*"}]}"#,
         "Statement[0].Action: expected a string or an array of strings, found the number 3"),
        ("no statement", r#"{"Version": "2012-10-17"}"#, "the policy document: expected a Statement element, found none"),
    ];
    for (sentence, json, expected) in rows {
        let got = PolicyDocument::parse(json)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(got, expected, "{sentence}");
    }
}

// ---------------------------------------------------------------------------------------------
// Trust.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_trust_policy_listing_services_in_an_array_trusts_each() {
    let doc = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":{"Service":["ecs.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}]}"#,
    )
    .unwrap();
    assert!(matches!(
        trusts_service(&doc, ECS_TASKS_SERVICE),
        TrustDecision::Allowed { .. }
    ));
    assert!(matches!(
        trusts_service(&doc, "ecs.amazonaws.com"),
        TrustDecision::Allowed { .. }
    ));
    assert_eq!(
        trusts_service(&doc, "lambda.amazonaws.com"),
        TrustDecision::NotTrusted { denied_by: None }
    );
}

// ---------------------------------------------------------------------------------------------
// Whatever arrives, nothing panics, and the rules hold.
// ---------------------------------------------------------------------------------------------

/// Patterns and names built from the characters that matter to matching.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:/*?$\\{\\}._-]{0,24}",
        Just("*".to_owned()),
        Just("${aws:username}".to_owned()),
        Just("arn:aws:s3:::b/*".to_owned()),
        Just("ecr:Get*".to_owned()),
        ".{0,12}",
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(fragment(), 0..4),
        prop::option::of((any::<bool>(), prop::collection::vec(fragment(), 0..4))),
        any::<bool>(),
    )
        .prop_map(|(allow, not_action, actions, resources, conditional)| {
            let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }});
            s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
            if let Some((not_resource, rs)) = resources {
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(rs);
            }
            if conditional {
                s["Condition"] = json!({"Bool": {"aws:SecureTransport": "true"}});
            }
            s
        })
}

fn policies() -> impl Strategy<Value = Vec<(String, PolicyDocument)>> {
    prop::collection::vec(
        (any::<bool>(), prop::collection::vec(statement(), 0..4)),
        0..3,
    )
    .prop_map(|docs| {
        docs.into_iter()
            .enumerate()
            .map(|(i, (v2012, statements))| {
                let mut doc = json!({"Statement": statements});
                if v2012 {
                    doc["Version"] = json!("2012-10-17");
                }
                let parsed =
                    PolicyDocument::parse(&doc.to_string()).expect("generated documents are valid");
                (format!("p{i}"), parsed)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_text_never_panics_the_parsers(s in any::<String>()) {
        let _ = PolicyDocument::parse(&s);
        let _ = PolicyDocument::parse_url_encoded(&s);
        let _ = RequiredPermission::for_secret(&s, REGION, ACCOUNT);
        let _ = RequiredPermission::for_env_file(&s);
    }

    #[test]
    fn percent_soup_never_panics_and_errors_fit_on_one_line(s in "[%0-9a-fA-FzZ+{}\\[\\]\":,]{0,64}") {
        if let Err(e) = PolicyDocument::parse_url_encoded(&s) {
            let msg = e.to_string();
            prop_assert!(!msg.contains('\n'), "{}", msg);
        }
    }

    #[test]
    fn arbitrary_json_shapes_never_panic_the_parser(
        effect in prop_oneof![Just(json!("Allow")), Just(json!("Deny")), Just(json!(1)), Just(json!(null))],
        action in prop_oneof![fragment().prop_map(Value::from), Just(json!([1, "a:b"])), Just(json!({}))],
        principal in prop_oneof![Just(json!("*")), Just(json!({"Service": ["x", 2]})), Just(json!({"AWS": "*"})), Just(json!([]))],
        single in any::<bool>(),
    ) {
        let st = json!({"Effect": effect, "Action": action, "Principal": principal});
        let doc = json!({"Statement": if single { st } else { json!([st]) }});
        if let Ok(doc) = PolicyDocument::parse(&doc.to_string()) {
            let _ = trusts_service(&doc, ECS_TASKS_SERVICE);
        }
    }

    #[test]
    fn evaluation_never_panics_and_sentences_fit_on_one_line(
        policies in policies(),
        action in fragment(),
        resource in fragment(),
    ) {
        let required = [RequiredPermission { action, resource, why: String::new() }];
        for v in check(&policies, &required) {
            let s = v.sentence("role");
            prop_assert!(!s.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'), "{:?}", s);
        }
    }

    #[test]
    fn an_unconditional_deny_of_everything_beats_any_policy(
        mut policies in policies(),
        action in fragment(),
        resource in fragment(),
    ) {
        policies.push(("deny-all".to_owned(), PolicyDocument::parse(&deny(json!("*"), json!("*")).to_string()).unwrap()));
        let d = evaluate(&policies, &action, &resource);
        prop_assert_eq!(d.label(), "explicitly_denied");
    }

    #[test]
    fn the_case_of_an_action_never_changes_the_decision(
        policies in policies(),
        action in fragment(),
        resource in fragment(),
    ) {
        prop_assert_eq!(
            evaluate(&policies, &action, &resource),
            evaluate(&policies, &action.to_ascii_uppercase(), &resource)
        );
    }

    #[test]
    fn a_literal_action_and_resource_allow_exactly_themselves(
        action in "[a-z0-9]{1,8}:[A-Za-z0-9]{1,12}",
        resource in "arn:aws:[a-z0-9]{1,6}:[a-z0-9-]{0,9}:[0-9]{0,12}:[A-Za-z0-9/:._-]{1,30}",
    ) {
        let policies = vec![("p".to_owned(), PolicyDocument::parse(&allow(json!(action), json!(resource)).to_string()).unwrap())];
        prop_assert!(evaluate(&policies, &action, &resource).is_allowed());
        let other = format!("{resource}x");
        prop_assert_eq!(evaluate(&policies, &action, &other), Decision::ImplicitlyDenied);
    }
}

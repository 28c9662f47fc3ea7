//! IAM policy documents, read into types in which what IAM rejects cannot be stated: a statement
//! has exactly one of `Action`/`NotAction`, at most one of `Resource`/`NotResource` and of
//! `Principal`/`NotPrincipal`, and an `Effect` of `Allow` or `Deny`.
//!
//! The grammar is the IAM User Guide's "Grammar of the IAM JSON policy language" and "IAM JSON
//! policy element reference". Element names and the `Effect` value are case-sensitive there, and
//! IAM refuses unknown elements, so a misspelt element (`"Actions"`) is an error here rather than
//! a statement silently read as something else.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{describe, IamError};
use super::percent;

/// The current policy language version. Only under it are `${…}` policy variables recognised
/// ("IAM JSON policy elements: Version": without it, or with 2008-10-17, "policy variables such
/// as `${aws:username}` aren't recognized as variables and are instead treated as literal
/// strings in the policy").
pub const VERSION_2012_10_17: &str = "2012-10-17";
/// The earlier policy language version.
pub const VERSION_2008_10_17: &str = "2008-10-17";

/// One IAM policy document: an identity policy (inline or managed) or a role's trust policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// Only in trust (resource-based) policies; identity policies have none.
    pub principal: Option<PrincipalElement>,
    pub action: ActionElement,
    /// `None` in trust policies, where the resource is the role itself.
    pub resource: Option<ResourceElement>,
    /// The `Condition` block as written (a JSON object), never evaluated here: a statement with
    /// a non-empty one is reported as depending on it.
    pub condition: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// `Action` or `NotAction`: action patterns such as `ecr:Get*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionElement {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

/// `Resource` or `NotResource`: ARN patterns such as `arn:aws:s3:::bucket/*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceElement {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalElement {
    Principal(Principal),
    NotPrincipal(Principal),
}

/// `"*"`, or principals listed by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"`.
    Everyone,
    Listed(Principals),
}

/// `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}`, each a string or an array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    pub aws: Vec<String>,
    pub service: Vec<String>,
    pub federated: Vec<String>,
    pub canonical_user: Vec<String>,
}

const DOCUMENT_KEYS: &str = "only the elements Version, Id and Statement";
const STATEMENT_KEYS: &str = "only the elements Sid, Effect, Principal, NotPrincipal, Action, \
     NotAction, Resource, NotResource and Condition";
const PRINCIPAL_KEYS: &str = "only the principal types AWS, Service, Federated and CanonicalUser";

impl PolicyDocument {
    /// Reads a policy document in JSON, as written or as the AWS CLI prints it.
    pub fn parse(json: &str) -> Result<PolicyDocument, IamError> {
        let json = json.trim_start_matches('\u{feff}');
        let value: Value = serde_json::from_str(json).map_err(|e| IamError::from_json(&e))?;
        from_value(&value)
    }

    /// Reads a policy document as the IAM API returns it (GetRolePolicy, GetPolicyVersion,
    /// GetRole's `AssumeRolePolicyDocument`): URL-encoded JSON. A document that is already plain
    /// JSON (some SDKs and emulators decode it) is read as is: an encoded one cannot start with
    /// `{`, which IAM encodes as `%7B`.
    pub fn parse_url_encoded(text: &str) -> Result<PolicyDocument, IamError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.starts_with('{') {
            return PolicyDocument::parse(trimmed);
        }
        PolicyDocument::parse(&percent::decode(trimmed)?)
    }

    /// Whether `${…}` in a Resource is a policy variable rather than literal text.
    pub fn recognises_policy_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012_10_17)
    }
}

fn from_value(value: &Value) -> Result<PolicyDocument, IamError> {
    const AT: &str = "the policy document";
    let Value::Object(obj) = value else {
        return Err(IamError::grammar(AT, "a JSON object", describe(value)));
    };
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
    {
        return Err(IamError::grammar(
            AT,
            DOCUMENT_KEYS,
            format!("the element {key:?}"),
        ));
    }
    let version = optional_string(obj, "Version", "Version")?;
    if let Some(v) = &version {
        if v != VERSION_2012_10_17 && v != VERSION_2008_10_17 {
            return Err(IamError::grammar(
                "Version",
                "\"2012-10-17\" or \"2008-10-17\"",
                describe(&Value::String(v.clone())),
            ));
        }
    }
    let id = optional_string(obj, "Id", "Id")?;
    let statements = match obj.get("Statement") {
        None => return Err(IamError::grammar(AT, "a Statement element", "none")),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| statement(s, &format!("Statement[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(one @ Value::Object(_)) => vec![statement(one, "Statement")?],
        Some(other) => {
            return Err(IamError::grammar(
                "Statement",
                "a statement object or an array of statement objects",
                describe(other),
            ))
        }
    };
    Ok(PolicyDocument {
        version,
        id,
        statements,
    })
}

fn statement(value: &Value, at: &str) -> Result<Statement, IamError> {
    let Value::Object(obj) = value else {
        return Err(IamError::grammar(at, "a statement object", describe(value)));
    };
    if let Some(key) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        )
    }) {
        return Err(IamError::grammar(
            at,
            STATEMENT_KEYS,
            format!("the element {key:?}"),
        ));
    }

    let sid = optional_string(obj, "Sid", &format!("{at}.Sid"))?;
    let effect = match obj.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(IamError::grammar(
                &format!("{at}.Effect"),
                "\"Allow\" or \"Deny\" (case-sensitive)",
                describe(other),
            ))
        }
        None => return Err(IamError::grammar(at, "an Effect element", "none")),
    };

    let action = match either(obj, at, "Action", "NotAction")? {
        Some((true, v)) => ActionElement::Action(strings(v, &format!("{at}.Action"))?),
        Some((false, v)) => ActionElement::NotAction(strings(v, &format!("{at}.NotAction"))?),
        None => {
            return Err(IamError::grammar(
                at,
                "an Action or NotAction element",
                "neither",
            ))
        }
    };
    let resource = match either(obj, at, "Resource", "NotResource")? {
        Some((true, v)) => Some(ResourceElement::Resource(strings(
            v,
            &format!("{at}.Resource"),
        )?)),
        Some((false, v)) => Some(ResourceElement::NotResource(strings(
            v,
            &format!("{at}.NotResource"),
        )?)),
        None => None,
    };
    let principal = match either(obj, at, "Principal", "NotPrincipal")? {
        Some((true, v)) => Some(PrincipalElement::Principal(principal(
            v,
            &format!("{at}.Principal"),
        )?)),
        Some((false, v)) => Some(PrincipalElement::NotPrincipal(principal(
            v,
            &format!("{at}.NotPrincipal"),
        )?)),
        None => None,
    };
    let condition = match obj.get("Condition") {
        None => None,
        Some(c @ Value::Object(_)) => Some(c.clone()),
        Some(other) => {
            return Err(IamError::grammar(
                &format!("{at}.Condition"),
                "an object of condition operators",
                describe(other),
            ))
        }
    };

    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        condition,
    })
}

/// The element `yes` or its negation `no`, never both: `(true, v)` for `yes`.
fn either<'a>(
    obj: &'a Map<String, Value>,
    at: &str,
    yes: &'static str,
    no: &'static str,
) -> Result<Option<(bool, &'a Value)>, IamError> {
    match (obj.get(yes), obj.get(no)) {
        (Some(_), Some(_)) => Err(IamError::grammar(
            at,
            match yes {
                "Action" => "exactly one of Action and NotAction",
                "Resource" => "at most one of Resource and NotResource",
                _ => "at most one of Principal and NotPrincipal",
            },
            "both",
        )),
        (Some(v), None) => Ok(Some((true, v))),
        (None, Some(v)) => Ok(Some((false, v))),
        (None, None) => Ok(None),
    }
}

/// A string, or an array of strings.
fn strings(value: &Value, at: &str) -> Result<Vec<String>, IamError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(IamError::grammar(
                    &format!("{at}[{i}]"),
                    "a string",
                    describe(other),
                )),
            })
            .collect(),
        other => Err(IamError::grammar(
            at,
            "a string or an array of strings",
            describe(other),
        )),
    }
}

fn optional_string(
    obj: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, IamError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(IamError::grammar(at, "a string", describe(other))),
    }
}

fn principal(value: &Value, at: &str) -> Result<Principal, IamError> {
    const EXPECTED: &str = "\"*\" or an object such as {\"Service\": \"ecs-tasks.amazonaws.com\"}";
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Everyone),
        Value::Object(obj) => {
            let mut p = Principals::default();
            for (key, v) in obj {
                let list = strings(v, &format!("{at}.{key}"))?;
                match key.as_str() {
                    "AWS" => p.aws = list,
                    "Service" => p.service = list,
                    "Federated" => p.federated = list,
                    "CanonicalUser" => p.canonical_user = list,
                    _ => {
                        return Err(IamError::grammar(
                            at,
                            PRINCIPAL_KEYS,
                            format!("the principal type {key:?}"),
                        ))
                    }
                }
            }
            Ok(Principal::Listed(p))
        }
        other => Err(IamError::grammar(at, EXPECTED, describe(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        PolicyDocument::parse(json).unwrap_err().to_string()
    }

    #[test]
    fn every_element_reads_in_both_of_its_shapes() {
        let doc = PolicyDocument::parse(
            r#"{
              "Version": "2012-10-17", "Id": "p1",
              "Statement": [
                {"Sid": "One", "Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
                {"Effect": "Deny", "NotAction": ["s3:*", "iam:*"], "NotResource": "arn:aws:s3:::b",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"], "AWS": "*"},
                 "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "NotPrincipal": "*", "Action": "sts:AssumeRole"}
              ]
            }"#,
        )
        .unwrap();
        assert_eq!(doc.version.as_deref(), Some(VERSION_2012_10_17));
        assert_eq!(doc.id.as_deref(), Some("p1"));
        let [a, b, c, d] = &doc.statements[..] else {
            panic!("four statements: {doc:?}")
        };
        assert_eq!(a.sid.as_deref(), Some("One"));
        assert_eq!(a.action, ActionElement::Action(vec!["ecr:*".into()]));
        assert_eq!(
            a.resource,
            Some(ResourceElement::Resource(vec!["*".into()]))
        );
        assert_eq!(b.effect, Effect::Deny);
        assert_eq!(
            b.action,
            ActionElement::NotAction(vec!["s3:*".into(), "iam:*".into()])
        );
        assert_eq!(
            b.resource,
            Some(ResourceElement::NotResource(vec!["arn:aws:s3:::b".into()]))
        );
        assert!(b.condition.is_some());
        let Some(PrincipalElement::Principal(Principal::Listed(p))) = &c.principal else {
            panic!("listed principal: {c:?}")
        };
        assert_eq!(p.service, vec!["ecs-tasks.amazonaws.com".to_owned()]);
        assert_eq!(p.aws, vec!["*".to_owned()]);
        assert_eq!(c.resource, None);
        assert_eq!(
            d.principal,
            Some(PrincipalElement::NotPrincipal(Principal::Everyone))
        );
    }

    #[test]
    fn grammar_errors_name_the_place_what_was_expected_and_what_was_found() {
        let rows = [
            (r#"[]"#, "the policy document: expected a JSON object, found an array of 0 elements"),
            (r#"{"Version":"2012-10-17"}"#, "the policy document: expected a Statement element, found none"),
            (r#"{"Statement":[],"Statements":[]}"#, "the policy document: expected only the elements Version, Id and Statement, found the element \"Statements\""),
            (r#"{"Version":"2012-10-18","Statement":[]}"#, "Version: expected \"2012-10-17\" or \"2008-10-17\", found the string \"2012-10-18\""),
            (r#"{"Statement":"x"}"#, "Statement: expected a statement object or an array of statement objects, found the string \"x\""),
            (r#"{"Statement":[1]}"#, "Statement[0]: expected a statement object, found the number 1"),
            (r#"{"Statement":{"Action":"s3:*","Resource":"*"}}"#, "Statement: expected an Effect element, found none"),
            (r#"{"Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}"#, "Statement[0].Effect: expected \"Allow\" or \"Deny\" (case-sensitive), found the string \"allow\""),
            (r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#, "Statement[0]: expected an Action or NotAction element, found neither"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"a:c","Resource":"*"}]}"#, "Statement[0]: expected exactly one of Action and NotAction, found both"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","NotResource":"*"}]}"#, "Statement[0]: expected at most one of Resource and NotResource, found both"),
            (r#"{"Statement":[{"Effect":"Allow","Action":["a:b",7],"Resource":"*"}]}"#, "Statement[0].Action[1]: expected a string, found the number 7"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":{"x":1}}]}"#, "Statement[0].Resource: expected a string or an array of strings, found an object with keys \"x\""),
            (r#"{"Statement":[{"Effect":"Allow","Actions":"a:b","Resource":"*"}]}"#, "Statement[0]: expected only the elements Sid, Effect"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Condition":"x"}]}"#, "Statement[0].Condition: expected an object of condition operators, found the string \"x\""),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Principal":"ecs"}]}"#, "Statement[0].Principal: expected \"*\" or an object"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Principal":{"Services":"x"}}]}"#, "Statement[0].Principal: expected only the principal types AWS, Service, Federated and CanonicalUser, found the principal type \"Services\""),
            (r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Principal":{"Service":[null]}}]}"#, "Statement[0].Principal.Service[0]: expected a string, found null"),
            (r#"{"Statement":[{"Sid":5,"Effect":"Allow","Action":"a:b"}]}"#, "Statement[0].Sid: expected a string, found the number 5"),
        ];
        for (json, expected) in rows {
            let got = err(json);
            assert!(
                got.starts_with(expected),
                "{json}\n  got:      {got}\n  expected: {expected}"
            );
        }
    }

    #[test]
    fn invalid_json_names_line_and_column() {
        let got = err("{\n  \"Statement\": [\n}");
        assert!(
            got.starts_with(
                "expected a JSON policy document, found invalid JSON at line 3, column 1"
            ),
            "{got}"
        );
    }

    #[test]
    fn a_found_string_is_cut_short() {
        let long = "A".repeat(10_000);
        let got = err(&format!(
            r#"{{"Statement":[{{"Effect":"{long}","Action":"a:b"}}]}}"#
        ));
        assert!(got.len() < 200, "{got}");
        assert!(got.ends_with("…\""), "{got}");
    }
}

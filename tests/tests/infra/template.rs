//! The SAM template as JSON, with CloudFormation's short-form tags (`!Ref`, `!GetAtt`, `!If`,
//! …) turned into their long form, and the few intrinsics the tests need resolved.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `infra/template.yaml`, parsed.
pub fn template() -> Value {
    let path = repo_root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let yaml: serde_norway::Value = serde_norway::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    to_json(yaml)
}

/// One resource's `Properties` (or the whole resource with `whole`).
pub fn resource<'a>(template: &'a Value, name: &str) -> &'a Value {
    template
        .get("Resources")
        .and_then(|r| r.get(name))
        .unwrap_or_else(|| panic!("the template has no resource {name}"))
}

pub fn properties<'a>(template: &'a Value, name: &str) -> &'a Value {
    resource(template, name)
        .get("Properties")
        .unwrap_or_else(|| panic!("resource {name} has no Properties"))
}

fn to_json(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => format!("{other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect::<Map<String, Value>>(),
        ),
        Y::Tagged(t) => {
            let name = t.tag.to_string();
            let name = name.trim_start_matches('!');
            let value = to_json(t.value);
            match name {
                "Ref" | "Condition" => json!({ name: value }),
                // `!GetAtt A.B` is the string form of `Fn::GetAtt: [A, B]`.
                "GetAtt" => match value {
                    Value::String(s) => {
                        let (a, b) = s.split_once('.').unwrap_or((&s, ""));
                        json!({ "Fn::GetAtt": [a, b] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                _ => json!({ format!("Fn::{name}"): value }),
            }
        }
    }
}

/// Resolves `Fn::If` by the truth of its condition (`conditions` names the true ones), and
/// drops what resolves to `Ref: AWS::NoValue`, everywhere in `v`. Other intrinsics stay.
pub fn resolve_ifs(v: &Value, conditions: &[&str]) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(args)) = m.get("Fn::If") {
                let [cond, yes, no] = args.as_slice() else {
                    panic!("Fn::If takes three arguments: {v}");
                };
                let truth = conditions.contains(&cond.as_str().unwrap_or_default());
                return resolve_ifs(if truth { yes } else { no }, conditions);
            }
            Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), resolve_ifs(x, conditions)))
                    .filter(|(_, x)| !is_no_value(x))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|x| resolve_ifs(x, conditions))
                .filter(|x| !is_no_value(x))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn is_no_value(v: &Value) -> bool {
    v.get("Ref").and_then(Value::as_str) == Some("AWS::NoValue")
}

/// A string or a list of strings, as IAM's `Action` allows.
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|x| {
                x.as_str()
                    .unwrap_or_else(|| panic!("expected a string, found {x}"))
                    .to_owned()
            })
            .collect(),
        other => panic!("expected a string or a list of strings, found {other}"),
    }
}

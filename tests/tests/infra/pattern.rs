//! EventBridge's event-pattern matching, for the operators the template uses and a few more:
//! exact values, `prefix`, `anything-but` and `exists` (AWS docs, "Amazon EventBridge event
//! patterns" and "Content filtering"). Lambda's event filtering for stream records uses the same
//! syntax ("Lambda event filtering").

use serde_json::Value;

/// Whether `event` matches `pattern`.
pub fn matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else {
        panic!("a pattern is an object, found {pattern}");
    };
    fields.iter().all(|(key, want)| {
        let got = event.get(key);
        match want {
            Value::Object(_) => got.is_some_and(|g| matches(want, g)),
            Value::Array(options) => field_matches(options, got),
            other => panic!("pattern values are objects or arrays, found {other} at {key}"),
        }
    })
}

fn field_matches(options: &[Value], got: Option<&Value>) -> bool {
    // An array in the event matches when any element does.
    let values: Vec<&Value> = match got {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    };
    options.iter().any(|option| match option {
        Value::Object(op) => {
            if let Some(exists) = op.get("exists").and_then(Value::as_bool) {
                return exists == got.is_some();
            }
            values.iter().any(|v| operator(op, v))
        }
        exact => values.contains(&exact),
    })
}

fn operator(op: &serde_json::Map<String, Value>, v: &Value) -> bool {
    if let Some(prefix) = op.get("prefix").and_then(Value::as_str) {
        return v.as_str().is_some_and(|s| s.starts_with(prefix));
    }
    if let Some(but) = op.get("anything-but") {
        return match but {
            Value::Array(list) => !list.contains(v),
            single => single != v,
        };
    }
    panic!("an operator this matcher does not know: {op:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_matcher_follows_eventbridge_semantics() {
        let p = json!({"source": ["aws.ecs"], "detail": {"lastStatus": ["STOPPED"]}});
        assert!(matches(
            &p,
            &json!({"source": "aws.ecs", "detail": {"lastStatus": "STOPPED", "x": 1}})
        ));
        assert!(!matches(
            &p,
            &json!({"source": "aws.ecs", "detail": {"lastStatus": "RUNNING"}})
        ));
        assert!(
            !matches(&p, &json!({"source": "aws.ecs"})),
            "a missing field does not match"
        );
        let pre = json!({"sk": [{"prefix": "INC#"}, "STATE"]});
        assert!(matches(&pre, &json!({"sk": "INC#a"})));
        assert!(matches(&pre, &json!({"sk": "STATE"})));
        assert!(!matches(&pre, &json!({"sk": "OCC#a"})));
        let arr = json!({"resources": ["a"]});
        assert!(matches(&arr, &json!({"resources": ["b", "a"]})));
        let ex = json!({"x": [{"exists": false}]});
        assert!(matches(&ex, &json!({})) && !matches(&ex, &json!({"x": 1})));
    }
}

//! Every environment variable the template sets on a function is one its configuration reads (a
//! misspelt variable would otherwise be ignored, and the default silently used), and the
//! required ones are set.

use std::collections::BTreeSet;
use std::sync::Mutex;

use crate::template::{properties, template};

/// The names the configuration asks for, with only the required ones answered.
fn asked(read: impl Fn(&dyn Fn(&str) -> Option<String>), required: &[&str]) -> BTreeSet<String> {
    let names = Mutex::new(BTreeSet::new());
    read(&|name: &str| {
        names.lock().expect("not poisoned").insert(name.to_owned());
        required.contains(&name).then(|| "x".to_owned())
    });
    names.into_inner().expect("not poisoned")
}

fn set_by_template(function: &str) -> BTreeSet<String> {
    let t = template();
    properties(&t, function)["Environment"]["Variables"]
        .as_object()
        .expect("variables")
        .keys()
        .cloned()
        .collect()
}

fn check(function: &str, asked: BTreeSet<String>, required: &[&str]) {
    let set = set_by_template(function);
    let unread: Vec<&String> = set.difference(&asked).collect();
    assert!(
        unread.is_empty(),
        "{function} sets variables its code never reads: {unread:?}"
    );
    for r in required {
        assert!(set.contains(*r), "{function} must set {r}");
    }
}

#[test]
fn the_responders_variables_are_all_read() {
    let required = ["TABLE_NAME", "TOPIC_ARN"];
    let asked = asked(
        |lookup| {
            responder::config::Config::from_lookup(lookup).expect("valid with the required ones");
        },
        &required,
    );
    check("ResponderFunction", asked, &required);
}

#[test]
fn the_remediators_variables_are_all_read() {
    let required = ["TABLE_NAME", "TOPIC_ARN"];
    let asked = asked(
        |lookup| {
            remediator::config::Config::from_lookup(lookup).expect("valid with the required ones");
        },
        &required,
    );
    check("RemediatorFunction", asked, &required);
}

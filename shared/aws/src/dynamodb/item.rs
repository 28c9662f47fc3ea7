//! The single-table item layout (DESIGN.md, "Incidents"): how incidents and occurrences become
//! DynamoDB items and back.
//!
//! Every item carries the whole domain value as JSON in `doc`, which is what reads decode; the
//! other attributes are there for keys, the `by-cluster` index, TTL and people reading the table
//! (the console, `aws dynamodb query`, the stream consumer's filters).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ecs_triage_core::event::time::format_rfc3339_ms;
use ecs_triage_core::incident::{Incident, IncidentKey, Occurrence, Workload};
use serde::de::DeserializeOwned;

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";
pub(crate) const DOC: &str = "doc";
pub(crate) const REV: &str = "rev";
pub(crate) const VERSION: &str = "version";
pub(crate) const GSI1PK: &str = "gsi1pk";
pub(crate) const GSI1SK: &str = "gsi1sk";
/// The table's TTL attribute (epoch seconds), on every item that expires.
pub(crate) const EXPIRES_AT: &str = "expires_at";
/// Sort-key prefix of incident items (`IncidentKey::sort_key`).
pub(crate) const INCIDENT_PREFIX: &str = "INC#";

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The primary key of an item.
pub(crate) fn key(pk: String, sk: String) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

pub(crate) fn incident_key(k: &IncidentKey) -> Item {
    key(k.workload.partition_key(), k.sort_key())
}

pub(crate) fn occurrence_key(workload: &Workload, task_id: &str) -> Item {
    key(workload.partition_key(), Occurrence::sort_key_for(task_id))
}

/// Partition key of the `by-cluster` index.
pub(crate) fn cluster_partition(cluster: &str) -> String {
    format!("CLUSTER#{cluster}")
}

pub(crate) fn incident_item(inc: &Incident) -> Result<Item, serde_json::Error> {
    let doc = serde_json::to_string(inc)?;
    let mut item = incident_key(&inc.key);
    item.extend([
        ("type".to_owned(), s("incident")),
        ("id".to_owned(), s(&inc.id)),
        ("status".to_owned(), s(inc.status.as_str())),
        ("category".to_owned(), s(inc.key.category.label())),
        ("cluster".to_owned(), s(&inc.key.workload.cluster)),
        ("workload".to_owned(), s(inc.key.workload.label())),
        ("revision".to_owned(), n(inc.key.revision)),
        ("severity".to_owned(), s(inc.severity.as_str())),
        ("count".to_owned(), n(inc.count)),
        ("first_seen".to_owned(), n(inc.first_seen_ms)),
        ("last_seen".to_owned(), n(inc.last_seen_ms)),
        (REV.to_owned(), n(inc.rev)),
        (DOC.to_owned(), s(doc)),
        (
            GSI1PK.to_owned(),
            s(cluster_partition(&inc.key.workload.cluster)),
        ),
        // RFC 3339 with milliseconds sorts as text in time order; the id breaks ties.
        (
            GSI1SK.to_owned(),
            s(format!(
                "{}#{}",
                format_rfc3339_ms(inc.last_seen_ms),
                inc.id
            )),
        ),
        (EXPIRES_AT.to_owned(), n(inc.expires_at_s)),
    ]);
    Ok(item)
}

pub(crate) fn occurrence_item(o: &Occurrence) -> Result<Item, serde_json::Error> {
    let doc = serde_json::to_string(o)?;
    let mut item = key(o.workload.partition_key(), o.sort_key());
    item.extend([
        ("type".to_owned(), s("occurrence")),
        (VERSION.to_owned(), n(o.version)),
        ("incident_id".to_owned(), s(&o.incident_id)),
        ("category".to_owned(), s(o.category.label())),
        ("stopped_at".to_owned(), n(o.stopped_at_ms)),
        (DOC.to_owned(), s(doc)),
        (EXPIRES_AT.to_owned(), n(o.expires_at_s)),
    ]);
    // Service events have no task ARN; an absent attribute reads better than an empty one.
    if !o.task_arn.is_empty() {
        item.insert("task_arn".to_owned(), s(&o.task_arn));
    }
    Ok(item)
}

/// `pk=…, sk=…` of an item, for messages about it.
pub(crate) fn describe_key(item: &Item) -> String {
    let part = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        Some(other) => format!("{other:?}"),
        None => "<missing>".to_owned(),
    };
    format!("pk={}, sk={}", part(PK), part(SK))
}

/// The domain value in an item's `doc`. The error says what was expected and what was found.
pub(crate) fn decode<T: DeserializeOwned>(item: &Item, kind: &str) -> Result<T, String> {
    match item.get(DOC) {
        Some(AttributeValue::S(doc)) => serde_json::from_str(doc).map_err(|e| {
            format!(
                "expected `{DOC}` to hold the JSON of {kind}, found JSON that does not fit: {e}"
            )
        }),
        Some(other) => Err(format!(
            "expected `{DOC}` to be a string attribute (S) holding {kind} as JSON, found {}",
            type_name(other)
        )),
        None => Err(format!(
            "expected a string attribute `{DOC}` holding {kind} as JSON, found no `{DOC}` attribute"
        )),
    }
}

fn type_name(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::B(_) => "a binary (B)",
        AttributeValue::Bool(_) => "a boolean (BOOL)",
        AttributeValue::Bs(_) => "a binary set (BS)",
        AttributeValue::L(_) => "a list (L)",
        AttributeValue::M(_) => "a map (M)",
        AttributeValue::N(_) => "a number (N)",
        AttributeValue::Ns(_) => "a number set (NS)",
        AttributeValue::Null(_) => "a null (NULL)",
        AttributeValue::S(_) => "a string (S)",
        AttributeValue::Ss(_) => "a string set (SS)",
        _ => "an attribute type this version does not know",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecs_triage_core::classify::{Classification, Confidence, Subject};
    use ecs_triage_core::incident::Policy;
    use ecs_triage_core::{Category, Family, Severity};

    fn classification(cluster: &str, service: &str, task_id: &str) -> Classification {
        Classification {
            category: Category::OomKilled,
            family: Family::Runtime,
            severity: Severity::Error,
            expected: false,
            confidence: Confidence::High,
            summary: "Container app ran out of memory".to_owned(),
            evidence: vec![],
            next_steps: Default::default(),
            findings: vec![],
            subject: Subject {
                cluster: Some(cluster.to_owned()),
                service: Some(service.to_owned()),
                task_id: Some(task_id.to_owned()),
                task_arn: Some(format!(
                    "arn:aws:ecs:us-east-1:123456789012:task/{cluster}/{task_id}"
                )),
                revision: Some(7),
                ..Subject::default()
            },
        }
    }

    fn sample() -> (Occurrence, Incident) {
        let p = Policy::default();
        let c = classification("prod", "web", "abc123");
        let key = p.key_of(&c);
        let occ = p.occurrence(&c, &key, 2, 1_700_000_000_123, 1_700_000_001_000);
        let inc = p.apply(None, &key, &c, 1_700_000_000_123, 1_700_000_001_000);
        (occ, inc)
    }

    fn attr<'a>(item: &'a Item, name: &str) -> &'a AttributeValue {
        item.get(name)
            .unwrap_or_else(|| panic!("no attribute {name} in {item:?}"))
    }

    #[test]
    fn incident_round_trips_through_its_item() {
        let (_, inc) = sample();
        let item = incident_item(&inc).unwrap();
        assert_eq!(decode::<Incident>(&item, "an incident").unwrap(), inc);
        assert_eq!(attr(&item, "pk"), &s("WL#prod#svc:web"));
        assert_eq!(attr(&item, "sk"), &s(inc.key.sort_key()));
        assert_eq!(attr(&item, "type"), &s("incident"));
        assert_eq!(attr(&item, "status"), &s("OPEN"));
        assert_eq!(attr(&item, "category"), &s(inc.key.category.label()));
        assert_eq!(attr(&item, "workload"), &s("svc:web"));
        assert_eq!(attr(&item, "revision"), &n(7));
        assert_eq!(attr(&item, "count"), &n(1));
        assert_eq!(attr(&item, "rev"), &n(1));
        assert_eq!(attr(&item, "last_seen"), &n(1_700_000_000_123_i64));
        assert_eq!(attr(&item, "gsi1pk"), &s("CLUSTER#prod"));
        assert_eq!(
            attr(&item, "gsi1sk"),
            &s(format!("2023-11-14T22:13:20.123Z#{}", inc.id))
        );
        assert_eq!(attr(&item, "expires_at"), &n(inc.expires_at_s));
    }

    #[test]
    fn occurrence_round_trips_through_its_item() {
        let (occ, _) = sample();
        let item = occurrence_item(&occ).unwrap();
        assert_eq!(decode::<Occurrence>(&item, "an occurrence").unwrap(), occ);
        assert_eq!(attr(&item, "sk"), &s("OCC#abc123"));
        assert_eq!(
            occurrence_key(&occ.workload, "abc123"),
            key(occ.workload.partition_key(), occ.sort_key())
        );
        assert_eq!(attr(&item, "type"), &s("occurrence"));
        assert_eq!(attr(&item, "version"), &n(2));
        assert_eq!(attr(&item, "stopped_at"), &n(1_700_000_000_123_i64));
        assert_eq!(
            attr(&item, "task_arn"),
            &s("arn:aws:ecs:us-east-1:123456789012:task/prod/abc123")
        );
        assert!(
            !item.contains_key("gsi1pk"),
            "occurrences stay out of the by-cluster index"
        );
    }

    #[test]
    fn an_occurrence_without_a_task_arn_has_no_task_arn_attribute() {
        let (mut occ, _) = sample();
        occ.task_arn.clear();
        assert!(!occurrence_item(&occ).unwrap().contains_key("task_arn"));
    }

    #[test]
    fn decoding_says_what_is_wrong_with_doc() {
        let mut item = key("WL#a#svc:b".into(), "INC#x#0000000001".into());
        let missing = decode::<Incident>(&item, "an incident").unwrap_err();
        assert!(missing.contains("found no `doc` attribute"), "{missing}");
        item.insert(DOC.into(), n(3));
        let wrong_type = decode::<Incident>(&item, "an incident").unwrap_err();
        assert!(wrong_type.contains("found a number (N)"), "{wrong_type}");
        item.insert(DOC.into(), s("{\"not\": \"an incident\"}"));
        let bad = decode::<Incident>(&item, "an incident").unwrap_err();
        assert!(bad.contains("found JSON that does not fit"), "{bad}");
        assert_eq!(describe_key(&item), "pk=WL#a#svc:b, sk=INC#x#0000000001");
    }
}

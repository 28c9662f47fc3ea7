//! The incidents table in the template is the table the code reads and writes, and the one
//! `scripts/emulator` creates for the tests and the demo.

use aws_config::Region;
use aws_sdk_dynamodb::config::Credentials;
use ecs_triage_aws::client::{config_loader, ClientSettings};
use ecs_triage_aws::dynamodb::schema;
use serde_json::{json, Value};

use crate::template::{properties, template};

fn keys(schema: &Value) -> Vec<(String, String)> {
    schema
        .as_array()
        .expect("a key schema")
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap_or_default().to_owned(),
                k["KeyType"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn expected_keys() -> Vec<(String, String)> {
    vec![
        (schema::PARTITION_KEY.into(), "HASH".into()),
        (schema::SORT_KEY.into(), "RANGE".into()),
    ]
}

fn expected_index_keys() -> Vec<(String, String)> {
    vec![
        (schema::INDEX_PARTITION_KEY.into(), "HASH".into()),
        (schema::INDEX_SORT_KEY.into(), "RANGE".into()),
    ]
}

#[test]
fn the_template_table_has_the_codes_keys_index_stream_and_ttl() {
    let t = template();
    let p = properties(&t, "IncidentsTable");
    assert_eq!(keys(&p["KeySchema"]), expected_keys());
    let gsis = p["GlobalSecondaryIndexes"].as_array().expect("indexes");
    assert_eq!(gsis.len(), 1, "one index: {gsis:?}");
    assert_eq!(gsis[0]["IndexName"], schema::INDEX);
    assert_eq!(keys(&gsis[0]["KeySchema"]), expected_index_keys());
    assert_eq!(
        gsis[0]["Projection"]["ProjectionType"], "ALL",
        "reads decode `doc`"
    );
    assert_eq!(
        p["StreamSpecification"]["StreamViewType"],
        schema::STREAM_VIEW
    );
    assert_eq!(
        p["TimeToLiveSpecification"],
        json!({ "AttributeName": schema::TTL_ATTRIBUTE, "Enabled": true })
    );
    // Issue 6: on demand, point-in-time recovery, encryption.
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"], true);
}

#[tokio::test]
async fn the_emulator_table_is_the_template_table() {
    let env = integration_tests::start_emulator()
        .unwrap_or_else(|e| panic!("the AWS emulator is not available: {e}"));
    let get = |k: &str| {
        env.get(k)
            .cloned()
            .unwrap_or_else(|| panic!("scripts/emulator start printed no {k}"))
    };
    let sdk = config_loader(&ClientSettings::default())
        .endpoint_url(get("AWS_ENDPOINT_URL"))
        .region(Region::new(get("AWS_REGION")))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "infra-test",
        ))
        .load()
        .await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = get("TABLE_NAME");
    let d = ddb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTable {table}: {e:?}"))
        .table
        .expect("a table");
    let ks: Vec<(String, String)> = d
        .key_schema()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_owned(),
                k.key_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(ks, expected_keys());
    let gsi = d
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some(schema::INDEX))
        .unwrap_or_else(|| panic!("the emulator table has no {} index", schema::INDEX));
    let gks: Vec<(String, String)> = gsi
        .key_schema()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_owned(),
                k.key_type().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(gks, expected_index_keys());
    assert_eq!(
        d.stream_specification()
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str()),
        Some(schema::STREAM_VIEW)
    );
    let ttl = ddb
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTimeToLive {table}: {e:?}"));
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|t| t.attribute_name()),
        Some(schema::TTL_ATTRIBUTE)
    );
}

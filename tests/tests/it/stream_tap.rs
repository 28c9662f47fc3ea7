//! Reads a table's DynamoDB stream in the emulator and shapes the records as Lambda delivers
//! them to a stream-triggered function (`{"Records": [...]}`, with `eventSourceARN` and the
//! numeric `ApproximateCreationDateTime`), so the remediator's handler runs on what the real
//! writes of the responder produced, not on hand-made records.

use aws_sdk_dynamodbstreams::types::{AttributeValue, ShardIteratorType};
use serde_json::{json, Map, Value};

use crate::harness::{emulator, seeded};

/// A reader positioned after every record it has returned.
#[derive(Debug)]
pub struct StreamTap {
    client: aws_sdk_dynamodbstreams::Client,
    arn: String,
    /// One iterator per shard, advanced by each read.
    iterators: Vec<String>,
}

impl StreamTap {
    /// Opens the stream of `table` from its first record.
    pub async fn open(table: &str) -> StreamTap {
        let emu = emulator();
        let ddb = emu.dynamodb().await;
        let described = seeded(
            "DescribeTable",
            ddb.describe_table().table_name(table).send().await,
        );
        let arn = described
            .table()
            .and_then(|t| t.latest_stream_arn())
            .unwrap_or_else(|| panic!("table {table} has no stream"))
            .to_owned();
        let client = aws_sdk_dynamodbstreams::Client::new(&emu.sdk_config().await);
        let shards = seeded(
            "DescribeStream",
            client.describe_stream().stream_arn(&arn).send().await,
        );
        let mut iterators = Vec::new();
        for shard in shards
            .stream_description()
            .map(|d| d.shards())
            .unwrap_or_default()
        {
            let id = shard.shard_id().expect("a shard has an id");
            let it = seeded(
                "GetShardIterator",
                client
                    .get_shard_iterator()
                    .stream_arn(&arn)
                    .shard_id(id)
                    .shard_iterator_type(ShardIteratorType::TrimHorizon)
                    .send()
                    .await,
            );
            iterators.push(it.shard_iterator().expect("an iterator").to_owned());
        }
        StreamTap {
            client,
            arn,
            iterators,
        }
    }

    /// Every record written since the last read, as one Lambda event.
    pub async fn next_batch(&mut self) -> Value {
        let mut records = Vec::new();
        for it in &mut self.iterators {
            let out = seeded(
                "GetRecords",
                self.client
                    .get_records()
                    .shard_iterator(it.as_str())
                    .send()
                    .await,
            );
            for r in out.records() {
                records.push(lambda_record(r, &self.arn));
            }
            if let Some(next) = out.next_shard_iterator() {
                *it = next.to_owned();
            }
        }
        json!({ "Records": records })
    }
}

fn lambda_record(r: &aws_sdk_dynamodbstreams::types::Record, arn: &str) -> Value {
    let d = r.dynamodb().expect("a stream record has its dynamodb part");
    let mut change = Map::new();
    if let Some(t) = d.approximate_creation_date_time() {
        change.insert(
            "ApproximateCreationDateTime".into(),
            json!(t.as_secs_f64().floor()),
        );
    }
    for (name, image) in [
        ("Keys", d.keys()),
        ("NewImage", d.new_image()),
        ("OldImage", d.old_image()),
    ] {
        if let Some(image) = image {
            change.insert(name.into(), item(image));
        }
    }
    change.insert("SequenceNumber".into(), json!(d.sequence_number()));
    change.insert("SizeBytes".into(), json!(d.size_bytes().unwrap_or(0)));
    change.insert(
        "StreamViewType".into(),
        json!(d.stream_view_type().map(|v| v.as_str())),
    );
    json!({
        "eventID": r.event_id(),
        "eventName": r.event_name().map(|e| e.as_str()),
        "eventVersion": r.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": r.aws_region(),
        "dynamodb": change,
        "eventSourceARN": arn,
    })
}

fn item(image: &std::collections::HashMap<String, AttributeValue>) -> Value {
    Value::Object(image.iter().map(|(k, v)| (k.clone(), value(v))).collect())
}

/// DynamoDB JSON of one attribute (the types the table's items use).
fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(b) => json!({ "NULL": b }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::L(v) => json!({ "L": v.iter().map(value).collect::<Vec<_>>() }),
        AttributeValue::M(m) => json!({ "M": item(m) }),
        other => panic!("an attribute type the table does not use: {other:?}"),
    }
}

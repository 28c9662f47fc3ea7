"""Probe the running emulator for the moto behaviours ecs-triage relies on.

    eval "$(scripts/emulator start)"
    AWS_ENDPOINT_URL=... "$(scripts/venv)/bin/python" scripts/lib/moto_facts.py

Run it after bumping moto in requirements.txt and compare with docs/EMULATOR.md.
Uses the resources scripts/emulator created (TABLE_NAME, TOPIC_ARN, QUEUE_URL from the
environment), creates only scratch resources of its own (names start with "facts-"), and
calls POST /moto-api/reset at the end, which wipes the emulator's state: re-run
`scripts/emulator start` afterwards to recreate the stack's resources.
Prints one line per fact: "FACT <name>: <observed>".
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
TABLE = os.environ.get("TABLE_NAME", "ecs-triage-incidents")
TOPIC_ARN = os.environ["TOPIC_ARN"]
QUEUE_URL = os.environ["QUEUE_URL"]

session = boto3.session.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
)
ddb = session.client("dynamodb", endpoint_url=ENDPOINT)
streams = session.client("dynamodbstreams", endpoint_url=ENDPOINT)
sns = session.client("sns", endpoint_url=ENDPOINT)
sqs = session.client("sqs", endpoint_url=ENDPOINT)


def fact(name: str, observed) -> None:
    if not isinstance(observed, str):
        observed = json.dumps(observed, sort_keys=True, default=str)
    print(f"FACT {name}: {observed}", flush=True)


def err(e: ClientError) -> dict:
    out = {
        "code": e.response["Error"].get("Code"),
        "message": e.response["Error"].get("Message"),
        "http": e.response["ResponseMetadata"].get("HTTPStatusCode"),
    }
    for k in ("Item", "CancellationReasons"):
        if k in e.response:
            out[k] = e.response[k]
    return out


def drain(url: str, want: int = 1, seconds: float = 5.0) -> list[dict]:
    msgs: list[dict] = []
    deadline = time.monotonic() + seconds
    while len(msgs) < want and time.monotonic() < deadline:
        r = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        for m in r.get("Messages", []):
            msgs.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return msgs


def table_facts() -> None:
    t = ddb.describe_table(TableName=TABLE)["Table"]
    fact("table.KeySchema", t["KeySchema"])
    fact("table.BillingMode", t.get("BillingModeSummary"))
    fact(
        "table.GSIs",
        [
            {k: g.get(k) for k in ("IndexName", "KeySchema", "Projection", "IndexStatus")}
            for g in t.get("GlobalSecondaryIndexes", [])
        ],
    )
    fact("table.StreamSpecification", t.get("StreamSpecification"))
    fact("table.LatestStreamArn present", bool(t.get("LatestStreamArn")))
    fact("table.TTL", ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"])


def ddb_facts() -> None:
    pk = {"S": "WL#facts#svc"}
    item = {"pk": pk, "sk": {"S": "OCC#1#t1"}, "n": {"N": "1"}}
    ddb.put_item(TableName=TABLE, Item=item)

    # PutItem with attribute_not_exists on an existing key.
    try:
        ddb.put_item(
            TableName=TABLE,
            Item=item,
            ConditionExpression="attribute_not_exists(pk)",
        )
        fact("PutItem attribute_not_exists on existing item", "SUCCEEDED (condition ignored!)")
    except ClientError as e:
        fact("PutItem attribute_not_exists on existing item", err(e))
    try:
        ddb.put_item(
            TableName=TABLE,
            Item=item,
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        fact("PutItem ReturnValuesOnConditionCheckFailure=ALL_OLD", "SUCCEEDED (condition ignored!)")
    except ClientError as e:
        fact("PutItem ReturnValuesOnConditionCheckFailure=ALL_OLD", err(e))

    # UpdateItem with a failing condition, and ReturnValuesOnConditionCheckFailure.
    try:
        ddb.update_item(
            TableName=TABLE,
            Key={"pk": pk, "sk": item["sk"]},
            UpdateExpression="SET n = n + :one",
            ConditionExpression="n > :big",
            ExpressionAttributeValues={":one": {"N": "1"}, ":big": {"N": "100"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        fact("UpdateItem failing ConditionExpression", "SUCCEEDED (condition ignored!)")
    except ClientError as e:
        fact("UpdateItem failing ConditionExpression + ALL_OLD", err(e))

    # UpdateItem ReturnValues=ALL_NEW with counter + if_not_exists (the incident upsert shape).
    inc_key = {"pk": pk, "sk": {"S": "INC#oom#3"}}
    outs = []
    for _ in range(2):
        r = ddb.update_item(
            TableName=TABLE,
            Key=inc_key,
            UpdateExpression=(
                "SET first_seen = if_not_exists(first_seen, :now), last_seen = :now, "
                "gsi1pk = :g, gsi1sk = :now ADD #c :one"
            ),
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={
                ":now": {"S": "2026-01-01T00:00:00Z"},
                ":one": {"N": "1"},
                ":g": {"S": "CLUSTER#facts"},
            },
            ReturnValues="ALL_NEW",
        )
        outs.append(r.get("Attributes"))
    fact("UpdateItem ReturnValues=ALL_NEW (2nd call)", outs[1])

    # UpdateItem ReturnValues=UPDATED_OLD on first write.
    r = ddb.update_item(
        TableName=TABLE,
        Key={"pk": pk, "sk": {"S": "INC#none#1"}},
        UpdateExpression="ADD #c :one",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_OLD",
    )
    fact("UpdateItem ReturnValues=UPDATED_OLD on a new item", r.get("Attributes", "(no Attributes key)"))

    # TransactWriteItems: success, then a cancelled one.
    ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {"pk": pk, "sk": {"S": "OCC#2#t2"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": inc_key,
                    "UpdateExpression": "ADD #c :one",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
    )
    got = ddb.get_item(TableName=TABLE, Key=inc_key)["Item"]["count"]
    fact("TransactWriteItems success (count after)", got)
    try:
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": pk, "sk": {"S": "OCC#2#t2"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": inc_key,
                        "UpdateExpression": "ADD #c :one",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
            ]
        )
        fact("TransactWriteItems with failing condition", "SUCCEEDED (condition ignored!)")
    except ClientError as e:
        fact("TransactWriteItems with failing condition", err(e))
    got2 = ddb.get_item(TableName=TABLE, Key=inc_key)["Item"]["count"]
    fact("TransactWriteItems cancelled: other item untouched (count after)", got2)

    # Query on the GSI.
    for i in range(3):
        ddb.put_item(
            TableName=TABLE,
            Item={
                "pk": {"S": f"WL#facts#svc{i}"},
                "sk": {"S": "INC#x#1"},
                "gsi1pk": {"S": "CLUSTER#facts"},
                "gsi1sk": {"S": f"2026-01-0{i + 2}T00:00:00Z"},
            },
        )
    r = ddb.query(
        TableName=TABLE,
        IndexName="by-cluster",
        KeyConditionExpression="gsi1pk = :c AND gsi1sk > :since",
        ExpressionAttributeValues={":c": {"S": "CLUSTER#facts"}, ":since": {"S": "2026-01-01"}},
        ScanIndexForward=False,
        Limit=2,
    )
    fact(
        "Query by-cluster desc Limit=2",
        {
            "gsi1sk": [it["gsi1sk"]["S"] for it in r["Items"]],
            "LastEvaluatedKey": r.get("LastEvaluatedKey"),
        },
    )

    # TTL: is an item with expires_at in the past removed?
    ddb.put_item(
        TableName=TABLE,
        Item={"pk": pk, "sk": {"S": "EXPIRED"}, "expires_at": {"N": "1"}},
    )
    time.sleep(1)
    fact(
        "TTL: item with expires_at=1 still readable",
        "Item" in ddb.get_item(TableName=TABLE, Key={"pk": pk, "sk": {"S": "EXPIRED"}}),
    )

    # Stream records.
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    it = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shards[0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    recs = streams.get_records(ShardIterator=it)["Records"]
    fact(
        "Streams: records (eventName, has OldImage, has NewImage) first 4",
        [
            (x["eventName"], "OldImage" in x["dynamodb"], "NewImage" in x["dynamodb"])
            for x in recs[:4]
        ]
        + [f"total={len(recs)}", f"shards={len(shards)}"],
    )


def sns_facts() -> None:
    drain(QUEUE_URL, want=100, seconds=1)  # empty the tap first
    message = {
        "default": "plain text for default",
        "email": "plain text for email",
        "sqs": json.dumps({"version": "1.0", "source": "custom", "content": {"description": "x"}}),
        "https": "https body",
    }
    attrs = {
        "severity": {"DataType": "String", "StringValue": "high"},
        "category": {"DataType": "String", "StringValue": "oom"},
        "count": {"DataType": "Number", "StringValue": "3"},
    }
    pub = sns.publish(
        TopicArn=TOPIC_ARN,
        Message=json.dumps(message),
        MessageStructure="json",
        Subject="ecs-triage: OOM in orders",
        MessageAttributes=attrs,
    )
    fact("Publish MessageStructure=json response keys", sorted(pub))
    msgs = drain(QUEUE_URL)
    if not msgs:
        fact("SNS->SQS (sqs key present)", "NOTHING RECEIVED")
    else:
        m = msgs[0]
        body = json.loads(m["Body"])
        fact("SNS->SQS envelope keys", sorted(body))
        fact("SNS->SQS envelope Type/Subject", {k: body.get(k) for k in ("Type", "Subject")})
        fact("SNS->SQS envelope Message (sqs key present)", body.get("Message"))
        fact("SNS->SQS envelope MessageAttributes", body.get("MessageAttributes"))
        fact("SNS->SQS SQS-level MessageAttributes", m.get("MessageAttributes", "(none)"))
        fact("SNS->SQS MessageId matches publish", body.get("MessageId") == pub["MessageId"])

    # Only "default" present: what does the SQS subscriber get?
    sns.publish(
        TopicArn=TOPIC_ARN,
        Message=json.dumps({"default": "only default"}),
        MessageStructure="json",
    )
    msgs = drain(QUEUE_URL)
    fact(
        "SNS->SQS Message when only default key",
        json.loads(msgs[0]["Body"]).get("Message") if msgs else "NOTHING RECEIVED",
    )
    if msgs:
        fact("SNS->SQS envelope without Subject: Subject key present?", "Subject" in json.loads(msgs[0]["Body"]))

    # No "default" key.
    try:
        sns.publish(
            TopicArn=TOPIC_ARN, Message=json.dumps({"sqs": "x"}), MessageStructure="json"
        )
        fact("Publish json without default key", "accepted")
    except ClientError as e:
        fact("Publish json without default key", err(e))

    # Subject over 100 characters.
    try:
        sns.publish(TopicArn=TOPIC_ARN, Message="m", Subject="x" * 101)
        fact("Publish Subject of 101 chars", "accepted")
    except ClientError as e:
        fact("Publish Subject of 101 chars", err(e))
    drain(QUEUE_URL, want=100, seconds=1)

    # Deleted topic.
    arn = sns.create_topic(Name="facts-deleted")["TopicArn"]
    sns.delete_topic(TopicArn=arn)
    try:
        sns.publish(TopicArn=arn, Message="hello")
        fact("Publish to deleted topic", "accepted")
    except ClientError as e:
        fact("Publish to deleted topic", err(e))
    try:
        sns.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:never-existed", Message="x")
        fact("Publish to never-created topic", "accepted")
    except ClientError as e:
        fact("Publish to never-created topic", err(e))


def reset_facts() -> None:
    req = urllib.request.Request(f"{ENDPOINT}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as r:
        fact("POST /moto-api/reset", {"status": r.status, "body": r.read().decode()[:200]})
    try:
        ddb.describe_table(TableName=TABLE)
        fact("after reset: table", "still exists")
    except ClientError as e:
        fact("after reset: table", err(e))
    fact("after reset: topics", sns.list_topics().get("Topics"))
    fact("after reset: queues", sqs.list_queues().get("QueueUrls", []))


def main() -> int:
    table_facts()
    ddb_facts()
    sns_facts()
    if "--no-reset" not in sys.argv:
        reset_facts()
    return 0


if __name__ == "__main__":
    sys.exit(main())

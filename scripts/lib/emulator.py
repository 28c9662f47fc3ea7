"""Helpers for scripts/emulator, run with the repo venv's Python.

    emulator.py free-port
        print a TCP port on 127.0.0.1 that is free right now
    emulator.py spawn LOGFILE COMMAND [ARGS...]
        start COMMAND detached (new session, stdin /dev/null, stdout+stderr appended
        to LOGFILE) and print its pid
    emulator.py wait PORT PID TIMEOUT_SECONDS
        poll http://127.0.0.1:PORT/moto-api/ until it answers; exit 1 on timeout and
        exit 2 as soon as process PID is gone (moto_server died, e.g. port taken)
    emulator.py setup ENDPOINT_URL
        create the stack's resources idempotently, then print KEY=value lines
        (TABLE_NAME, TOPIC_ARN, QUEUE_URL, DLQ_URL) on stdout; progress on stderr

Resource names can be overridden with TABLE_NAME, TOPIC_NAME, TAP_QUEUE_NAME,
DLQ_NAME in the environment.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import time
import urllib.error
import urllib.request

REGION = "us-east-1"


def log(msg: str) -> None:
    print(f"emulator: {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(logfile: str, argv: list[str]) -> int:
    import subprocess

    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the caller's terminal and Ctrl-C
            close_fds=True,
        )
    print(proc.pid)
    return 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped) counts as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return True


def wait(port: int, pid: int, timeout: float) -> int:
    url = f"http://127.0.0.1:{port}/moto-api/"
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        if not pid_alive(pid):
            return 2
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return 0
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return 0
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() >= deadline:
            return 1
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


# --------------------------------------------------------------------------- setup


def clients(endpoint: str):
    import boto3  # imported here so free-port/wait stay fast

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    )
    return (
        session.client("dynamodb", endpoint_url=endpoint),
        session.client("sns", endpoint_url=endpoint),
        session.client("sqs", endpoint_url=endpoint),
    )


def ensure_table(ddb, name: str) -> None:
    try:
        desc = ddb.describe_table(TableName=name)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        log(f"creating DynamoDB table {name}")
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "gsi1pk", "AttributeType": "S"},
                {"AttributeName": "gsi1sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-cluster",
                    "KeySchema": [
                        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            StreamSpecification={
                "StreamEnabled": True,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        )
        ddb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        desc = ddb.describe_table(TableName=name)["Table"]
    else:
        keys = {(k["AttributeName"], k["KeyType"]) for k in desc["KeySchema"]}
        gsis = {g["IndexName"] for g in desc.get("GlobalSecondaryIndexes", [])}
        if keys != {("pk", "HASH"), ("sk", "RANGE")} or "by-cluster" not in gsis:
            raise SystemExit(
                f"emulator: table {name} exists with another schema "
                f"(keys {sorted(keys)}, GSIs {sorted(gsis)}); "
                "run `scripts/emulator stop` and start again"
            )
        spec = desc.get("StreamSpecification") or {}
        if not spec.get("StreamEnabled") or spec.get("StreamViewType") != "NEW_AND_OLD_IMAGES":
            log(f"enabling the NEW_AND_OLD_IMAGES stream on {name}")
            ddb.update_table(
                TableName=name,
                StreamSpecification={
                    "StreamEnabled": True,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            )

    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or ttl.get(
        "AttributeName"
    ) != "expires_at":
        log(f"enabling TTL on {name}.expires_at")
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
        )


def ensure_queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]  # idempotent for equal attributes
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    return url, arn


def ensure_tap(sns, sqs, topic_arn: str, queue_url: str, queue_arn: str) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowAlertsTopic",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})

    sub_arn = None
    paginator = sns.get_paginator("list_subscriptions_by_topic")
    for page in paginator.paginate(TopicArn=topic_arn):
        for sub in page["Subscriptions"]:
            if sub["Protocol"] == "sqs" and sub["Endpoint"] == queue_arn:
                sub_arn = sub["SubscriptionArn"]
    if sub_arn is None:
        log(f"subscribing {queue_arn} to {topic_arn}")
        sub_arn = sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "false"},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
    # Raw delivery OFF: the tap receives the SNS envelope, MessageAttributes included.
    sns.set_subscription_attributes(
        SubscriptionArn=sub_arn, AttributeName="RawMessageDelivery", AttributeValue="false"
    )


def setup(endpoint: str) -> int:
    table = os.environ.get("TABLE_NAME") or "ecs-triage-incidents"
    topic = os.environ.get("TOPIC_NAME") or "ecs-triage-alerts"
    tap = os.environ.get("TAP_QUEUE_NAME") or "ecs-triage-alerts-tap"
    dlq = os.environ.get("DLQ_NAME") or "ecs-triage-responder-dlq"

    ddb, sns, sqs = clients(endpoint)
    ensure_table(ddb, table)
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]  # idempotent
    queue_url, queue_arn = ensure_queue(sqs, tap)
    ensure_tap(sns, sqs, topic_arn, queue_url, queue_arn)
    dlq_url, _ = ensure_queue(sqs, dlq)

    for key, value in (
        ("TABLE_NAME", table),
        ("TOPIC_ARN", topic_arn),
        ("QUEUE_URL", queue_url),
        ("DLQ_URL", dlq_url),
    ):
        print(f"{key}={shlex.quote(value)}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "free-port":
        print(free_port())
        return 0
    if len(argv) >= 3 and argv[0] == "spawn":
        return spawn(argv[1], argv[2:])
    if len(argv) == 4 and argv[0] == "wait":
        return wait(int(argv[1]), int(argv[2]), float(argv[3]))
    if len(argv) == 2 and argv[0] == "setup":
        return setup(argv[1])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

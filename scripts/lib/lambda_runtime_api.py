"""A minimal AWS Lambda Runtime API on 127.0.0.1, for benchmarking a custom runtime locally.

Python 3 standard library only. It implements the part of the Runtime API a `provided.al2023`
function uses:

    GET  /2018-06-01/runtime/invocation/next           the next event (long poll), with the
                                                       Lambda-Runtime-* headers
    POST /2018-06-01/runtime/invocation/{id}/response  the result of invocation {id}
    POST /2018-06-01/runtime/invocation/{id}/error     the error of invocation {id}
    POST /2018-06-01/runtime/init/error                the function failed to initialise

It spawns the function itself, with the environment Lambda gives a function
(AWS_LAMBDA_RUNTIME_API pointing at this server, AWS_LAMBDA_FUNCTION_NAME, ..._MEMORY_SIZE,
..._VERSION, AWS_LAMBDA_LOG_FORMAT, ...), so it can time the cold start from the spawn to the
runtime's first GET /next. Each function process gets its own Runtime API instance (its own
port) because a Lambda execution environment runs one invocation at a time; "concurrency N"
is N processes, each polling its own instance, all fed from one shared queue of events.

Commands (results are one JSON document on stdout; progress on stderr):

    lambda_runtime_api.py init --binary PATH [--starts 10] [--log FILE] [--env K=V ...]
        Starts the function --starts times, one after the other. For each start it records the
        time from the spawn to the first GET /next, and the process's VmRSS/VmHWM at that
        moment, then stops the process (SIGTERM, SIGKILL after 5 s) without handing out an event.

    lambda_runtime_api.py run --binary PATH [--concurrency 1] [--repeat 1] [--log-dir DIR]
                              [--env K=V ...] [--timeout 600] EVENT_FILE...
        Serves the event files, in order, --repeat times over, to --concurrency processes of
        the function. The queue opens once every process has made its first GET /next, so the
        cold starts are not part of the timed run. For each invocation it records when the
        event was handed out (the /next response was written) and when the response or error
        came back. At the end it reads VmHWM (peak RSS) and VmRSS of every process from
        /proc/<pid>/status, then stops them.

--env K=V adds or overrides a variable of the function's environment (repeatable). The
function does not inherit this process's environment except PATH, LANG, TZ and the AWS
variables listed in PASS_THROUGH (region, credentials, endpoint, TABLE_NAME, TOPIC_ARN...).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
FUNCTION_NAME = "ecs-triage-responder"
ACCOUNT = "123456789012"
DEADLINE_MS = 30_000  # the function's timeout, as the Deadline-Ms header announces it

# Variables of the caller's environment the function gets (when set).
PASS_THROUGH = (
    "PATH",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "TABLE_NAME",
    "TOPIC_ARN",
    "NO_PROXY",
    "no_proxy",
)


def log(msg: str) -> None:
    print(f"lambda_runtime_api: {msg}", file=sys.stderr, flush=True)


def now_ns() -> int:
    return time.perf_counter_ns()


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, ... of /proc/<pid>/status, in KiB (empty if the process is gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "VmSize", "VmPeak", "Threads", "RssAnon", "RssFile"):
                    out[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


class Invocation:
    __slots__ = ("index", "request_id", "file", "body", "api", "handed_out_ns", "done_ns",
                 "status", "result", "error_type")

    def __init__(self, index: int, file: str, body: bytes) -> None:
        self.index = index
        self.request_id = str(uuid.uuid4())
        self.file = file
        self.body = body
        self.api: int | None = None
        self.handed_out_ns: int | None = None
        self.done_ns: int | None = None
        self.status: str | None = None  # "response" | "error"
        self.result: object = None
        self.error_type: str | None = None


class Shared:
    """What every Runtime API instance of one run shares: the queue and the bookkeeping."""

    def __init__(self, invocations: list[Invocation]) -> None:
        self.invocations = invocations
        self.by_id = {i.request_id: i for i in invocations}
        self.queue: "queue.Queue[Invocation]" = queue.Queue()
        for inv in invocations:
            self.queue.put(inv)
        self.gate = threading.Event()  # the queue is open
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.remaining = len(invocations)
        self.all_done = threading.Event()
        if not invocations:
            self.all_done.set()
        self.init_errors: list[dict] = []

    def complete(self, inv: Invocation, status: str, body: bytes, at_ns: int) -> bool:
        with self.lock:
            if inv.done_ns is not None:
                return False
            inv.done_ns = at_ns
            inv.status = status
            try:
                inv.result = json.loads(body) if body else None
            except ValueError:
                inv.result = body.decode("utf-8", "replace")
            if status == "error" and isinstance(inv.result, dict):
                inv.error_type = inv.result.get("errorType")
            self.remaining -= 1
            if self.remaining == 0:
                self.all_done.set()
            return True


class RuntimeApi:
    """One Runtime API endpoint (one execution environment's view of Lambda)."""

    def __init__(self, index: int, shared: Shared) -> None:
        self.index = index
        self.shared = shared
        self.pid: int | None = None
        self.first_next_ns: int | None = None
        self.at_first_next: dict[str, int] = {}
        self.first_next = threading.Event()
        self.served = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                # No Nagle: a small write must not wait for the peer's delayed ACK.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                # Status line, headers and body in one write (one segment on loopback).
                self.log_request(code)
                lines = [f"HTTP/1.1 {code} {self.responses.get(code, ('',))[0]}",
                         f"Date: {self.date_time_string()}",
                         "Content-Type: application/json",
                         f"Content-Length: {len(body)}"]
                lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
                self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
                self.wfile.flush()

            def read_body(self) -> bytes:
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    self.send(404, b'{"errorType":"NotFound"}')
                    return
                t = now_ns()
                if api.first_next_ns is None:
                    api.first_next_ns = t
                    if api.pid is not None:
                        api.at_first_next = proc_status(api.pid)
                    api.first_next.set()
                # Long poll: wait for the queue to open, then for an event (or the end).
                while not api.shared.gate.wait(0.2):
                    if api.shared.stopping.is_set():
                        return self.hang()
                while True:
                    if api.shared.stopping.is_set():
                        return self.hang()
                    try:
                        inv = api.shared.queue.get(timeout=0.2)
                        break
                    except queue.Empty:
                        continue
                inv.api = api.index
                deadline = int(time.time() * 1000) + DEADLINE_MS
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn":
                        f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'us-east-1')}:{ACCOUNT}:function:{FUNCTION_NAME}",
                    "Lambda-Runtime-Trace-Id": trace_id(),
                }
                # Stamped before the write: the response may come back (on another thread)
                # before this thread runs again.
                inv.handed_out_ns = now_ns()
                self.send(200, inv.body, headers)
                api.served += 1

            def hang(self):
                # The run is over: leave the poll unanswered; the process is about to be stopped.
                self.close_connection = True

            def do_POST(self):
                body = self.read_body()
                t = now_ns()
                path = self.path
                if path == f"{PREFIX}/init/error":
                    api.shared.init_errors.append({"api": api.index, "body": body.decode("utf-8", "replace")})
                    self.send(202, b'{"status":"OK"}')
                    return
                if path.startswith(f"{PREFIX}/invocation/"):
                    parts = path[len(PREFIX) + len("/invocation/"):].split("/")
                    if len(parts) == 2 and parts[1] in ("response", "error"):
                        inv = api.shared.by_id.get(parts[0])
                        if inv is None:
                            self.send(400, b'{"errorType":"InvalidRequestID"}')
                            return
                        if not api.shared.complete(inv, parts[1], body, t):
                            self.send(400, b'{"errorType":"InvalidStateTransition"}')
                            return
                        self.send(202, b'{"status":"OK"}')
                        return
                self.send(404, b'{"errorType":"NotFound"}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def function_env(api: RuntimeApi, extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    region = env.get("AWS_REGION", "us-east-1")
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}",
        "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
        "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()) + secrets.token_hex(16),
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", region),
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": "bootstrap",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
    })
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(extra)
    return env


def spawn(binary: str, api: RuntimeApi, extra: dict[str, str], logfile) -> tuple[subprocess.Popen, int]:
    t0 = now_ns()
    proc = subprocess.Popen([binary], env=function_env(api, extra), stdin=subprocess.DEVNULL,
                            stdout=logfile, stderr=subprocess.STDOUT, close_fds=True)
    api.pid = proc.pid
    return proc, t0


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def parse_env(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or not k:
            raise SystemExit(f"--env expects KEY=VALUE, got {p!r}")
        out[k] = v
    return out


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(values_ms: list[float]) -> dict:
    s = sorted(values_ms)
    return {
        "n": len(s),
        "min_ms": s[0] if s else None,
        "p50_ms": percentile(s, 50),
        "p90_ms": percentile(s, 90),
        "p99_ms": percentile(s, 99),
        "max_ms": s[-1] if s else None,
        "mean_ms": sum(s) / len(s) if s else None,
    }


def cmd_init(args) -> int:
    extra = parse_env(args.env)
    starts = []
    logfile = open(args.log, "ab") if args.log else subprocess.DEVNULL
    for n in range(args.starts):
        shared = Shared([])
        api = RuntimeApi(0, shared)
        proc, t0 = spawn(args.binary, api, extra, logfile)
        ok = api.first_next.wait(args.timeout)
        rec = {"start": n + 1, "pid": proc.pid}
        if ok:
            rec["init_ms"] = (api.first_next_ns - t0) / 1e6
            rec.update({k.lower() + "_kib": v for k, v in api.at_first_next.items()})
        else:
            rec["error"] = f"no GET /next within {args.timeout} s (exit code {proc.poll()})"
        if shared.init_errors:
            rec["init_error"] = shared.init_errors
        shared.stopping.set()
        stop(proc)
        api.close()
        starts.append(rec)
        log(f"start {n + 1}/{args.starts}: " + (f"{rec['init_ms']:.1f} ms" if "init_ms" in rec else rec["error"]))
    if logfile is not subprocess.DEVNULL:
        logfile.close()
    times = [s["init_ms"] for s in starts if "init_ms" in s]
    json.dump({"starts": starts, "init": summary(times)}, sys.stdout, indent=2)
    print()
    return 0 if len(times) == args.starts else 1


def cmd_run(args) -> int:
    extra = parse_env(args.env)
    bodies = []
    for f in args.events:
        with open(f, "rb") as fh:
            body = fh.read()
        json.loads(body)  # fail early on a file that is not JSON
        bodies.append((f, body))
    invocations = []
    for _ in range(args.repeat):
        for f, body in bodies:
            invocations.append(Invocation(len(invocations), f, body))
    shared = Shared(invocations)
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)
    apis, procs = [], []
    try:
        for n in range(args.concurrency):
            api = RuntimeApi(n, shared)
            logfile = open(os.path.join(args.log_dir, f"function-{n}.log"), "wb") if args.log_dir else subprocess.DEVNULL
            proc, t0 = spawn(args.binary, api, extra, logfile)
            if logfile is not subprocess.DEVNULL:
                logfile.close()
            apis.append(api)
            procs.append((proc, t0))
        deadline = time.monotonic() + args.timeout
        for api, (proc, _) in zip(apis, procs):
            while not api.first_next.wait(0.2):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"function {api.index} did not reach GET /next "
                                     f"(exit code {proc.poll()}, init errors {shared.init_errors})")
        opened_ns = now_ns()
        shared.gate.set()
        while not shared.all_done.wait(0.2):
            dead = [a.index for a, (p, _) in zip(apis, procs) if p.poll() is not None]
            if dead:
                raise SystemExit(f"function process(es) {dead} exited during the run")
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out with {shared.remaining} invocations left")
        end_ns = now_ns()
        # Let each runtime get back to its next GET /next (the response POST is answered before
        # the runtime polls again), then read the peak RSS of every process.
        time.sleep(0.2)
        processes = []
        for api, (proc, t0) in zip(apis, procs):
            st = proc_status(proc.pid)
            processes.append({
                "api": api.index,
                "pid": proc.pid,
                "init_ms": (api.first_next_ns - t0) / 1e6,
                "served": api.served,
                "at_first_next": {k.lower() + "_kib": v for k, v in api.at_first_next.items()},
                "at_end": {k.lower() + "_kib": v for k, v in st.items()},
            })
    finally:
        shared.stopping.set()
        for proc, _ in procs:
            stop(proc)
        for api in apis:
            api.close()

    lat = [(i.done_ns - i.handed_out_ns) / 1e6 for i in invocations]
    outcomes: dict[str, int] = {}
    for i in invocations:
        if i.status == "error":
            key = f"error:{i.error_type}"
        elif isinstance(i.result, dict):
            key = str(i.result.get("action"))
        else:
            key = "other"
        outcomes[key] = outcomes.get(key, 0) + 1
    notified = sum(len(i.result.get("notified") or []) for i in invocations
                   if i.status == "response" and isinstance(i.result, dict))
    first = min(invocations, key=lambda i: i.handed_out_ns) if invocations else None
    wall_s = (end_ns - opened_ns) / 1e9
    result = {
        "concurrency": args.concurrency,
        "events": len(invocations),
        "wall_s": wall_s,
        "throughput_per_s": len(invocations) / wall_s if wall_s > 0 else None,
        "latency": summary(lat),
        "first_invocation_ms": (first.done_ns - first.handed_out_ns) / 1e6 if first else None,
        "outcomes": outcomes,
        "notifications": notified,
        "errors": [{"file": i.file, "result": i.result} for i in invocations if i.status == "error"][:5],
        "processes": processes,
        "invocations": [
            {"i": i.index, "api": i.api, "file": os.path.basename(i.file),
             "latency_ms": (i.done_ns - i.handed_out_ns) / 1e6, "status": i.status,
             "action": i.result.get("action") if isinstance(i.result, dict) else None}
            for i in invocations
        ] if args.per_invocation else None,
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("init", help="time cold starts (spawn -> first GET /next)")
    p.add_argument("--binary", required=True)
    p.add_argument("--starts", type=int, default=10)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--log", help="append the function's output to this file")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    p.set_defaults(fn=cmd_init)

    p = sub.add_parser("run", help="serve events to N processes and time each invocation")
    p.add_argument("--binary", required=True)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--log-dir", help="write each process's output to DIR/function-N.log")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--per-invocation", action="store_true", help="include every invocation in the output")
    p.add_argument("events", nargs="+", metavar="EVENT_FILE")
    p.set_defaults(fn=cmd_run)

    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

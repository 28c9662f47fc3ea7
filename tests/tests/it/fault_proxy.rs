//! A fault-injecting HTTP proxy between the SDK and the emulator (issue 7, "A fault-injecting
//! proxy for tests"). Point a client's endpoint at [`FaultProxy::endpoint`]; every request is
//! forwarded to the emulator unless a rule for its service and operation says otherwise:
//! throttling, a 5xx, AccessDenied, a malformed body, latency, or a reset connection, for the
//! first N calls or always.
//!
//! The service is read from the SigV4 credential scope (`Credential=…/<region>/<service>/…`), the
//! operation from `X-Amz-Target` (JSON protocols: DynamoDB, ECS, Logs, ECR, Application Auto
//! Scaling) or the form body's `Action=` (query protocols: SNS, IAM, EC2, ELBv2). Errors are
//! written in each protocol's own error shape, so the SDK parses them as it would AWS's.
//!
//! One request per connection (`Connection: close`): the SDK reconnects, and the proxy needs no
//! keep-alive bookkeeping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to do to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400 `ThrottlingException` (JSON) / `Throttling` (query).
    Throttle,
    /// HTTP 500 `InternalFailure`.
    ServerError,
    /// HTTP 400/403 `AccessDeniedException` / `AccessDenied`.
    AccessDenied,
    /// HTTP 200 with a body no parser accepts.
    Malformed,
    /// Waits this long before forwarding (beyond the SDK's timeouts when it matters).
    Latency(Duration),
    /// Closes the connection without answering (RST).
    Reset,
}

/// When a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// The first N matching requests, then none.
    First(usize),
    Always,
}

#[derive(Debug)]
struct Rule {
    service: String,
    /// `None`: every operation of the service.
    operation: Option<String>,
    fault: Fault,
    times: Times,
    hits: AtomicUsize,
}

/// A running proxy; it stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    endpoint: String,
    rules: Arc<Mutex<Vec<Arc<Rule>>>>,
    /// Requests seen, as `(service, operation)`.
    seen: Arc<Mutex<Vec<(String, String)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// A proxy to `upstream` (`http://host:port`), with no rules yet.
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let rules: Arc<Mutex<Vec<Arc<Rule>>>> = Arc::default();
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (r, s) = (rules.clone(), seen.clone());
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (r, s, up) = (r.clone(), s.clone(), upstream.clone());
                tokio::spawn(async move {
                    // A broken client connection only ends that request.
                    let _ = serve(conn, &up, &r, &s).await;
                });
            }
        });
        FaultProxy {
            endpoint,
            rules,
            seen,
            task,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Injects `fault` into `service` (`operation`: one, or `None` for all), `times`.
    pub fn inject(&self, service: &str, operation: Option<&str>, fault: Fault, times: Times) {
        self.rules.lock().expect("rules").push(Arc::new(Rule {
            service: service.to_owned(),
            operation: operation.map(str::to_owned),
            fault,
            times,
            hits: AtomicUsize::new(0),
        }));
    }

    /// Removes every rule: the dependency is back.
    pub fn heal(&self) {
        self.rules.lock().expect("rules").clear();
    }

    /// How many requests reached the proxy for `service` (and `operation`, when given).
    pub fn calls(&self, service: &str, operation: Option<&str>) -> usize {
        self.seen
            .lock()
            .expect("seen")
            .iter()
            .filter(|(s, o)| s == service && operation.is_none_or(|op| op == o))
            .count()
    }
}

async fn serve(
    mut conn: TcpStream,
    upstream: &str,
    rules: &Mutex<Vec<Arc<Rule>>>,
    seen: &Mutex<Vec<(String, String)>>,
) -> std::io::Result<()> {
    let Some(request) = read_request(&mut conn).await? else {
        return Ok(());
    };
    let (service, operation, json) = identify(&request);
    seen.lock()
        .expect("seen")
        .push((service.clone(), operation.clone()));
    let fault = {
        let rules = rules.lock().expect("rules");
        rules
            .iter()
            .find(|r| {
                r.service == service
                    && r.operation.as_deref().is_none_or(|o| o == operation)
                    && match r.times {
                        Times::Always => true,
                        Times::First(n) => r.hits.fetch_add(1, Ordering::SeqCst) < n,
                    }
            })
            .map(|r| r.fault)
    };
    match fault {
        None => forward(&mut conn, upstream, &request).await,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            forward(&mut conn, upstream, &request).await
        }
        Some(Fault::Reset) => {
            // A zero linger makes the close a RST at once (it is the non-zero linger that
            // blocks on drop, hence the deprecation).
            #[allow(deprecated)]
            conn.set_linger(Some(Duration::ZERO))?;
            drop(conn);
            Ok(())
        }
        Some(f) => {
            let (status, body, content_type) = error_response(f, json, &service);
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: fault-proxy\r\nConnection: close\r\n\r\n",
                body.len()
            );
            conn.write_all(head.as_bytes()).await?;
            conn.write_all(body.as_bytes()).await?;
            conn.shutdown().await
        }
    }
}

/// The whole request (head and body, by `Content-Length`); `None` when the client closed.
async fn read_request(conn: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(buf))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `(service, operation, uses a JSON protocol)` of a request.
fn identify(request: &[u8]) -> (String, String, bool) {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let service = header("authorization")
        .and_then(|a| {
            let scope = a.split("Credential=").nth(1)?.split(',').next()?.to_owned();
            scope.split('/').nth(3).map(str::to_owned)
        })
        .unwrap_or_default();
    if let Some(target) = header("x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or_default().to_owned();
        return (service, op, true);
    }
    let op = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or_default()
        .to_owned();
    (service, op, false)
}

fn error_response(fault: Fault, json: bool, service: &str) -> (&'static str, String, &'static str) {
    let (status, json_code, query_code, message) = match fault {
        Fault::Throttle => ("400 Bad Request", "ThrottlingException", "Throttling", "Rate exceeded"),
        Fault::ServerError => (
            "500 Internal Server Error",
            "InternalFailure",
            "InternalFailure",
            "injected server error",
        ),
        Fault::AccessDenied => (
            if json { "400 Bad Request" } else { "403 Forbidden" },
            "AccessDeniedException",
            "AccessDenied",
            "User: arn:aws:sts::123456789012:assumed-role/fault-proxy is not authorized to perform this operation",
        ),
        Fault::Malformed => {
            return (
                "200 OK",
                "{\"this is\": not JSON <nor XML".to_owned(),
                if json {
                    "application/x-amz-json-1.1"
                } else {
                    "text/xml"
                },
            )
        }
        Fault::Latency(_) | Fault::Reset => unreachable!("answered elsewhere"),
    };
    if json {
        (
            status,
            format!("{{\"__type\":\"{json_code}\",\"message\":\"{message}\"}}"),
            "application/x-amz-json-1.1",
        )
    } else if service == "ec2" {
        // EC2's query protocol has an error shape of its own.
        let code = match fault {
            Fault::Throttle => "RequestLimitExceeded",
            Fault::ServerError => "InternalError",
            _ => "UnauthorizedOperation",
        };
        (
            status,
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
            ),
            "text/xml",
        )
    } else {
        (
            status,
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{query_code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
            ),
            "text/xml",
        )
    }
}

/// Sends the request to the emulator and relays its whole answer.
async fn forward(conn: &mut TcpStream, upstream: &str, request: &[u8]) -> std::io::Result<()> {
    let mut up = TcpStream::connect(upstream).await?;
    // One request per connection, both sides.
    let text = String::from_utf8_lossy(request);
    let head_end = find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 4);
    let head: String = text[..head_end.min(text.len())]
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .filter(|l| !l.is_empty())
        .map(|l| format!("{l}\r\n"))
        .collect();
    up.write_all(head.as_bytes()).await?;
    up.write_all(b"Connection: close\r\n\r\n").await?;
    up.write_all(&request[head_end..]).await?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).await?;
    conn.write_all(&response).await?;
    conn.shutdown().await
}

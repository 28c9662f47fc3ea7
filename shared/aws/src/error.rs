//! Mapping SDK errors to [`PortError`], the same way for every service: what a later retry may
//! fix is `Transient` (the caller's invocation fails and Lambda retries it); everything else is
//! `Permanent`.

use std::error::Error;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ecs_triage_core::ports::PortError;

/// Error codes that mean "too fast" or "briefly broken" on the AWS side. The throttling and
/// transient lists are the ones the SDKs' standard retry strategy retries (aws-smithy-runtime
/// `AwsErrorCodeClassifier`), plus DynamoDB's `TransactionConflictException` (another
/// transaction held an item: "retry the request", DynamoDB developer guide, TransactWriteItems).
const TRANSIENT_CODES: &[&str] = &[
    // Throttling.
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "KMSThrottlingException",
    // Transient.
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "TransactionConflictException",
];

/// Whether a failure is worth retrying later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Transient,
    Permanent,
}

/// The facts of an SDK failure that decide its class, taken out of the SDK's types so the rule
/// is a pure function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure<'a> {
    /// The request could not be built (invalid input): nothing was sent.
    Construction,
    /// A connect, attempt or operation timeout.
    Timeout,
    /// The request could not be sent or the connection broke; `user` is a caller mistake such
    /// as an invalid endpoint URL.
    Dispatch { user: bool },
    /// A response came back but could not be read.
    Response { status: u16 },
    /// The service answered with an error.
    Service { code: Option<&'a str>, status: u16 },
}

pub(crate) fn classify(failure: Failure<'_>) -> Class {
    match failure {
        Failure::Construction | Failure::Dispatch { user: true } => Class::Permanent,
        Failure::Timeout | Failure::Dispatch { user: false } => Class::Transient,
        Failure::Response { status } => transient_status(status),
        Failure::Service { code, status } => match code {
            Some(c) if TRANSIENT_CODES.contains(&c) => Class::Transient,
            _ => transient_status(status),
        },
    }
}

fn transient_status(status: u16) -> Class {
    if status == 429 || status >= 500 {
        Class::Transient
    } else {
        Class::Permanent
    }
}

/// The classification facts of an SDK error.
pub(crate) fn failure_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure<'_> {
    match err {
        SdkError::ConstructionFailure(_) => Failure::Construction,
        SdkError::TimeoutError(_) => Failure::Timeout,
        SdkError::DispatchFailure(d) => Failure::Dispatch { user: d.is_user() },
        SdkError::ResponseError(r) => Failure::Response {
            status: r.raw().status().as_u16(),
        },
        SdkError::ServiceError(s) => Failure::Service {
            code: s.err().code(),
            status: s.raw().status().as_u16(),
        },
        // SdkError is non-exhaustive: an unknown kind is not known to be retryable.
        _ => Failure::Construction,
    }
}

/// The [`PortError`] for an SDK error. `expected` says what the call was meant to do (it opens
/// the message: "expected …, got …").
pub(crate) fn port_error<E>(
    service: &'static str,
    operation: &'static str,
    expected: &str,
    err: &SdkError<E, HttpResponse>,
) -> PortError
where
    E: ProvideErrorMetadata + Error + 'static,
{
    let message = format!("expected {expected}; got {}", DisplayErrorContext(err));
    match classify(failure_of(err)) {
        Class::Transient => PortError::Transient {
            service,
            operation,
            message,
        },
        Class::Permanent => PortError::Permanent {
            service,
            operation,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn service(code: Option<&str>, status: u16) -> Class {
        classify(Failure::Service { code, status })
    }

    #[test]
    fn throttling_and_server_errors_are_transient() {
        for code in [
            "ThrottlingException",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "TransactionConflictException",
            "Throttling",
            "InternalServerError",
        ] {
            assert_eq!(service(Some(code), 400), Class::Transient, "{code}");
        }
        assert_eq!(service(None, 500), Class::Transient);
        assert_eq!(service(Some("Whatever"), 503), Class::Transient);
        assert_eq!(service(None, 429), Class::Transient);
    }

    #[test]
    fn refusals_are_permanent() {
        for code in [
            "AccessDeniedException",
            "ResourceNotFoundException",
            "ValidationException",
            "NotFound",
            "InvalidParameter",
            "AuthorizationError",
            "UnrecognizedClientException",
        ] {
            let status = if code == "NotFound" { 404 } else { 400 };
            assert_eq!(service(Some(code), status), Class::Permanent, "{code}");
        }
    }

    #[test]
    fn timeouts_and_connection_failures_are_transient_but_caller_mistakes_are_not() {
        assert_eq!(classify(Failure::Timeout), Class::Transient);
        assert_eq!(
            classify(Failure::Dispatch { user: false }),
            Class::Transient
        );
        assert_eq!(classify(Failure::Dispatch { user: true }), Class::Permanent);
        assert_eq!(classify(Failure::Construction), Class::Permanent);
        assert_eq!(
            classify(Failure::Response { status: 502 }),
            Class::Transient
        );
        assert_eq!(
            classify(Failure::Response { status: 200 }),
            Class::Permanent
        );
    }

    fn raw(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    #[test]
    fn sdk_service_errors_map_by_code_and_keep_the_sdk_message() {
        let throttled = GetItemError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        );
        let err = SdkError::service_error(throttled, raw(400));
        let e = port_error("dynamodb", "GetItem", "table `t` to answer", &err);
        assert!(e.is_transient(), "{e:?}");
        assert!(e.to_string().contains("Rate exceeded"), "{e}");
        assert!(
            e.to_string().contains("expected table `t` to answer"),
            "{e}"
        );

        let denied = GetItemError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized")
                .build(),
        );
        let err = SdkError::service_error(denied, raw(400));
        let e = port_error("dynamodb", "GetItem", "x", &err);
        assert!(
            matches!(
                e,
                PortError::Permanent {
                    operation: "GetItem",
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn sdk_dispatch_and_timeout_errors_are_transient() {
        let refused: SdkError<GetItemError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io("connection refused".into()));
        assert!(port_error("dynamodb", "GetItem", "x", &refused).is_transient());
        let timeout: SdkError<GetItemError, HttpResponse> =
            SdkError::timeout_error("operation timeout after 6s");
        assert!(port_error("dynamodb", "GetItem", "x", &timeout).is_transient());
        let user: SdkError<GetItemError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::user("bad uri".into()));
        assert!(!port_error("dynamodb", "GetItem", "x", &user).is_transient());
    }
}

//! The job API's authentication: an HTTP middleware that answers 401 to a request without
//! the fleet's bearer secret, before jsonrpsee reads it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use jsonrpsee::core::BoxError;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// The shared secret of the prover fleet. Redacted in `Debug`.
#[derive(Clone)]
pub struct ProverSecret(Arc<str>);

impl std::fmt::Debug for ProverSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProverSecret(<redacted>)")
    }
}

impl ProverSecret {
    /// Wraps a secret.
    pub fn new(secret: &str) -> Self {
        Self(secret.into())
    }

    /// The `Authorization` header value a client sends.
    pub fn header_value(&self) -> String {
        format!("Bearer {}", self.0)
    }

    /// Whether `header` (an `Authorization` value) carries this secret. Compares digests in
    /// constant time, so neither the length nor a prefix of the secret leaks through timing.
    pub fn admits(&self, header: &[u8]) -> bool {
        let Some(token) = header.strip_prefix(b"Bearer ") else { return false };
        let (a, b) = (Sha256::digest(token), Sha256::digest(self.0.as_bytes()));
        a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The middleware's layer (`tower::ServiceBuilder::new().layer(AuthLayer::new(secret))`).
#[derive(Debug, Clone)]
pub struct AuthLayer {
    secret: ProverSecret,
}

impl AuthLayer {
    /// Admits only requests bearing `secret`.
    pub fn new(secret: ProverSecret) -> Self {
        Self { secret }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth { inner, secret: self.secret.clone() }
    }
}

/// The middleware's service.
#[derive(Debug, Clone)]
pub struct Auth<S> {
    inner: S,
    secret: ProverSecret,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

impl<S> tower::Service<HttpRequest> for Auth<S>
where
    S: tower::Service<HttpRequest, Response = HttpResponse, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let admitted =
            req.headers().get(hyper::header::AUTHORIZATION).is_some_and(|v| self.secret.admits(v.as_bytes()));
        if admitted {
            return Box::pin(self.inner.call(req));
        }
        crate::metrics::fleet_unauthorized();
        tracing::warn!(target: "sequencer::fleet", "job API request without the fleet's secret refused");
        Box::pin(async {
            let mut r = HttpResponse::new(HttpBody::from(
                "401: the prover job API needs `Authorization: Bearer <secret>` (the fleet's shared secret)\n",
            ));
            *r.status_mut() = hyper::StatusCode::UNAUTHORIZED;
            Ok(r)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_only_the_secret() {
        let s = ProverSecret::new("0123456789abcdef-secret");
        assert!(s.admits(s.header_value().as_bytes()));
        assert!(!s.admits(b"Bearer 0123456789abcdef-secreT"));
        assert!(!s.admits(b"Bearer "));
        assert!(!s.admits(b"0123456789abcdef-secret"));
        assert!(!format!("{s:?}").contains("0123"));
    }
}

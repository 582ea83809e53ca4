//! TLS of the L1 client: `https://` endpoints (a hosted Ethereum node, one behind a proxy) over
//! rustls with the ring provider, verified against the platform's certificate roots plus any
//! the operator adds (a private CA: [`add_roots_from_file`]).
//!
//! [`add_roots_from_file`]: crate::tls::add_roots_from_file

use std::path::Path;
use std::sync::Mutex;

use crate::L1Error;

static EXTRA_ROOTS: Mutex<Vec<reqwest::Certificate>> = Mutex::new(Vec::new());

/// Installs ring as the process's rustls provider, once (later calls do nothing). Every HTTP
/// client of L1 is built after it; call it before building one yourself (tests that use
/// alloy's `ProviderBuilder` directly).
pub fn init() {
    // rustls 0.23.48 deprecates ring's provider for lacking post-quantum key exchange
    // (X25519MLKEM768, which only its aws-lc provider offers). We keep ring: aws-lc is a large C
    // build (cmake) for every machine that compiles this, ring is already in the tree (jsonrpsee's
    // TLS), and an L1 endpoint's TLS today is classical on both sides. Revisit with rustls 0.24.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    // Err: a provider is installed already (this one, or the embedding program's).
    let _ = provider.install_default();
}

/// Trusts the certificates of the PEM file `path` too, for every L1 client built afterwards
/// (an L1 endpoint whose certificate a private CA signed).
///
/// # Errors
///
/// [`L1Error::Tls`] when the file does not read or holds no PEM certificate.
pub fn add_roots_from_file(path: &Path) -> Result<usize, L1Error> {
    let bad = |reason: String| L1Error::Tls(format!("{}: {reason}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in the file".into()));
    }
    let n = certs.len();
    EXTRA_ROOTS.lock().map_err(|_| bad("lock poisoned".into()))?.extend(certs);
    Ok(n)
}

/// The HTTP client of L1 endpoints: TLS with the platform's roots and the added ones.
///
/// # Errors
///
/// [`L1Error::Tls`] when the client cannot be built.
pub fn http_client() -> Result<reqwest::Client, L1Error> {
    init();
    let extra = EXTRA_ROOTS.lock().map(|r| r.clone()).unwrap_or_default();
    reqwest::Client::builder().tls_certs_merge(extra).build().map_err(|e| L1Error::Tls(e.to_string()))
}

//! An `https://` L1 endpoint: the `ccr-sequencer` binary settles against the embedded L1 behind
//! a local TLS server whose certificate a test CA signed. With `--l1-ca-file` naming that CA it
//! connects and ingests L1's deposits; without it, it refuses the endpoint's certificate and
//! exits with an error that says so.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ccr_dev_chain::node::EmbeddedL1;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::common::*;

/// A test CA (PEM) and a server certificate for 127.0.0.1 it signed, with the server's key.
fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert =
        CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&key, &issuer).unwrap();
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca.pem(), cert.der().clone(), der)
}

/// A TLS server on loopback that forwards every connection to `backend` (plain TCP).
async fn tls_proxy(
    backend: SocketAddr,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> SocketAddr {
    #[allow(deprecated)] // ring's provider (see ccr_l1::tls)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let (Ok(mut tls), Ok(mut up)) =
                    (acceptor.accept(tcp).await, TcpStream::connect(backend).await)
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    addr
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_l1_endpoint_is_reached_with_its_ca_and_refused_without() {
    let dir = tempfile::tempdir().unwrap();
    let l1 = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let key = ccr_l1::DEV_KEYS[0];
    let operator = deploy_accepting_all(&l1.url(), key.parse().unwrap()).await;
    let backend: SocketAddr = l1.url().trim_start_matches("http://").parse().unwrap();
    let (ca_pem, cert, cert_key) = certificates();
    let proxy = tls_proxy(backend, cert, cert_key).await;
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let key_file = dir.path().join("operator.key");
    std::fs::write(&key_file, key).unwrap();
    let url = format!("https://127.0.0.1:{}", proxy.port());
    let rollup = operator.rollup().to_string();
    let sequencer = |db: &str, ca: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ccr-sequencer"));
        cmd.arg("--db").arg(dir.path().join(db));
        cmd.args(["--no-prover", "--l1-rpc", &url, "--rollup", &rollup, "--l1-poll", "100ms"]);
        cmd.arg("--l1-key-file").arg(&key_file);
        let (rpc, metrics) = (free_addr(), free_addr());
        cmd.args(["--rpc", &rpc.to_string(), "--metrics", &metrics.to_string()]);
        if ca {
            cmd.arg("--l1-ca-file").arg(&ca_file);
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        (cmd.spawn().unwrap(), metrics)
    };

    // Without the CA: the endpoint's certificate is refused and the node does not start.
    let (refused, _) = sequencer("db-refused", false);
    let out = refused.wait_with_output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("certificate") || said.contains("UnknownIssuer"), "{said}");

    // With it: the node reads the rollup over TLS and ingests a deposit made on L1.
    let (node, metrics) = sequencer("db", true);
    operator.create_account(&member(0).public_key(), 1000).await.unwrap();
    wait_until("the deposit ingested over https", Duration::from_secs(60), || async {
        std::net::TcpStream::connect(metrics).is_ok()
            && scrape(metrics).lines().any(|l| l == "ccr_sequencer_l1_queue_entries_total 1")
    })
    .await;
    let status = Command::new("kill").args(["-TERM", &node.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = node.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    l1.stop().await;
}

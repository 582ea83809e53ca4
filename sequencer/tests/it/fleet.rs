//! The prover fleet on one machine: a sequencer serving the job API with RocksDB and the
//! embedded L1, three `ccr-prover-worker` processes over loopback, one killed with SIGKILL
//! mid-proof, a rogue client's wrong proofs refused, the sequencer restarted with jobs leased,
//! and a worker without the secret refused.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alloy_primitives::B256;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::tx::{SignedTx, UnsignedTx};
use ccr_circuits::state::{Domain, RollupParams};
use ccr_l1::client::L1Client;
use ccr_l1::node::EmbeddedL1;
use ccr_prover::batch::{batch_circuit_name, prove_batch};
use ccr_prover::{proof_to_bytes, KeyFile, KeyMetadata};
use ccr_sequencer::fleet::api::{ProverJobApiClient, Submitted, PROOF_REFUSED};
use ccr_sequencer::fleet::codec::decode_witness;
use ccr_sequencer::fleet::{FleetConfig, ProverSecret};
use ccr_sequencer::prover::{PROVING_KEY_FILE, VERIFYING_KEY_FILE};
use ccr_sequencer::wire::{from_hex, to_hex};
use ccr_sequencer::{embedded, L1Config, Node, NodeConfig};
use ccr_verifier_contracts::rollup::DeployConfig;
use jsonrpsee_http_client::{HeaderMap, HeaderValue, HttpClient, HttpClientBuilder};

use crate::common::*;

const SECRET: &str = "fleet-test-secret-0123456789";

fn dev_key(i: usize) -> B256 {
    ccr_l1::DEV_KEYS[i].parse().unwrap()
}

fn fleet_client(url: &str, secret: Option<&str>) -> HttpClient {
    let mut headers = HeaderMap::new();
    if let Some(s) = secret {
        headers.insert("authorization", HeaderValue::from_str(&format!("Bearer {s}")).unwrap());
    }
    HttpClientBuilder::default().set_headers(headers).build(url).unwrap()
}

fn spawn_worker(url: &str, name: &str, keys: &Path, secret_file: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ccr-prover-worker"))
        .args(["--sequencer", url, "--name", name, "--wait", "2s", "--retry", "200ms"])
        .arg("--keys")
        .arg(keys)
        .arg("--secret-file")
        .arg(secret_file)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn sigterm(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

fn sign(key: &PrivateKey, domain: &Domain, from: u32, to: u32, amount: u64, nonce: u32) -> SignedTx {
    let u = UnsignedTx::transfer(from, to, amount, nonce).unwrap();
    u.with_signature(key.sign_poseidon(u.message(domain)))
}

/// A free loopback port (the job API must come back on the same one after the restart).
fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_proves_in_parallel_survives_kills_and_settles_in_order() {
    let keys = keys();
    let dir = tempfile::tempdir().unwrap();

    // L1 with the rollup and the real verifier of the development key.
    let l1 = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let verifier = embedded::verifier_artifact(&keys.verifier(), &params(), [42; 32]).unwrap();
    let shape = RollupParams::new(params().depth, params().batch_size, Domain::NONE).unwrap();
    let (operator, _) =
        L1Client::deploy(&l1.url(), dev_key(0), &verifier, &shape, &DeployConfig::eth()).await.unwrap();
    let domain = operator.domain().await.unwrap();

    // The workers' key directory and the fleet's secret.
    let keydir = dir.path().join("keys");
    std::fs::create_dir(&keydir).unwrap();
    let metadata = KeyMetadata { circuit_name: batch_circuit_name(&params()), insecure_dev_setup: true };
    let pk_file = KeyFile { metadata, key: (*keys.pk).clone() };
    pk_file.save(&keydir.join(PROVING_KEY_FILE)).unwrap();
    pk_file.verifying_key_file().save(&keydir.join(VERIFYING_KEY_FILE)).unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let wrong_secret = dir.path().join("wrong");
    std::fs::write(&wrong_secret, "not-the-fleet-secret-at-all\n").unwrap();

    let api = free_addr();
    let url = format!("http://{api}");
    let config = NodeConfig {
        fleet: Some(FleetConfig {
            addr: api,
            secret: ProverSecret::from_file(&secret_file).unwrap(),
            lease: Duration::from_secs(3),
            verifier: keys.verifier(),
        }),
        l1: Some(L1Config {
            client: operator.clone(),
            confirmations: 0,
            poll: Duration::from_millis(100),
            poll_contract: None,
            vote_relay: Default::default(),
        }),
        ..config(dir.path().join("db").as_path(), shape, None, Duration::from_millis(300))
    };
    let node = Node::launch(config.clone()).await.unwrap();
    assert_eq!(node.prover_api_addr(), Some(api));
    assert!(node.health().tasks.iter().any(|t| t.name == "prover-api" && t.alive));

    // Two accounts from L1, then 29 transfers: 8 or more batches.
    let (a, b) = (member(0), member(1));
    operator.create_account(&a.public_key(), 10_000).await.unwrap();
    operator.create_account(&b.public_key(), 10).await.unwrap();
    let seq = node.sequencer.clone();
    wait_until("both deposits ingested", Duration::from_secs(30), || async {
        seq.progress().unwrap().counters.deposits_seen == 2
    })
    .await;
    for nonce in 0..29 {
        seq.submit(sign(&a, &domain, 0, 1, 10 + u64::from(nonce), nonce)).unwrap();
    }
    wait_until("every transaction sealed", Duration::from_secs(30), || async {
        let p = seq.progress().unwrap();
        p.pending_l2 == 0 && p.pending_deposits == 0
    })
    .await;
    let batches = seq.batches().unwrap();
    assert!(batches >= 8, "{batches} batches");

    // A client without the secret is refused before any method runs.
    let anonymous = fleet_client(&url, None);
    let err = anonymous.lease("intruder".into(), None, 0).await.unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    let wrong = fleet_client(&url, Some("not-the-fleet-secret-at-all"));
    assert!(wrong.renew(0).await.unwrap_err().to_string().contains("401"));
    // A worker process with the wrong secret stops with an error saying so.
    let intruder = spawn_worker(&url, "intruder", &keydir, &wrong_secret).wait_with_output().unwrap();
    assert!(!intruder.status.success());
    let said = String::from_utf8_lossy(&intruder.stderr);
    assert!(said.contains("refused this worker's secret"), "{said}");

    // A rogue client with the secret: a proof of batch 0 sent as batch 1's, and garbage as
    // batch 0's, are refused and both jobs go back to the queue.
    let rogue = fleet_client(&url, Some(SECRET));
    let job0 = rogue.lease("rogue".into(), Some(batch_circuit_name(&params())), 0).await.unwrap().unwrap();
    let job1 = rogue.lease("rogue".into(), None, 0).await.unwrap().unwrap();
    assert_eq!((job0.batch, job1.batch), (0, 1));
    let witness0 = decode_witness(&from_hex(&job0.witness).unwrap()).unwrap();
    let pk = keys.pk.clone();
    let proof0 = tokio::task::spawn_blocking(move || {
        proof_to_bytes(&prove_batch(&pk, witness0, &mut rand::rngs::OsRng).unwrap().0).unwrap()
    })
    .await
    .unwrap();
    let refused = rogue.submit(job1.lease, 1, to_hex(&proof0), 1).await;
    assert_eq!(code(refused), PROOF_REFUSED);
    let refused = rogue.submit(job0.lease, 0, to_hex(&[7u8; 128]), 1).await;
    assert_eq!(code(refused), PROOF_REFUSED);
    assert!(!rogue.renew(job0.lease).await.unwrap() && !rogue.renew(job1.lease).await.unwrap());
    let board = node.fleet().unwrap();
    assert!(board.leases().is_empty(), "refused jobs are free again: {:?}", board.leases());
    drop(board);

    // Three workers; the first is killed (SIGKILL) while it holds a lease.
    let mut w1 = spawn_worker(&url, "w1", &keydir, &secret_file);
    let mut w2 = spawn_worker(&url, "w2", &keydir, &secret_file);
    let mut w3 = spawn_worker(&url, "w3", &keydir, &secret_file);
    let board = node.fleet().unwrap();
    let mut most_leased = 0;
    wait_until("w1 holds a lease", Duration::from_secs(60), || {
        let leases = board.leases();
        most_leased = most_leased.max(leases.len());
        let held = leases.iter().any(|l| l.2 == "w1");
        async move { held }
    })
    .await;
    w1.kill().unwrap();
    w1.wait().unwrap();

    // The sequencer is killed (as a crash) while jobs are leased, and restarted on the same
    // database and port; the workers carry on against it.
    wait_until("a lease held by w2 or w3", Duration::from_secs(60), || {
        let leases = board.leases();
        most_leased = most_leased.max(leases.len());
        let held = leases.iter().any(|l| l.2 != "w1");
        async move { held }
    })
    .await;
    let proven_before_restart = seq.progress().unwrap().proven;
    assert!(proven_before_restart < batches, "jobs were still in flight");
    drop((board, seq));
    node.kill().await;
    let node = Node::launch(config.clone()).await.unwrap();
    let seq = node.sequencer.clone();
    let board = node.fleet().unwrap();

    // Every batch proven and settled on L1, in order, once.
    wait_until("every batch settled", Duration::from_secs(240), || {
        most_leased = most_leased.max(board.leases().len());
        let settled = seq.settled().unwrap();
        async move { settled == batches }
    })
    .await;
    let on_l1 = operator.settled_batches(0).await.unwrap();
    assert_eq!(on_l1.len() as u64, batches, "each batch settled once");
    for (n, s) in on_l1.iter().enumerate() {
        let record = seq.batch(n as u64).unwrap().unwrap();
        assert_eq!(s.number, n as u64 + 1, "L1 numbers batches from 1");
        assert_eq!(s.new_root, record.new_root);
        assert!(record.proof.is_some() && record.settlement.is_some());
    }
    assert_eq!(operator.state_root().await.unwrap(), on_l1.last().unwrap().new_root);
    assert!(most_leased >= 2, "the workers proved batches side by side (at most {most_leased} leases seen)");

    // The rogue's late proof of batch 0 (a re-issued job) is harmless.
    let late = rogue.submit(job0.lease, 0, to_hex(&proof0), 1).await.unwrap();
    assert_eq!(late, Submitted::AlreadyProven);

    // The metrics name the workers that proved, the expired lease and the refused proofs.
    let text = scrape(node.metrics_addr().unwrap());
    let count = |series: &str| -> u64 {
        text.lines()
            .filter(|l| l.starts_with(series))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .map(|v| v as u64)
            .sum()
    };
    assert!(count("ccr_sequencer_prover_jobs_completed_total") >= batches - proven_before_restart);
    assert!(count("ccr_sequencer_prover_leases_expired_total") >= 1, "w1's lease expired");
    assert_eq!(count("ccr_sequencer_prover_proofs_refused_total"), 2);
    assert!(count("ccr_sequencer_prover_unauthorized_total") >= 3);
    assert!(text.contains("ccr_sequencer_prover_jobs{state=\"pending\"} 0"), "no job left");
    let provers: HashSet<&str> = ["w2", "w3"]
        .into_iter()
        .filter(|w| text.contains(&format!("ccr_sequencer_prover_jobs_completed_total{{worker=\"{w}\"}}")))
        .collect();
    assert!(!provers.is_empty());

    // SIGTERM stops the survivors cleanly.
    for w in [&mut w2, &mut w3] {
        sigterm(w);
        assert!(w.wait().unwrap().success());
    }
    drop((board, seq));
    node.shutdown().await;
    l1.stop().await;
}

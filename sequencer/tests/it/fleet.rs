//! The prover fleet on one machine: a sequencer serving the job API with RocksDB and the
//! embedded L1, three `ccr-prover-worker` processes over loopback, one killed with SIGKILL
//! mid-proof, one stopped with SIGTERM mid-proof (its job given back), a rogue client's wrong
//! proofs refused, the sequencer restarted with jobs leased, and a worker without the secret
//! refused; the lease board's rules one by one.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alloy_primitives::B256;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::tx::{SignedTx, UnsignedTx};
use ccr_circuits::state::{Domain, RollupParams};
use ccr_dev_chain::node::EmbeddedL1;
use ccr_l1::client::L1Client;
use ccr_prover::batch::{batch_circuit_name, prove_batch};
use ccr_prover::{proof_to_bytes, KeyFile, KeyMetadata};
use ccr_sequencer::fleet::api::{ProverJobApiClient, Submitted, PROOF_REFUSED};
use ccr_sequencer::fleet::codec::decode_witness;
use ccr_sequencer::fleet::{FleetConfig, JobBoard, ProverSecret};
use ccr_sequencer::prover::{PROVING_KEY_FILE, VERIFYING_KEY_FILE};
use ccr_sequencer::wire::{from_hex, to_hex};
use ccr_sequencer::{embedded, L1Config, Node, NodeConfig, Sequencer, SequencerConfig};
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

/// A worker process; `stderr` piped only for one that is expected to stop at once (a long-lived
/// worker's log would fill an unread pipe).
fn spawn_worker(url: &str, name: &str, keys: &Path, secret_file: &Path, stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ccr-prover-worker"))
        .args(["--sequencer", url, "--name", name, "--wait", "2s", "--retry", "200ms"])
        .arg("--keys")
        .arg(keys)
        .arg("--secret-file")
        .arg(secret_file)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(stderr)
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

/// Waits (up to a minute) until `worker` holds a lease, noting the most leases held at once.
async fn wait_for_lease(board: &JobBoard, worker: &str, most_leased: &mut usize) {
    wait_until(&format!("{worker} holds a lease"), Duration::from_secs(60), || {
        let leases = board.leases();
        *most_leased = (*most_leased).max(leases.len());
        let held = leases.iter().any(|l| l.2 == worker);
        async move { held }
    })
    .await;
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
    let (operator, _) = L1Client::deploy(
        &l1.url(),
        dev_key(0),
        &verifier,
        &[stand_in_eligibility_key()],
        &shape,
        &DeployConfig::eth(),
    )
    .await
    .unwrap();
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
            fund_contract: None,
            vote_relay: Default::default(),
        }),
        ..config(dir.path().join("db").as_path(), shape, None, Duration::from_millis(300))
    };
    let node = Node::launch(config.clone()).await.unwrap();
    assert_eq!(node.prover_api_addr(), Some(api));
    assert!(node.health().tasks.iter().any(|t| t.name == "prover-api" && t.alive));

    // Two accounts from L1, then 45 transfers: 8 or more batches (12 at 4 per batch).
    let (a, b) = (member(0), member(1));
    operator.create_account(&a.public_key(), 10_000).await.unwrap();
    operator.create_account(&b.public_key(), 10).await.unwrap();
    let seq = node.sequencer.clone();
    wait_until("both deposits ingested", Duration::from_secs(30), || async {
        seq.progress().unwrap().counters.deposits_seen == 2
    })
    .await;
    for nonce in 0..45 {
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
    let intruder =
        spawn_worker(&url, "intruder", &keydir, &wrong_secret, Stdio::piped()).wait_with_output().unwrap();
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
    let prover = keys.prover.clone();
    let proof0 = tokio::task::spawn_blocking(move || {
        proof_to_bytes(&prove_batch(&prover, witness0, &mut rand::rngs::OsRng).unwrap().0).unwrap()
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
    let mut w1 = spawn_worker(&url, "w1", &keydir, &secret_file, Stdio::null());
    let mut w2 = spawn_worker(&url, "w2", &keydir, &secret_file, Stdio::null());
    let mut w3 = spawn_worker(&url, "w3", &keydir, &secret_file, Stdio::null());
    let board = node.fleet().unwrap();
    let mut most_leased = 0;
    wait_for_lease(&board, "w1", &mut most_leased).await;
    w1.kill().unwrap();
    w1.wait().unwrap();

    // The third is stopped (SIGTERM) while it holds a lease: it gives the job back at once, well
    // before the lease (3 s from its last renewal, renewed every second) could lapse.
    wait_for_lease(&board, "w3", &mut most_leased).await;
    sigterm(&w3);
    wait_until("w3's job given back", Duration::from_millis(1500), || {
        let held = board.leases().iter().any(|l| l.2 == "w3");
        async move { !held }
    })
    .await;
    assert!(w3.wait().unwrap().success());

    // The sequencer is killed (as a crash) while jobs are leased, and restarted on the same
    // database and port; the last worker carries on against it.
    wait_for_lease(&board, "w2", &mut most_leased).await;
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

    // SIGTERM stops the last worker cleanly.
    sigterm(&w2);
    assert!(w2.wait().unwrap().success());
    drop((board, seq));
    node.shutdown().await;
    l1.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_are_renewed_lapse_are_given_back_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = SequencerConfig {
        db: dir.path().to_path_buf(),
        params: params(),
        mempool_capacity: 8,
        full_replay: false,
    };
    let (seq, _) = Sequencer::open(&config).unwrap();
    let seq = std::sync::Arc::new(seq);
    seq.ingest_deposit(0, open_deposit(0, &member(0), 500)).unwrap();
    assert_eq!(seq.seal(true).unwrap(), Some(0));
    seq.ingest_deposit(1, open_deposit(1, &member(1), 5)).unwrap();
    assert_eq!(seq.seal(true).unwrap(), Some(1));
    let pvk = keys().pvk.clone();
    let board = JobBoard::open(seq.clone(), pvk.clone(), Duration::from_secs(1)).unwrap();
    let j0 = board.try_lease("a").unwrap().unwrap();
    let j1 = board.try_lease("b").unwrap().unwrap();
    assert_eq!((j0.batch, j1.batch), (0, 1));
    assert!(board.try_lease("c").unwrap().is_none(), "every job is leased");

    // A job given back goes to the next worker at once, under a new lease.
    assert!(board.give_back(j0.lease).unwrap());
    assert!(!board.give_back(j0.lease).unwrap(), "only once");
    let j0b = board.try_lease("c").unwrap().unwrap();
    assert_eq!(j0b.batch, 0);
    assert_ne!(j0b.lease, j0.lease);
    assert!(!board.renew(j0.lease).unwrap(), "the old lease is not held");

    // Renewed, a lease lives on; not renewed, it lapses and its job is re-issued.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(board.renew(j0b.lease).unwrap());
    }
    assert!(!board.renew(j1.lease).unwrap(), "past its deadline, before the sweep");
    assert_eq!(board.expire().unwrap(), 1);
    let j1b = board.try_lease("d").unwrap().unwrap();
    assert_eq!(j1b.batch, 1);

    // The table is in the database: a reopened board holds the same leases (with a fresh
    // period) and numbers new ones after them.
    let held = board.leases();
    assert_eq!(held, vec![(0, j0b.lease, "c".to_owned()), (1, j1b.lease, "d".to_owned())]);
    drop(board);
    let board = JobBoard::open(seq.clone(), pvk, Duration::from_secs(60)).unwrap();
    assert_eq!(board.leases(), held);
    assert!(board.renew(j1b.lease).unwrap());
    assert!(board.give_back(j1b.lease).unwrap());
    let j1c = board.try_lease("e").unwrap().unwrap();
    assert_eq!(j1c.batch, 1);
    assert!(j1c.lease > j1b.lease);
}

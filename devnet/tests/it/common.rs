#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

use std::time::Duration;

use ccr_circuits::state::RollupParams;
use ccr_devnet::{Devnet, DevnetConfig, L1Choice};

/// Test size: depth 8, 4 slots per batch (the devnet sets the domain of its deployment).
pub const PARAMS: RollupParams =
    RollupParams { depth: 8, batch_size: 4, domain: ccr_circuits::state::Domain::NONE };

pub fn config(dir: &std::path::Path, l1: L1Choice) -> DevnetConfig {
    DevnetConfig {
        params: PARAMS,
        l1,
        rpc: "127.0.0.1:0".parse().expect("addr"),
        metrics: Some("127.0.0.1:0".parse().expect("addr")),
        batch_timeout: Duration::from_millis(500),
        ..DevnetConfig::new(dir.to_path_buf())
    }
}

pub fn embedded() -> L1Choice {
    L1Choice::Embedded { listen: "127.0.0.1:0".parse().expect("addr") }
}

pub async fn start(config: DevnetConfig) -> Devnet {
    Devnet::start(config, &mut |line: &str| eprintln!("{line}")).await.expect("devnet starts")
}

/// Waits, up to `timeout`, until account `index` is in a sealed batch (the sequencer has its
/// credit context).
pub async fn wait_sealed(seq: &ccr_wallet::sequencer::SequencerClient, index: u32, timeout: Duration) {
    let started = std::time::Instant::now();
    while seq.credit_context(index).await.expect("context").is_none() {
        assert!(started.elapsed() < timeout, "the accounts were not sealed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A community bank of the committed German policy at test depth: the rollup's eligibility
/// proving key of its shape (the devnet's INSECURE development key, from its public seed), one
/// attester (registry index 3) and its registry. Shared by the credit and liveness tests.
pub struct GermanBank {
    pub policy: ccr_credit_policy::Policy,
    pub policy_hash: ccr_circuits::Fr,
    pub pk: ccr_prover::ProvingKeyFile,
    pub attester: ccr_circuits::babyjubjub::eddsa::PrivateKey,
    pub registry: ccr_wallet::credit::RegistryFile,
    pub root: ccr_circuits::Fr,
}

impl GermanBank {
    pub fn new() -> Self {
        let policy = ccr_credit_policy::Policy::load(&ccr_credit_policy::german_policy_file()).unwrap();
        let params = policy.circuit_params().unwrap();
        let pk = ccr_prover::eligibility::dev_eligibility_key_file(PARAMS.depth).unwrap();
        let attester = ccr_circuits::babyjubjub::eddsa::PrivateKey::from_bytes([6; 32]);
        let registry = ccr_wallet::credit::RegistryFile::new(&[(3, attester.public_key())]).unwrap();
        let root = registry.registry().unwrap().root();
        Self { policy, policy_hash: params.hash(), pk, attester, registry, root }
    }

    /// `registerBank` of account `pool` with this bank's policy (shape 0, the production one)
    /// and registry, from the pool's L1 owner.
    pub async fn register(&self, owner: &ccr_wallet::l1ops::L1, pool: u32) {
        owner.client.register_bank(pool, 0, self.policy_hash, self.root).await.expect("registerBank");
    }

    /// The attester's attestation, for `member`'s key and `purpose`, of the first row of the
    /// German data the policy grants a tier for that purpose.
    pub fn attest(
        &self,
        member: ccr_circuits::babyjubjub::Point,
        purpose: ccr_credit_policy::Purpose,
    ) -> ccr_wallet::credit::AttestationFile {
        let text = std::fs::read_to_string(ccr_credit_policy::german_data_file()).unwrap();
        let row = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit_once(',').unwrap().0)
            .find(|r| self.policy.decide_row(r, purpose).unwrap().tier.is_some())
            .unwrap();
        let features = ccr_credit_policy::data::encode_row(&self.policy.schema, row).unwrap();
        ccr_wallet::credit::sign_attestation(
            &self.attester,
            features,
            member,
            4_000_000_000,
            purpose,
            &self.policy,
        )
        .unwrap()
    }
}

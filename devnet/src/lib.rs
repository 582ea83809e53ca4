//! The devnet: the whole rollup on one machine, and the scripted scenario that exercises it.
//!
//! [`Devnet::start`] brings up, in this process:
//!
//! 1. the batch circuit's keys (the **insecure** deterministic development setup: anyone can
//!    forge proofs under them; development only);
//! 2. L1: the embedded revm chain behind Ethereum JSON-RPC (or any node given by URL, such as
//!    anvil), with Poseidon, the batch verifier and the rollup deployed from development
//!    account 0 (the operator);
//! 3. the sequencer with its RocksDB under the devnet directory, its prover, its deposit
//!    watcher, its settlement loop and its mirror of the banks' published files
//!    ([`BANK_FILES_DIR`]);
//! 4. the bank polls: the processing and tally circuits' keys at [`DEVNET_POLL`] (insecure
//!    development setup, fixed seeds), their Solidity verifiers compiled by solc-js, the
//!    `Poll` contract (the rollup's governance), `poll-process.pk`/`poll-tally.pk` and the
//!    coordinator's keystore (`wallets/coordinator.json`);
//! 5. a network file (`network.json`, with its `poll` section) and the verifying key
//!    (`batch.vk`) for `ccr-wallet`.
//!
//! [`scenario::run`] then plays members who deposit, transfer, exit and claim through the
//! wallet's own library functions, and ends with the wallet's audit from L1 data alone. It
//! leaves what each member needs for `ccr-wallet`: keystores (`wallets/NAME.json`,
//! `wallets/password.txt`), and for bob, who has not borrowed, an attestation of his record
//! (`attestations/bob.json`) to borrow from the commons bank with `credit apply`, whose other
//! files the wallet fetches from the sequencer.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The scenario's credit: a bank, an attested record, a loan and a repayment.
pub mod credit;
pub mod health;
/// The scenario's poll: a bank proposal voted on, tallied with real proofs and executed.
pub mod poll;
/// The scripted scenario.
pub mod scenario;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alloy_primitives::Address;
use anyhow::Context;
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use ark_groth16::VerifyingKey;
use ccr_circuits::state::RollupParams;
use ccr_dev_chain::anvil::Anvil;
use ccr_dev_chain::node::{EmbeddedL1, EmbeddedL1Handle};
use ccr_l1::client::{Deployment, L1Client, VerifierKey};
use ccr_l1::poll::PollClient;
use ccr_prover::batch::batch_circuit_name;
use ccr_prover::vote::{dev_setup_process, dev_setup_tally, process_circuit_name, tally_circuit_name};
use ccr_prover::{KeyFile, KeyMetadata};
use ccr_sequencer::cli::DEV_SEED;
use ccr_sequencer::{embedded, BatchKeys, L1Config, Node, NodeConfig, SequencerConfig};
use ccr_verifier_contracts::poll::PollSetup;
use ccr_verifier_contracts::rollup::DeployConfig;
use ccr_wallet::network::{NetworkFile, NetworkParams, PollNetwork};

/// The parameters of the committed verifier (depth 24, 16 slots, chain id 1): the devnet's
/// default, so the embedded L1 deploys the committed artifact with no compiler.
pub const DEFAULT_PARAMS: RollupParams = ccr_verifier_contracts::COMMITTED_VERIFIER_KEY.params;

/// Name of the network file in the devnet directory.
pub const NETWORK_FILE: &str = "network.json";
/// Name of the verifying key file in the devnet directory.
pub const VK_FILE: &str = "batch.vk";
/// The processing circuit's proving key in the devnet directory.
pub const POLL_PROCESS_PK: &str = "poll-process.pk";
/// The tally circuit's proving key in the devnet directory.
pub const POLL_TALLY_PK: &str = "poll-tally.pk";
/// The directory of the banks' published files the devnet's sequencer mirrors
/// (`ccr-wallet bank fetch`, `credit apply` without files).
pub const BANK_FILES_DIR: &str = "bank-files";

/// The poll circuits' sizes of the devnet: 8 voters, 2 options, 4 messages per processing
/// proof, 8 ballots per tally proof.
pub const DEVNET_POLL: PollNetwork =
    PollNetwork { address: Address::ZERO, state_depth: 3, vote_depth: 1, batch_size: 4, tally_batch_size: 8 };
/// Seed of the processing circuit's development setup.
pub const POLL_PROCESS_SEED: [u8; 32] = [0x50; 32];
/// Seed of the tally circuit's development setup.
pub const POLL_TALLY_SEED: [u8; 32] = [0x7a; 32];
/// Seed of the coordinator's key.
pub const COORDINATOR_SEED: [u8; 32] = [0xc0; 32];

/// Which L1 the devnet uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L1Choice {
    /// Start the embedded L1, serving JSON-RPC on this address.
    Embedded {
        /// Listen address (port 0: any free port).
        listen: SocketAddr,
    },
    /// anvil, started as a child process on a free loopback port (`scripts/deps` installs it).
    Anvil,
    /// An Ethereum JSON-RPC node that already runs with anvil's development accounts funded
    /// (anvil itself, for instance); the contracts are deployed there.
    Rpc {
        /// Its URL.
        url: String,
    },
}

/// What to start.
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    /// Directory for the database, the network file and the wallets (created if missing).
    pub dir: PathBuf,
    /// Circuit parameters.
    pub params: RollupParams,
    /// L1.
    pub l1: L1Choice,
    /// The sequencer's JSON-RPC address.
    pub rpc: SocketAddr,
    /// Prometheus address, if any.
    pub metrics: Option<SocketAddr>,
    /// The batcher seals a partial batch after this long.
    pub batch_timeout: Duration,
    /// Blocks before an unprocessed L1 request opens exit mode.
    pub escape_delay: u64,
    /// Deploy the verifier of the insecure development key on any chain, not only on a
    /// development chain ([`ccr_l1::client::DEV_CHAIN_IDS`]): for a public test network whose
    /// rollup never holds value.
    pub insecure_dev_keys: bool,
    /// Make every circuit's key at start (the batch, the eligibility, the poll processing and
    /// tally circuits) by a test-size multi-party ceremony instead of the development setup:
    /// a one-party phase 1 (insecure, so the keys stay flagged `insecure_dev_setup`),
    /// [`CEREMONY_CONTRIBUTIONS`] contributions and a beacon by the Rust phase 2
    /// (`ccr_prover::ceremony::phase2`, snarkjs-compatible), each contribution checked as a
    /// coordinator would, the final key verified against the initial one, then imported. Its
    /// keys and transcripts go to `DIR/ceremony/`. About a minute per 200k constraints.
    pub ceremony: bool,
}

impl DevnetConfig {
    /// Defaults: [`DEFAULT_PARAMS`], embedded L1 on `127.0.0.1:8546`, sequencer on
    /// `127.0.0.1:8645` (not 8545: that is where L1 nodes listen), metrics on `127.0.0.1:9100`,
    /// 1 s batch timeout, escape delay 1000 blocks.
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            params: DEFAULT_PARAMS,
            l1: L1Choice::Embedded { listen: ([127, 0, 0, 1], 8546).into() },
            rpc: ([127, 0, 0, 1], 8645).into(),
            metrics: Some(([127, 0, 0, 1], 9100).into()),
            batch_timeout: Duration::from_secs(1),
            escape_delay: 1000,
            insecure_dev_keys: false,
            ceremony: false,
        }
    }
}

/// A running devnet.
#[derive(Debug)]
pub struct Devnet {
    /// The sequencer node (`None` while [`Devnet::kill_node`] left it down).
    pub node: Option<Node>,
    /// The embedded L1, if it is the devnet's.
    pub l1_node: Option<EmbeddedL1Handle>,
    /// anvil, if the devnet started it.
    pub anvil: Option<Anvil>,
    /// L1's JSON-RPC URL.
    pub l1_url: String,
    /// The contracts.
    pub deployment: Deployment,
    /// The operator's client of the rollup (development account 0).
    pub operator: L1Client,
    /// What the wallet reads.
    pub network: NetworkFile,
    /// Where it is written.
    pub network_path: PathBuf,
    /// The batch circuit's verifying key.
    pub vk: VerifyingKey<Bn254>,
    /// The eligibility circuit's proving key of the production shape (INSECURE development
    /// setup), whose verifying key the rollup holds for every bank; written beside the network
    /// file as `eligibility.pk`.
    pub eligibility_pk: ccr_prover::ProvingKeyFile,
    /// The configuration it started with.
    pub config: DevnetConfig,
    node_config: NodeConfig,
    /// Seconds the key setup took.
    pub setup_secs: f64,
    /// The poll contract, driven by the operator (the rollup's deployer).
    pub polls: PollClient,
    /// The processing circuit's proving key.
    pub poll_process_pk: ProvingKey<Bn254>,
    /// The tally circuit's proving key.
    pub poll_tally_pk: ProvingKey<Bn254>,
}

/// A step of start-up, for progress output.
pub type Say<'a> = &'a mut (dyn FnMut(&str) + Send);

impl Devnet {
    /// Starts everything (see the [crate documentation](crate)).
    ///
    /// # Errors
    ///
    /// Any part that does not start, with what to do about it.
    pub async fn start(config: DevnetConfig, say: Say<'_>) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.dir)
            .with_context(|| format!("creating the devnet directory {}", config.dir.display()))?;
        let params = config.params;
        let ceremony_dir = config.dir.join(CEREMONY_DIR);
        let started = Instant::now();
        let keys = if config.ceremony {
            let circuit = ccr_prover::ceremony::CeremonyCircuit::Batch(params);
            let keypair = ceremony_keypair(&ceremony_dir, &circuit, say)?;
            BatchKeys::new(keypair.pk, &params, keypair.insecure_dev_setup)
                .context("the ceremony's batch key")?
        } else {
            say(&format!(
                "keys: INSECURE development setup of the batch circuit ({}) ...",
                batch_circuit_name(&params)
            ));
            tokio::task::spawn_blocking(move || BatchKeys::dev(&params, DEV_SEED))
                .await
                .context("key setup task")??
        };
        let setup_secs = started.elapsed().as_secs_f64();
        say(&format!("keys ready in {setup_secs:.1} s"));
        let vk = keys.pk.vk.clone();
        let vk_path = config.dir.join(VK_FILE);
        KeyFile {
            metadata: KeyMetadata {
                circuit_name: batch_circuit_name(&params),
                insecure_dev_setup: keys.insecure_dev_setup,
            },
            key: vk.clone(),
        }
        .save(&vk_path)
        .with_context(|| format!("writing {}", vk_path.display()))?;

        let depth = params.depth;
        let eligibility_pk = if config.ceremony {
            let circuit = ccr_prover::ceremony::CeremonyCircuit::Eligibility {
                shape: ccr_prover::eligibility::NETWORK_SHAPES[0],
                state_depth: depth,
            };
            ceremony_keypair(&ceremony_dir, &circuit, say)?.into_key_files(circuit.name()).0
        } else {
            say(&format!(
                "keys: INSECURE development setup of the eligibility circuit ({}) ...",
                ccr_prover::eligibility::eligibility_circuit_name(
                    ccr_prover::eligibility::NETWORK_SHAPES[0],
                    params.depth
                )
            ));
            tokio::task::spawn_blocking(move || ccr_prover::eligibility::dev_eligibility_key_file(depth))
                .await
                .context("key setup task")??
        };
        let eligibility_path = config.dir.join(ccr_wallet::credit::PK_FILE);
        eligibility_pk
            .save(&eligibility_path)
            .with_context(|| format!("writing {}", eligibility_path.display()))?;
        let verifier = embedded::verifier_artifact(&keys.verifier(), &params, DEV_SEED)?;
        let deploy = DeployConfig { escape_delay: config.escape_delay, ..DeployConfig::eth() };
        let operator_key = dev_key(0)?;
        let (l1_node, anvil, l1_url) = match &config.l1 {
            L1Choice::Embedded { listen } => {
                let node = EmbeddedL1::start(*listen).await.context("starting the embedded L1")?;
                let url = node.url();
                (Some(node), None, url)
            }
            L1Choice::Anvil => {
                let anvil = Anvil::start().await?;
                let url = anvil.url().to_owned();
                (None, Some(anvil), url)
            }
            L1Choice::Rpc { url } => (None, None, url.clone()),
        };
        // The keys' insecure flag decides the chains the verifier may go to (development ones).
        let key = VerifierKey::from_flag(keys.insecure_dev_setup, config.insecure_dev_keys);
        let (operator, deployment) = L1Client::deploy_with_key(
            &l1_url,
            operator_key,
            &verifier,
            key,
            std::slice::from_ref(&eligibility_pk.key.vk),
            &params,
            &deploy,
        )
        .await
        .with_context(|| format!("deploying the contracts on L1 at {l1_url}"))?;
        say(&format!("L1 at {l1_url}: rollup deployed at {}", deployment.rollup));
        // Signatures bind this deployment: L1's chain id and the rollup's address.
        let params = RollupParams {
            domain: operator.domain().await.context("reading the rollup's domain")?,
            ..params
        };
        let config = DevnetConfig { params, ..config };
        let (polls, poll_process_pk, poll_tally_pk) =
            deploy_poll(&config.dir, config.ceremony, config.insecure_dev_keys, &operator, say).await?;

        let node_config = NodeConfig {
            sequencer: SequencerConfig {
                db: config.dir.join("db"),
                params,
                mempool_capacity: 4096,
                full_replay: false,
            },
            rpc_addr: config.rpc,
            metrics_addr: config.metrics,
            batch_timeout: config.batch_timeout,
            keys: Some(keys),
            fleet: None,
            l1: Some(L1Config {
                client: operator.clone(),
                confirmations: 0,
                poll: Duration::from_millis(200),
                poll_contract: Some(polls.address()),
                fund_contract: None,
                vote_relay: ccr_sequencer::vote_relay::VoteRelayLimits::default(),
            }),
            bank_files: Some(config.dir.join(BANK_FILES_DIR)),
            // Attesters, bioregions and banks of the scenario's health step (`health`).
            health: health::health_config()?,
        };
        let node = Node::launch(node_config.clone()).await.context("starting the sequencer")?;
        let node_config =
            NodeConfig { rpc_addr: node.rpc_addr(), metrics_addr: node.metrics_addr(), ..node_config };
        say(&format!(
            "sequencer JSON-RPC at {}{}",
            node.rpc_url(),
            node.metrics_addr().map(|a| format!(", metrics at http://{a}/metrics")).unwrap_or_default()
        ));

        let network = NetworkFile {
            sequencer_rpc: node.rpc_url(),
            l1_rpc: l1_url.clone(),
            rollup: deployment.rollup,
            l1_chain_id: chain_id(&operator).await?,
            params: NetworkParams { depth: params.depth, batch_size: params.batch_size },
            verifying_key: PathBuf::from(VK_FILE),
            deploy_block: deployment.block,
            poll: Some(PollNetwork { address: polls.address(), ..DEVNET_POLL }),
            asset: Some(ccr_wallet::amount::asset_of(&operator).await.context("reading the rollup's asset")?),
        };
        let network_path = config.dir.join(NETWORK_FILE);
        network.save(&network_path)?;
        Ok(Self {
            node: Some(node),
            l1_node,
            anvil,
            l1_url,
            deployment,
            operator,
            network,
            network_path,
            vk,
            eligibility_pk,
            config,
            node_config,
            setup_secs,
            polls,
            poll_process_pk,
            poll_tally_pk,
        })
    }

    /// The sequencer's URL.
    pub fn sequencer_url(&self) -> String {
        self.network.sequencer_rpc.clone()
    }

    /// Stops the sequencer at once, as a crash would (only what RocksDB committed survives).
    pub async fn kill_node(&mut self) {
        if let Some(node) = self.node.take() {
            node.kill().await;
        }
    }

    /// Starts the sequencer again on the same database, address and L1.
    ///
    /// # Errors
    ///
    /// When it does not start (its start-up checks failed, the port is taken).
    pub async fn restart_node(&mut self) -> anyhow::Result<()> {
        self.kill_node().await;
        // The metrics recorder is process-wide and installed once; the endpoint is re-bound.
        let node = Node::launch(self.node_config.clone()).await.context("restarting the sequencer")?;
        self.node = Some(node);
        Ok(())
    }

    /// Stops the sequencer gracefully, then L1.
    pub async fn stop(mut self) {
        if let Some(node) = self.node.take() {
            node.shutdown().await;
        }
        if let Some(l1) = self.l1_node.take() {
            l1.stop().await;
        }
        drop(self.anvil.take());
    }

    /// The directory's path.
    pub fn dir(&self) -> &Path {
        &self.config.dir
    }
}

/// The test-size ceremony's directory in the devnet directory (with [`DevnetConfig::ceremony`]).
pub const CEREMONY_DIR: &str = "ceremony";

/// Contributions before the beacon in the devnet's ceremonies.
pub const CEREMONY_CONTRIBUTIONS: usize = 2;

/// `circuit`'s keys from a test-size ceremony in `dir` (see [`DevnetConfig::ceremony`]), its
/// transcript written beside the `.zkey` files. Runs on this thread, blocking (the devnet runs
/// on a multi-threaded runtime).
fn ceremony_keypair(
    dir: &Path,
    circuit: &ccr_prover::ceremony::CeremonyCircuit,
    say: Say<'_>,
) -> anyhow::Result<ccr_prover::Keypair> {
    use ccr_prover::ceremony::test_ceremony::{run_test_ceremony, Engine, TestCeremony};

    say(&format!(
        "keys: a TEST-SIZE multi-party ceremony of {}: a one-party phase 1 (insecure), {CEREMONY_CONTRIBUTIONS} \
         contributions, a beacon, the key verified ...",
        circuit.name()
    ));
    let (imported, _) = tokio::task::block_in_place(|| {
        run_test_ceremony(
            &Engine::Rust,
            circuit,
            dir,
            TestCeremony { contributions: CEREMONY_CONTRIBUTIONS, verify_each: false },
            &mut rand::rngs::OsRng,
            &mut |line| say(&format!("  {line}")),
        )
    })
    .with_context(|| format!("the ceremony of {}", circuit.name()))?;
    let transcript = dir.join(format!("{}.transcript.json", circuit.name()));
    std::fs::write(&transcript, serde_json::to_vec_pretty(&imported.transcript)?)
        .with_context(|| format!("writing {}", transcript.display()))?;
    say(&format!(
        "keys: {} from the ceremony, vk hash {} (transcript {})",
        circuit.name(),
        imported.transcript.vk_hash,
        transcript.display()
    ));
    Ok(imported.keypair)
}

/// The poll circuits' development keys ([`DEVNET_POLL`], fixed seeds), their verifiers compiled
/// by solc-js, the `Poll` contract deployed from the operator (the rollup's deployer, so it
/// becomes the rollup's governance); writes the proving keys beside the network file.
async fn deploy_poll(
    dir: &Path,
    ceremony: bool,
    insecure_dev_keys: bool,
    operator: &L1Client,
    say: Say<'_>,
) -> anyhow::Result<(PollClient, ProvingKey<Bn254>, ProvingKey<Bn254>)> {
    use ccr_prover::ceremony::CeremonyCircuit;
    let (params, tally_params) = (DEVNET_POLL.vote_params(), DEVNET_POLL.tally_params());
    let (process, tally) = if ceremony {
        let ceremony_dir = dir.join(CEREMONY_DIR);
        (
            ceremony_keypair(&ceremony_dir, &CeremonyCircuit::VoteProcess(params), say)?,
            ceremony_keypair(&ceremony_dir, &CeremonyCircuit::VoteTally(tally_params), say)?,
        )
    } else {
        say(&format!(
            "poll keys: INSECURE development setup of {} and {} ...",
            process_circuit_name(&params),
            tally_circuit_name(&tally_params)
        ));
        tokio::task::spawn_blocking(move || {
            anyhow::Ok((
                dev_setup_process(params, POLL_PROCESS_SEED)?,
                dev_setup_tally(tally_params, POLL_TALLY_SEED)?,
            ))
        })
        .await
        .context("poll key setup task")??
    };
    let notice = if ceremony {
        "the devnet's INSECURE test-size ceremony keys"
    } else {
        "the devnet's INSECURE development keys"
    };
    let setup = PollSetup {
        state_depth: DEVNET_POLL.state_depth as u32,
        vote_depth: DEVNET_POLL.vote_depth as u32,
        batch_size: DEVNET_POLL.batch_size as u32,
        tally_batch_size: DEVNET_POLL.tally_batch_size as u32,
    };
    // Both kinds of key are insecure (a public seed, a one-party phase 1): development chains
    // only, unless the operator opted in.
    let key =
        VerifierKey::from_flag(process.insecure_dev_setup || tally.insecure_dev_setup, insecure_dev_keys);
    let (polls, d) =
        PollClient::deploy_with_keys(operator, &process.vk, &tally.vk, key, notice, setup).await.context(
            "deploying the poll contract (its verifiers compiled with solc-js: scripts/deps installs it)",
        )?;
    say(&format!("poll contract at {} (the rollup's governance), block {}", d.poll, d.block));
    let (ppk, _) = process.into_key_files(process_circuit_name(&params));
    let (tpk, _) = tally.into_key_files(tally_circuit_name(&tally_params));
    for (file, name) in [(&ppk, POLL_PROCESS_PK), (&tpk, POLL_TALLY_PK)] {
        let path = dir.join(name);
        file.save(&path).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((polls, ppk.key, tpk.key))
}

/// The coordinator's key of the devnet's polls (from [`COORDINATOR_SEED`]).
pub fn coordinator_keys() -> anyhow::Result<ccr_wallet::WalletKeys> {
    use rand::SeedableRng;
    let l1 = ccr_wallet::L1Key::from_hex(ccr_l1::DEV_KEYS.get(5).context("development key 5")?)?;
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(COORDINATOR_SEED);
    Ok(ccr_wallet::WalletKeys::generate(&mut rng, Some(l1)))
}

/// Development account `n`'s private key (anvil's well-known keys: development chains only).
///
/// # Errors
///
/// When `n` is not a development account.
pub fn dev_key(n: usize) -> anyhow::Result<alloy_primitives::B256> {
    let key = ccr_l1::DEV_KEYS.get(n).with_context(|| format!("no development account {n}"))?;
    key.parse().with_context(|| format!("development key {n}"))
}

async fn chain_id(client: &L1Client) -> anyhow::Result<u64> {
    client.chain_id().await.context("reading L1's chain id")
}

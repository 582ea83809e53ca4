//! [`L1Client`]: the rollup contract over JSON-RPC, with alloy's provider (fillers: gas
//! estimate and EIP-1559 fees, the nonce read from the node each time, chain id) and a local
//! signer.
//!
//! Every transaction is estimated first, so a call the contract refuses fails before it is
//! sent, with the contract's custom error decoded ([`L1Error::Contract`], its name in
//! [`L1Error::contract_error_name`]). A transaction included but failed (possible when the
//! state changed between estimate and inclusion) is [`L1Error::Failed`].
//!
//! # One transaction at a time
//!
//! The nonce is read from the node before every transaction, so two transactions of one signer
//! in flight at once (the sequencer's settlement and its vote relay, say) could read the same
//! nonce and one of them would be refused. An [`L1Client`] and all its clones (and the
//! [`crate::poll::PollClient`]s built from them) share a send lock, held from the estimate to the
//! receipt: their transactions go one after the other. Clients made separately
//! ([`L1Client::connect`] twice, [`L1Client::with_signer`]) do not share it: give every task of
//! one account a clone of the same client.
//!
//! [`L1Client`]: crate::client::L1Client
//! [`L1Client::connect`]: crate::client::L1Client::connect
//! [`L1Client::with_signer`]: crate::client::L1Client::with_signer

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{Filter, TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::{RpcError, TransportErrorKind};
use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256, U64};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface};
use ark_bn254::{Bn254, Fr};
use ark_groth16::VerifyingKey;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::merkle::MerkleProof;
use ccr_circuits::state::account::Account;
use ccr_circuits::state::tx::QueueEntry;
use ccr_circuits::state::{Domain, RollupParams};
use ccr_verifier_contracts::bindings::Rollup::{self, RollupErrors};
use ccr_verifier_contracts::bindings::TestToken;
use ccr_verifier_contracts::rollup::{
    deposit_of, exit_with_proof_call, forced_exit_of, fr_to_u256, rollup_constructor, u256_to_fr,
    BatchSubmission, DeployConfig,
};
use ccr_verifier_contracts::Artifact;

use crate::error::L1Error;

/// How long [`L1Client`] waits for a sent transaction's receipt.
pub const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What an included transaction cost and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxOutcome {
    /// Transaction hash.
    pub hash: B256,
    /// Block it was included in.
    pub block: u64,
    /// Gas it used.
    pub gas_used: u64,
    /// What the sender paid for the gas, in wei (`gas_used` × effective gas price).
    pub fee_wei: U256,
}

impl TxOutcome {
    pub(crate) fn of(receipt: &TransactionReceipt) -> Self {
        Self {
            hash: receipt.transaction_hash,
            block: receipt.block_number.unwrap_or_default(),
            gas_used: receipt.gas_used,
            fee_wei: U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price),
        }
    }
}

/// Chain ids of development chains, the only ones a verifier of an insecure development key
/// deploys to without an explicit opt-in: 31337 (anvil, hardhat, and the embedded L1,
/// `ccr_dev_chain::node::CHAIN_ID`) and 1337 (geth `--dev`, ganache).
pub const DEV_CHAIN_IDS: [u64; 2] = [31_337, 1_337];

/// Where the batch verifier's key comes from, which decides the chains it may be deployed on
/// ([`L1Client::deploy_with_key`]). A development key's seed is public: whoever knows it forges
/// batch proofs and takes every deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifierKey {
    /// The insecure development setup (a key file with the `insecure_dev_setup` flag):
    /// development chains only ([`DEV_CHAIN_IDS`]).
    InsecureDev,
    /// The insecure development setup on any chain, on the operator's explicit opt-in
    /// (`--insecure-dev-keys`): a public test network whose rollup never holds value.
    InsecureDevAnyChain,
    /// A key from a setup ceremony (a key file without the insecure flag): any chain. The
    /// committed `Groth16Verifier` (the development key of
    /// [`ccr_verifier_contracts::COMMITTED_VERIFIER_KEY`]) is still refused off development
    /// chains, whatever the caller says.
    Ceremony,
}

impl VerifierKey {
    /// The key of a key file whose `insecure_dev_setup` flag is `insecure_dev_setup`, with the
    /// operator's opt-in to deploy a development key anywhere (`allow_any_chain`).
    pub fn from_flag(insecure_dev_setup: bool, allow_any_chain: bool) -> Self {
        match (insecure_dev_setup, allow_any_chain) {
            (false, _) => Self::Ceremony,
            (true, false) => Self::InsecureDev,
            (true, true) => Self::InsecureDevAnyChain,
        }
    }

    /// Whether the eligibility verifying keys `keys` may be deployed on chain `chain_id` with
    /// this batch key: a known development key ([`ccr_verifier_contracts::dev::known_dev_key`])
    /// only where a development batch key may go.
    ///
    /// # Errors
    ///
    /// [`L1Error::InsecureDevKey`] for a known development key off development chains without
    /// the opt-in.
    pub fn check_eligibility_keys(self, chain_id: u64, keys: &[VerifyingKey<Bn254>]) -> Result<(), L1Error> {
        if self == Self::InsecureDevAnyChain || DEV_CHAIN_IDS.contains(&chain_id) {
            return Ok(());
        }
        for vk in keys {
            let known =
                ccr_verifier_contracts::dev::known_dev_key(vk).map_err(|e| L1Error::Deploy(e.to_string()))?;
            if known.is_some() {
                return Err(L1Error::InsecureDevKey { chain_id });
            }
        }
        Ok(())
    }

    /// Whether verifiers of `keys`, keys of this provenance other than the batch key (the
    /// poll circuits'), may be deployed on chain `chain_id`: a development key only on
    /// development chains or with the opt-in, and a key whose hash is a known development key
    /// ([`ccr_verifier_contracts::dev::known_dev_key`]) likewise, whatever it is said to be.
    ///
    /// # Errors
    ///
    /// [`L1Error::InsecureDevKey`] otherwise.
    pub fn check_keys(self, chain_id: u64, keys: &[VerifyingKey<Bn254>]) -> Result<(), L1Error> {
        if self == Self::InsecureDev && !DEV_CHAIN_IDS.contains(&chain_id) {
            return Err(L1Error::InsecureDevKey { chain_id });
        }
        self.check_eligibility_keys(chain_id, keys)
    }

    /// Whether `verifier`, a verifier of this key, may be deployed on chain `chain_id`.
    ///
    /// # Errors
    ///
    /// [`L1Error::InsecureDevKey`] for a development key (or the committed verifier) on a chain
    /// outside [`DEV_CHAIN_IDS`] without the opt-in; [`L1Error::Deploy`] if the committed
    /// verifier's artifact is broken.
    pub fn check(self, chain_id: u64, verifier: &Artifact) -> Result<(), L1Error> {
        let committed = Artifact::groth16_verifier().map_err(|e| L1Error::Deploy(e.to_string()))?;
        let insecure = self != Self::Ceremony || verifier.deployed_bytecode == committed.deployed_bytecode;
        if insecure && self != Self::InsecureDevAnyChain && !DEV_CHAIN_IDS.contains(&chain_id) {
            return Err(L1Error::InsecureDevKey { chain_id });
        }
        Ok(())
    }
}

/// The contracts of a deployment by [`L1Client::deploy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment {
    /// circomlib Poseidon over 5 inputs (the queue chain, the leaf hash).
    pub poseidon5: Address,
    /// circomlib Poseidon over 4 inputs (an account's credit extension, opened by an exit).
    pub poseidon4: Address,
    /// circomlib Poseidon over 2 inputs (the state tree's nodes).
    pub poseidon2: Address,
    /// The Groth16 verifier of the batch circuit.
    pub verifier: Address,
    /// `Rollup`.
    pub rollup: Address,
    /// The ERC-20 the rollup holds, `None` for ETH.
    pub token: Option<Address>,
    /// Block of the rollup's deployment: where reading its logs starts.
    pub block: u64,
}

/// A batch accepted by the contract, from its `BatchSubmitted` and `BatchData` events: what an
/// auditor needs to replay the L2 from L1 alone, however the batch was submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledBatch {
    /// Batch number (1-based).
    pub number: u64,
    /// Root before the batch.
    pub old_root: Fr,
    /// Root after the batch.
    pub new_root: Fr,
    /// Queue entries consumed before the batch.
    pub consumed_before: u64,
    /// Queue entries consumed after the batch.
    pub consumed_after: u64,
    /// The batch's epoch.
    pub epoch: u32,
    /// The batch's 12-byte slots.
    pub tx_data: Vec<u8>,
    /// The proof words (`submitBatch`'s `proof`).
    pub proof: [U256; 8],
    /// The eligibility proofs of its credit slots, in slot order.
    pub credits: Vec<SettledCredit>,
    /// The L1 transaction that settled it (possibly a contract's caller's, possibly settling
    /// other batches too).
    pub l1_tx: B256,
    /// Its block.
    pub block: u64,
    /// Gas the whole transaction used.
    pub gas_used: u64,
}

/// A credit's eligibility proof as its batch's `BatchData` event carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledCredit {
    /// The proof words.
    pub proof: [U256; 8],
    /// Its public inputs.
    pub inputs: Vec<U256>,
    /// The batch whose root is its state root.
    pub state_batch: u64,
    /// The version of its bank's parameters it names (`Credits.versions`).
    pub bank_version: u64,
}

/// The rollup's epochs: epoch `e` runs from `genesis_time + e · epoch_seconds` for
/// `epoch_seconds` (`Rollup.epochStart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochClock {
    /// Timestamp of epoch 0's start (the deployment's block).
    pub genesis_time: u64,
    /// Seconds per epoch.
    pub epoch_seconds: u64,
}

impl EpochClock {
    /// The first timestamp of epoch `epoch`.
    pub fn start(&self, epoch: u32) -> u64 {
        self.genesis_time.saturating_add(u64::from(epoch).saturating_mul(self.epoch_seconds))
    }

    /// Whether version `v` of a bank whose versions are `versions` (that bank's, oldest first,
    /// `versions[i].version == i`) was in force at some moment of epoch `epoch`:
    /// `Rollup._checkBank`'s rule. It came into force before the epoch's end, and the next
    /// version (if any) not before the epoch's start.
    pub fn version_in_force(&self, versions: &[BankVersion], v: u64, epoch: u32) -> bool {
        let start = self.start(epoch);
        let Ok(i) = usize::try_from(v) else { return false };
        let Some(this) = versions.get(i) else { return false };
        this.since < start.saturating_add(self.epoch_seconds)
            && versions.get(i + 1).is_none_or(|next| next.since >= start)
    }
}

/// One version of a bank's parameters (a `BankVersionAdded` event, or `Rollup.bankVersion`):
/// in force from `since` until the next version's `since`.
#[derive(Debug, Clone, PartialEq)]
pub struct BankVersion {
    /// The bank's pool account.
    pub pool: u32,
    /// Its index among the bank's versions (0-based).
    pub version: u64,
    /// Its policy's shape: its credits verify under the rollup's key of this shape.
    pub shape: u8,
    /// The `VkStore` data contract of its shape's eligibility key (`Rollup.eligibilityKey`).
    pub vk_pointer: Address,
    /// Its shape's eligibility verifying key (read back from its `VkStore` contract).
    pub vk: ark_groth16::VerifyingKey<ark_bn254::Bn254>,
    /// The policy's hash.
    pub policy_hash: Fr,
    /// The attester registry root.
    pub registry_root: Fr,
    /// The block timestamp it came into force at.
    pub since: u64,
}

/// A community bank as L1 registered it (`Rollup.banks`).
#[derive(Debug, Clone, PartialEq)]
pub struct BankInfo {
    /// Its pool account.
    pub pool: u32,
    /// The L1 address that registered it (the pool account's owner).
    pub owner: Address,
    /// Its policy's shape: its credits verify under the rollup's key of this shape.
    pub shape: u8,
    /// The `VkStore` data contract of its shape's eligibility key (`Rollup.eligibilityKey`).
    pub vk_pointer: Address,
    /// Its shape's eligibility verifying key.
    pub vk: ark_groth16::VerifyingKey<ark_bn254::Bn254>,
    /// Its policy's hash.
    pub policy_hash: Fr,
    /// Its attester registry root.
    pub registry_root: Fr,
    /// The index of these (current) parameters among the bank's versions.
    pub version: u64,
    /// The block timestamp they came into force at.
    pub since: u64,
}

/// The rollup contract at one address, driven by one L1 account (see the
/// [module documentation](self)).
#[derive(Debug, Clone)]
pub struct L1Client {
    provider: DynProvider,
    signer: Address,
    rollup: Address,
    config: DeployConfig,
    start_block: u64,
    /// Held from a transaction's estimate to its receipt (see the [module docs](self)).
    send_lock: Arc<tokio::sync::Mutex<()>>,
}

pub(crate) fn u64_of(what: &str, x: U256) -> Result<u64, L1Error> {
    u64::try_from(x).map_err(|_| L1Error::Data(format!("{what} {x} does not fit 64 bits")))
}

pub(crate) fn fr_of(what: &str, x: U256) -> Result<Fr, L1Error> {
    u256_to_fr(x).map_err(|e| L1Error::Data(format!("{what}: {e}")))
}

/// How the revert data of one contract's calls decodes into an [`L1Error`].
pub(crate) type RevertDecoder = fn(Bytes) -> L1Error;

/// The error of a failed request: the rollup's custom error when the node answered a revert
/// with one.
pub(crate) fn rpc_error(e: RpcError<TransportErrorKind>) -> L1Error {
    rpc_error_with(e, revert_error)
}

/// The error of a failed request, a revert decoded by `decode`.
pub(crate) fn rpc_error_with(e: RpcError<TransportErrorKind>, decode: RevertDecoder) -> L1Error {
    if let Some(data) = e.as_error_resp().and_then(|p| p.as_revert_data()) {
        return decode(data);
    }
    L1Error::Rpc(e.to_string())
}

pub(crate) fn revert_error(data: Bytes) -> L1Error {
    match RollupErrors::abi_decode(&data) {
        Ok(error) => {
            let name = RollupErrors::name_by_selector(error.selector()).unwrap_or("unknown error");
            L1Error::Contract { name, error }
        }
        Err(_) => L1Error::Reverted { data },
    }
}

fn provider(url: &str, signer_key: B256) -> Result<(DynProvider, Address), L1Error> {
    let signer = PrivateKeySigner::from_bytes(&signer_key)
        .map_err(|e| L1Error::Key(format!("not a secp256k1 key: {e}")))?;
    let address = signer.address();
    let parsed = url.parse().map_err(|e| L1Error::Url { url: url.to_owned(), reason: format!("{e}") })?;
    // alloy's recommended fillers, but with the nonce read from the node before every
    // transaction: the default cache would skip a nonce after a transaction the contract
    // refused at estimation.
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_reqwest(crate::tls::http_client()?, parsed)
        .erased();
    Ok((provider, address))
}

impl L1Client {
    /// A client of the rollup at `rollup` on the node at `url` (HTTP), signing with
    /// `signer_key`; reads the rollup's asset and escape delay. Logs are read from block 0
    /// unless [`L1Client::with_start_block`] says where the rollup was deployed.
    ///
    /// # Errors
    ///
    /// [`L1Error::Url`], [`L1Error::Key`]; [`L1Error::NoRollup`] when `rollup` holds no code;
    /// [`L1Error::Rpc`] when the node cannot be reached.
    pub async fn connect(url: &str, signer_key: B256, rollup: Address) -> Result<Self, L1Error> {
        let (provider, signer) = provider(url, signer_key)?;
        let code = provider.get_code_at(rollup).await.map_err(rpc_error)?;
        if code.is_empty() {
            return Err(L1Error::NoRollup(rollup));
        }
        let mut client = Self {
            provider,
            signer,
            rollup,
            config: DeployConfig::eth(),
            start_block: 0,
            send_lock: Arc::default(),
        };
        let token = client.view(&Rollup::tokenCall {}).await?;
        client.config = DeployConfig {
            token: (token != Address::ZERO).then_some(token),
            unit: client.view(&Rollup::unitCall {}).await?,
            escape_delay: u64_of("escape delay", client.view(&Rollup::escapeDelayCall {}).await?)?,
            epoch_seconds: u64_of("epoch seconds", client.view(&Rollup::epochSecondsCall {}).await?)?,
        };
        Ok(client)
    }

    /// The deployment's domain (L1's chain id and the rollup's address), which every signed L2
    /// transaction binds; checked against the contract's own `domain()`.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] when the contract computes another separator (a contract
    /// of another version).
    pub async fn domain(&self) -> Result<Domain, L1Error> {
        let domain = Domain::new(self.chain_id().await?, self.rollup.into_array());
        let on_chain = self.view(&Rollup::domainCall {}).await?;
        if fr_of("domain", on_chain)? != domain.separator() {
            return Err(L1Error::Data(format!(
                "the rollup at {} computes domain separator {on_chain}, not the {} of chain {} and its address",
                self.rollup,
                domain.separator(),
                domain.chain_id
            )));
        }
        Ok(domain)
    }

    /// The epoch of L1's latest block (`currentEpoch()`): the epoch of the next batch.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn current_epoch(&self) -> Result<u32, L1Error> {
        let e = self.view(&Rollup::currentEpochCall {}).await?;
        u32::try_from(e).map_err(|_| L1Error::Data(format!("epoch {e} past 2^32")))
    }

    /// Deploys Poseidon(5), Poseidon(4), Poseidon(2), `verifier` (the Groth16 verifier of the
    /// batch circuit of `params`) and the rollup (genesis root of the empty tree of
    /// `params.depth`, the asset and escape delay of `cfg`, and the eligibility verifying key of
    /// each policy shape, `eligibility_keys[s]` being shape `s`'s, fixed for good; a token must
    /// already be deployed) from the account of `signer_key`; returns a client of the new
    /// rollup and the addresses. The verifier is
    /// taken for one of an insecure development key ([`VerifierKey::InsecureDev`]): on a chain
    /// outside [`DEV_CHAIN_IDS`] nothing is deployed; [`L1Client::deploy_with_key`] deploys a
    /// ceremony's key.
    ///
    /// # Errors
    ///
    /// As [`L1Client::deploy_with_key`].
    pub async fn deploy(
        url: &str,
        signer_key: B256,
        verifier: &Artifact,
        eligibility_keys: &[VerifyingKey<Bn254>],
        params: &RollupParams,
        cfg: &DeployConfig,
    ) -> Result<(Self, Deployment), L1Error> {
        Self::deploy_with_key(
            url,
            signer_key,
            verifier,
            VerifierKey::InsecureDev,
            eligibility_keys,
            params,
            cfg,
        )
        .await
    }

    /// As [`L1Client::deploy`], for a verifier of `key`: checked against the node's chain id
    /// ([`VerifierKey::check`]) before anything is deployed.
    ///
    /// # Errors
    ///
    /// [`L1Error::InsecureDevKey`] (a development key off a development chain, nothing
    /// deployed, the eligibility keys' included: [`VerifierKey::check_eligibility_keys`]); [`L1Error::Deploy`] for parameters out of range (eligibility keys included:
    /// 1..=255 of them, each of 14 public inputs) or a broken artifact; as
    /// [`L1Client::connect`]; a failed deployment transaction.
    pub async fn deploy_with_key(
        url: &str,
        signer_key: B256,
        verifier: &Artifact,
        key: VerifierKey,
        eligibility_keys: &[VerifyingKey<Bn254>],
        params: &RollupParams,
        cfg: &DeployConfig,
    ) -> Result<(Self, Deployment), L1Error> {
        let deploy_err = |e: &dyn std::fmt::Display| L1Error::Deploy(e.to_string());
        // Checked before anything is deployed.
        let z = Address::ZERO;
        rollup_constructor(z, z, z, z, eligibility_keys, params, cfg).map_err(|e| deploy_err(&e))?;
        let (provider, signer) = provider(url, signer_key)?;
        let chain_id = provider.get_chain_id().await.map_err(rpc_error)?;
        key.check(chain_id, verifier)?;
        key.check_eligibility_keys(chain_id, eligibility_keys)?;
        let mut client = Self {
            provider,
            signer,
            rollup: Address::ZERO,
            config: *cfg,
            start_block: 0,
            send_lock: Arc::default(),
        };
        let poseidon5 = Artifact::poseidon_t6().map_err(|e| deploy_err(&e))?;
        let poseidon4 = ccr_verifier_contracts::poll::poseidon_t5().map_err(|e| deploy_err(&e))?;
        let poseidon2 = Artifact::poseidon_t3().map_err(|e| deploy_err(&e))?;
        let rollup = Artifact::rollup().map_err(|e| deploy_err(&e))?;
        let (poseidon5, _) = client.create(poseidon5.deploy_code(&[])).await?;
        let (poseidon4, _) = client.create(poseidon4.deploy_code(&[])).await?;
        let (poseidon2, _) = client.create(poseidon2.deploy_code(&[])).await?;
        let (verifier, _) = client.create(verifier.deploy_code(&[])).await?;
        let args =
            rollup_constructor(verifier, poseidon5, poseidon4, poseidon2, eligibility_keys, params, cfg)
                .map_err(|e| deploy_err(&e))?;
        let (rollup, outcome) = client.create(rollup.deploy_code(&args.abi_encode())).await?;
        client.rollup = rollup;
        client.start_block = outcome.block;
        let deployment = Deployment {
            poseidon5,
            poseidon4,
            poseidon2,
            verifier,
            rollup,
            token: cfg.token,
            block: outcome.block,
        };
        Ok((client, deployment))
    }

    /// Deploys the test ERC-20 (`TestToken`: anyone may mint; development chains only) from
    /// the account of `signer_key`; returns its address.
    ///
    /// # Errors
    ///
    /// As [`L1Client::deploy`].
    pub async fn deploy_test_token(url: &str, signer_key: B256) -> Result<Address, L1Error> {
        let (provider, signer) = provider(url, signer_key)?;
        let client = Self {
            provider,
            signer,
            rollup: Address::ZERO,
            config: DeployConfig::eth(),
            start_block: 0,
            send_lock: Arc::default(),
        };
        let artifact = Artifact::test_token().map_err(|e| L1Error::Deploy(e.to_string()))?;
        Ok(client.create(artifact.deploy_code(&[])).await?.0)
    }

    /// The same client, reading logs from `block` on (the rollup's deployment block).
    pub fn with_start_block(self, block: u64) -> Self {
        Self { start_block: block, ..self }
    }

    /// The same rollup driven by another account (with its own send lock).
    ///
    /// # Errors
    ///
    /// As [`L1Client::connect`].
    pub async fn with_signer(&self, url: &str, signer_key: B256) -> Result<Self, L1Error> {
        let (provider, signer) = provider(url, signer_key)?;
        Ok(Self { provider, signer, send_lock: Arc::default(), ..self.clone() })
    }

    /// The block logs are read from (the rollup's deployment block, or 0).
    pub fn start_block(&self) -> u64 {
        self.start_block
    }

    /// The provider (reads: logs, blocks).
    pub(crate) fn rpc(&self) -> &DynProvider {
        &self.provider
    }

    /// The L1 address that signs.
    pub fn address(&self) -> Address {
        self.signer
    }

    /// The rollup contract.
    pub fn rollup(&self) -> Address {
        self.rollup
    }

    /// The rollup's asset and escape delay.
    pub fn config(&self) -> &DeployConfig {
        &self.config
    }

    async fn create(&self, code: Bytes) -> Result<(Address, TxOutcome), L1Error> {
        self.create_with(code, revert_error).await
    }

    /// Deploys `code`, a constructor revert decoded by `decode`.
    pub(crate) async fn create_with(
        &self,
        code: Bytes,
        decode: RevertDecoder,
    ) -> Result<(Address, TxOutcome), L1Error> {
        let receipt = self.send_with(TransactionRequest::default().with_deploy_code(code), decode).await?;
        let address = receipt.contract_address.ok_or(L1Error::NoContract(receipt.transaction_hash))?;
        Ok((address, TxOutcome::of(&receipt)))
    }

    async fn send(&self, tx: TransactionRequest) -> Result<TransactionReceipt, L1Error> {
        self.send_with(tx, revert_error).await
    }

    /// Sends `tx` from the signer and waits for its receipt, holding the send lock throughout
    /// (the nonce filler reads the nonce from the node: see the [module docs](self)).
    async fn send_with(
        &self,
        tx: TransactionRequest,
        decode: RevertDecoder,
    ) -> Result<TransactionReceipt, L1Error> {
        let _one_at_a_time = self.send_lock.lock().await;
        let tx = tx.with_from(self.signer);
        let pending = self.provider.send_transaction(tx).await.map_err(|e| rpc_error_with(e, decode))?;
        let hash = *pending.tx_hash();
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|e| L1Error::Rpc(format!("waiting for the receipt of {hash}: {e}")))?;
        if !receipt.status() {
            return Err(L1Error::Failed {
                hash: receipt.transaction_hash,
                block: receipt.block_number.unwrap_or_default(),
                gas_used: receipt.gas_used,
            });
        }
        Ok(receipt)
    }

    async fn transact<C: SolCall>(
        &self,
        to: Address,
        value: U256,
        call: &C,
    ) -> Result<TransactionReceipt, L1Error> {
        self.send(TransactionRequest::default().with_to(to).with_value(value).with_input(call.abi_encode()))
            .await
    }

    /// Sends `call` to `to`, a revert decoded by `decode`.
    pub(crate) async fn transact_with<C: SolCall>(
        &self,
        to: Address,
        call: &C,
        decode: RevertDecoder,
    ) -> Result<TransactionReceipt, L1Error> {
        self.send_with(TransactionRequest::default().with_to(to).with_input(call.abi_encode()), decode).await
    }

    async fn call_at<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return, L1Error> {
        self.call_with(to, call, revert_error).await
    }

    /// `eth_call` of `call` at `to`, a revert decoded by `decode`.
    pub(crate) async fn call_with<C: SolCall>(
        &self,
        to: Address,
        call: &C,
        decode: RevertDecoder,
    ) -> Result<C::Return, L1Error> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let out = self.provider.call(tx).await.map_err(|e| rpc_error_with(e, decode))?;
        C::abi_decode_returns(&out)
            .map_err(|e| L1Error::Data(format!("return data of {}: {e}", C::SIGNATURE)))
    }

    pub(crate) async fn view<C: SolCall>(&self, call: &C) -> Result<C::Return, L1Error> {
        self.call_at(self.rollup, call).await
    }

    /// Lets the rollup take `amount` L2 units of the token from the signer, approving more
    /// when the allowance is short (no-op for ETH).
    async fn pay(&self, amount: u64) -> Result<U256, L1Error> {
        let Some(token) = self.config.token else {
            return Ok(self.config.base_units(amount));
        };
        let needed = self.config.base_units(amount);
        let allowance = self
            .call_at(token, &TestToken::allowanceCall { owner: self.signer, spender: self.rollup })
            .await?;
        if allowance < needed {
            self.transact(
                token,
                U256::ZERO,
                &TestToken::approveCall { spender: self.rollup, amount: needed },
            )
            .await?;
        }
        Ok(U256::ZERO)
    }

    fn events<E: SolEvent>(&self, receipt: &TransactionReceipt) -> Vec<E> {
        receipt
            .inner
            .logs()
            .iter()
            .filter(|l| l.address() == self.rollup && l.topics().first() == Some(&E::SIGNATURE_HASH))
            .filter_map(|l| E::decode_log_data(l.data()).ok())
            .collect()
    }

    /// `createAccount(pk, amount)`: opens the next account for `pubkey`, owned by the signer,
    /// with `amount` L2 units (ETH sent along, or the token approved and taken); returns the new
    /// account's index.
    ///
    /// # Errors
    ///
    /// [`L1Error::Contract`] when the rollup refuses (`InvalidPublicKey`, `TreeFull`,
    /// `SupplyCapExceeded`, `ExitModeActive`, ...); RPC errors.
    pub async fn create_account(&self, pubkey: &Point, amount: u64) -> Result<(u32, TxOutcome), L1Error> {
        let value = self.pay(amount).await?;
        let call = Rollup::createAccountCall { ax: fr_to_u256(&pubkey.x), ay: fr_to_u256(&pubkey.y), amount };
        let receipt = self.transact(self.rollup, value, &call).await?;
        let created: Vec<Rollup::AccountCreated> = self.events(&receipt);
        let index = created.first().map(|e| e.accountIndex).ok_or_else(|| {
            L1Error::Data(format!("no AccountCreated event in {}", receipt.transaction_hash))
        })?;
        Ok((index, TxOutcome::of(&receipt)))
    }

    /// `deposit(index, amount)`: tops up account `index` with `amount` L2 units.
    ///
    /// # Errors
    ///
    /// As [`L1Client::create_account`] (`UnknownAccount`, `ZeroDeposit`, ...).
    pub async fn deposit(&self, index: u32, amount: u64) -> Result<TxOutcome, L1Error> {
        let value = self.pay(amount).await?;
        Ok(TxOutcome::of(&self.transact(self.rollup, value, &Rollup::depositCall { index, amount }).await?))
    }

    /// `forceExit(index, amount)`: queues an exit of `amount` L2 units from account `index`,
    /// which the signer must own; the next batches must include it.
    ///
    /// # Errors
    ///
    /// `NotAccountOwner`, `ZeroExit`, `AmountNotRepresentable`, `ExitModeActive`; RPC errors.
    pub async fn force_exit(&self, index: u32, amount: u64) -> Result<TxOutcome, L1Error> {
        Ok(TxOutcome::of(
            &self.transact(self.rollup, U256::ZERO, &Rollup::forceExitCall { index, amount }).await?,
        ))
    }

    /// `submitBatch(...)`: settles a proven batch.
    ///
    /// # Errors
    ///
    /// `InvalidProof`, `BadDepositRange`, `BadTxDataLength`, `ExitModeActive`, ...; RPC errors.
    pub async fn submit_batch(&self, batch: &BatchSubmission) -> Result<TxOutcome, L1Error> {
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &batch.call()).await?))
    }

    /// `withdraw()`: pays the signer's pending withdrawal; returns the amount paid (base units
    /// of the asset).
    ///
    /// # Errors
    ///
    /// `NothingToWithdraw`, `TransferFailed`, `TokenTransferFailed`; RPC errors.
    pub async fn withdraw(&self) -> Result<(U256, TxOutcome), L1Error> {
        let receipt = self.transact(self.rollup, U256::ZERO, &Rollup::withdrawCall {}).await?;
        let paid: Vec<Rollup::Withdrawn> = self.events(&receipt);
        let amount = paid
            .first()
            .map(|e| e.amount)
            .ok_or_else(|| L1Error::Data(format!("no Withdrawn event in {}", receipt.transaction_hash)))?;
        Ok((amount, TxOutcome::of(&receipt)))
    }

    /// `activateExitMode()`: stops the rollup when a queue entry waited past the escape delay.
    ///
    /// # Errors
    ///
    /// `NothingOverdue`, `EscapeDelayNotOver`, `ExitModeActive`; RPC errors.
    pub async fn activate_exit_mode(&self) -> Result<TxOutcome, L1Error> {
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &Rollup::activateExitModeCall {}).await?))
    }

    /// `exitWithProof(...)`: in exit mode, credits `account`'s balance to its owner, proving
    /// its leaf at `index` under the last settled root with `proof`.
    ///
    /// # Errors
    ///
    /// `ExitModeNotActive`, `AlreadyExited`, `BadProofLength`, `InvalidMerkleProof`; RPC errors.
    pub async fn exit_with_proof(
        &self,
        index: u32,
        account: &Account,
        proof: &MerkleProof,
    ) -> Result<TxOutcome, L1Error> {
        let call = exit_with_proof_call(index, account, proof);
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &call).await?))
    }

    /// `refundDeposit(position)`: in exit mode, credits an unconsumed deposit back to its sender.
    ///
    /// # Errors
    ///
    /// `ExitModeNotActive`, `NotInQueue`, `NotADeposit`, `NothingToRefund`; RPC errors.
    pub async fn refund_deposit(&self, position: u64) -> Result<TxOutcome, L1Error> {
        let call = Rollup::refundDepositCall { position: U256::from(position) };
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &call).await?))
    }

    /// The queue entries at positions `from` and after that are at least `confirmations` blocks
    /// deep (0: up to the latest block), in order and without gaps, from the `Deposited` and
    /// `ForcedExitRequested` logs.
    ///
    /// # Errors
    ///
    /// [`L1Error::Data`] on a malformed event or a gap in the positions; RPC errors.
    pub async fn queue_entries(
        &self,
        from: u64,
        confirmations: u64,
    ) -> Result<Vec<(u64, QueueEntry)>, L1Error> {
        let latest = self.block_number().await?;
        let Some(to_block) = latest.checked_sub(confirmations) else {
            return Ok(Vec::new());
        };
        if from >= self.deposit_count().await? {
            return Ok(Vec::new());
        }
        let from_block = self.queued_at_block(from).await?.max(self.start_block);
        if from_block > to_block {
            return Ok(Vec::new());
        }
        let filter = Filter::new()
            .address(self.rollup)
            .event_signature(vec![
                Rollup::Deposited::SIGNATURE_HASH,
                Rollup::ForcedExitRequested::SIGNATURE_HASH,
            ])
            .from_block(from_block)
            .to_block(to_block);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc_error)?;
        let mut entries = Vec::new();
        for log in &logs {
            let (position, entry) = queue_entry(&log.inner)?;
            if position >= from {
                entries.push((position, entry));
            }
        }
        entries.sort_by_key(|(p, _)| *p);
        for (expected, (position, _)) in (from..).zip(&entries) {
            if *position != expected {
                return Err(L1Error::Data(format!(
                    "queue position {expected} missing from the logs (got {position})"
                )));
            }
        }
        Ok(entries)
    }

    /// The batches numbered `from` (1-based) and after, from the rollup's logs alone: each
    /// batch's `BatchSubmitted` event (roots, queue range) and its `BatchData` event (epoch,
    /// transaction data, proof, the credits' eligibility proofs). A batch reads the same
    /// whoever submitted it: an account, or a multisig, a relayer or a smart wallet calling
    /// `submitBatch` (several batches in one transaction included), whose transaction's
    /// calldata is not the call.
    ///
    /// # Errors
    ///
    /// [`L1Error::Data`] on a malformed event, a batch whose `BatchData` event is missing or
    /// repeated, or whose transaction data does not hash to its `BatchSubmitted` event's
    /// `txDataHash`; RPC errors.
    pub async fn settled_batches(&self, from: u64) -> Result<Vec<SettledBatch>, L1Error> {
        let filter = Filter::new()
            .address(self.rollup)
            .event_signature(vec![Rollup::BatchSubmitted::SIGNATURE_HASH, Rollup::BatchData::SIGNATURE_HASH])
            .from_block(self.start_block);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc_error)?;
        // `submitBatch` emits both events of a batch: pair them by batch number.
        let mut submitted = BTreeMap::new();
        let mut data = BTreeMap::new();
        for log in logs {
            let repeated =
                |what: &str, number: u64| L1Error::Data(format!("two {what} events for batch {number}"));
            if log.topic0() == Some(&Rollup::BatchData::SIGNATURE_HASH) {
                let ev = Rollup::BatchData::decode_log_data(log.data())
                    .map_err(|e| L1Error::Data(format!("BatchData event: {e}")))?;
                let number = u64_of("batch number", ev.batchNumber)?;
                if number >= from && data.insert(number, ev).is_some() {
                    return Err(repeated("BatchData", number));
                }
                continue;
            }
            let ev = Rollup::BatchSubmitted::decode_log_data(log.data())
                .map_err(|e| L1Error::Data(format!("BatchSubmitted event: {e}")))?;
            let number = u64_of("batch number", ev.batchNumber)?;
            if number < from {
                continue;
            }
            let hash =
                log.transaction_hash.ok_or_else(|| L1Error::Data("log without transaction hash".into()))?;
            if submitted.insert(number, (ev, hash)).is_some() {
                return Err(repeated("BatchSubmitted", number));
            }
        }
        let mut batches = Vec::with_capacity(submitted.len());
        // One receipt per transaction (a transaction may settle several batches).
        let mut receipt: Option<TransactionReceipt> = None;
        for (number, (ev, hash)) in submitted {
            let d = data
                .remove(&number)
                .ok_or_else(|| L1Error::Data(format!("batch {number} has no BatchData event")))?;
            if keccak256(&d.txData) != ev.txDataHash {
                return Err(L1Error::Data(format!(
                    "batch {number}: the BatchData transaction data does not hash to BatchSubmitted's txDataHash"
                )));
            }
            if receipt.as_ref().is_none_or(|r| r.transaction_hash != hash) {
                receipt = Some(
                    self.provider
                        .get_transaction_receipt(hash)
                        .await
                        .map_err(rpc_error)?
                        .ok_or_else(|| L1Error::Data(format!("receipt of {hash} not found")))?,
                );
            }
            let r = receipt.as_ref().ok_or_else(|| L1Error::Data(format!("receipt of {hash} not found")))?;
            batches.push(SettledBatch {
                number,
                old_root: fr_of("old root", ev.oldRoot)?,
                new_root: fr_of("new root", ev.newRoot)?,
                consumed_before: u64_of("queue position", ev.depositsConsumedBefore)?,
                consumed_after: u64_of("queue position", ev.depositsConsumedAfter)?,
                epoch: u32::try_from(d.epoch)
                    .map_err(|_| L1Error::Data(format!("batch {number} has epoch {} past 2^32", d.epoch)))?,
                tx_data: d.txData.to_vec(),
                proof: d.proof,
                credits: settled_credits(&d.credits)?,
                l1_tx: hash,
                block: r.block_number.unwrap_or_default(),
                gas_used: r.gas_used,
            });
        }
        Ok(batches)
    }

    /// The current state root.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a root that is not a field element.
    pub async fn state_root(&self) -> Result<Fr, L1Error> {
        fr_of("state root", self.view(&Rollup::stateRootCall {}).await?)
    }

    /// The root after batch `batch` (0: genesis).
    ///
    /// # Errors
    ///
    /// As [`L1Client::state_root`].
    pub async fn root_at(&self, batch: u64) -> Result<Fr, L1Error> {
        fr_of("root", self.view(&Rollup::rootAtCall { batchNumber: U256::from(batch) }).await?)
    }

    /// Number of settled batches.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn batch_count(&self) -> Result<u64, L1Error> {
        u64_of("batch count", self.view(&Rollup::batchCountCall {}).await?)
    }

    /// Queue entries so far (deposits and forced exits).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn deposit_count(&self) -> Result<u64, L1Error> {
        u64_of("queue length", self.view(&Rollup::depositCountCall {}).await?)
    }

    /// Queue entries consumed by settled batches.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn deposits_consumed(&self) -> Result<u64, L1Error> {
        u64_of("queue position", self.view(&Rollup::depositsConsumedCall {}).await?)
    }

    /// The block queue entry `position` was queued in.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn queued_at_block(&self, position: u64) -> Result<u64, L1Error> {
        u64_of("block", self.view(&Rollup::queuedAtBlockCall { position: U256::from(position) }).await?)
    }

    /// Base units of the asset `owner` may withdraw.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn pending_withdrawal(&self, owner: Address) -> Result<U256, L1Error> {
        self.view(&Rollup::pendingWithdrawalCall { owner }).await
    }

    /// Whether the rollup is in exit mode.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn exit_mode(&self) -> Result<bool, L1Error> {
        self.view(&Rollup::exitModeCall {}).await
    }

    /// The ETH balance of `who`, in wei.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn balance(&self, who: Address) -> Result<U256, L1Error> {
        self.provider.get_balance(who).await.map_err(rpc_error)
    }

    /// The rollup's asset as people write it: `("ETH", 18)`, or the token's `symbol()` and
    /// `decimals()` (ERC-20's optional metadata; a token without it is refused here, and the
    /// caller falls back to L2 units).
    ///
    /// # Errors
    ///
    /// RPC errors; a reverted call for a token without the metadata.
    pub async fn asset_metadata(&self) -> Result<(String, u8), L1Error> {
        match self.config.token {
            None => Ok(("ETH".to_owned(), 18)),
            Some(token) => Ok((
                self.call_at(token, &TestToken::symbolCall {}).await?,
                self.call_at(token, &TestToken::decimalsCall {}).await?,
            )),
        }
    }

    /// The balance of `who` in the rollup's asset (wei, or the token's base units).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn asset_balance(&self, who: Address) -> Result<U256, L1Error> {
        match self.config.token {
            None => self.balance(who).await,
            Some(token) => self.call_at(token, &TestToken::balanceOfCall { owner: who }).await,
        }
    }

    /// `registerBank(pool, shape, policyHash, registryRoot)` from the signer (the pool
    /// account's owner): the pool becomes a community bank whose policy, of shape `shape`,
    /// hashes to `policy_hash`; its credits need eligibility proofs under the rollup's key of
    /// that shape ([`L1Client::eligibility_key`]) and attesters under `registry_root`.
    ///
    /// # Errors
    ///
    /// `NotBankOwner`, `GovernedBank`, `UnknownShape`, `BadEligibilityKey` (a hash or root
    /// that is not a field element); RPC errors.
    pub async fn register_bank(
        &self,
        pool: u32,
        shape: u8,
        policy_hash: Fr,
        registry_root: Fr,
    ) -> Result<TxOutcome, L1Error> {
        let call =
            ccr_verifier_contracts::rollup::register_bank_call(pool, shape, policy_hash, registry_root);
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &call).await?))
    }

    /// `setRegistryRoot(pool, root)` from the signer (the bank's owner): a new version of the
    /// bank's parameters with this registry.
    ///
    /// # Errors
    ///
    /// `NotBankOwner`, `GovernedBank` (the rollup has a governance: the registry changes by
    /// proposal); RPC errors.
    pub async fn set_registry_root(&self, pool: u32, registry_root: Fr) -> Result<TxOutcome, L1Error> {
        let call = Rollup::setRegistryRootCall { pool, registryRoot: fr_to_u256(&registry_root) };
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &call).await?))
    }

    /// The bank registered for pool account `pool`, with its shape's eligibility verifying key
    /// read back from its `VkStore` data contract; `None` if the pool is not a bank.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] when the stored key does not decode.
    pub async fn bank(&self, pool: u32) -> Result<Option<BankInfo>, L1Error> {
        let count = self.view(&Rollup::bankVersionCountCall { pool: U256::from(pool) }).await?;
        let Some(version) = u64_of("bank version count", count)?.checked_sub(1) else {
            return Ok(None);
        };
        let owner = self.view(&Rollup::banksCall { pool: U256::from(pool) }).await?.owner;
        let v = self.bank_version(pool, version).await?;
        Ok(Some(BankInfo {
            pool,
            owner,
            shape: v.shape,
            vk_pointer: v.vk_pointer,
            vk: v.vk,
            policy_hash: v.policy_hash,
            registry_root: v.registry_root,
            version,
            since: v.since,
        }))
    }

    /// Version `version` of bank `pool`'s parameters (`Rollup.bankVersion`), with its shape's
    /// key.
    ///
    /// # Errors
    ///
    /// RPC errors (a version that does not exist reverts); [`L1Error::Data`] when the stored key
    /// does not decode.
    pub async fn bank_version(&self, pool: u32, version: u64) -> Result<BankVersion, L1Error> {
        let call = Rollup::bankVersionCall { pool: U256::from(pool), version: U256::from(version) };
        let v = self.view(&call).await?;
        let (vk_pointer, vk) = self.shape_key(v.shape).await?;
        Ok(BankVersion {
            pool,
            version,
            shape: v.shape,
            vk_pointer,
            vk,
            policy_hash: fr_of("policy hash", v.policyHash)?,
            registry_root: fr_of("registry root", v.registryRoot)?,
            since: u64_of("version time", v.since)?,
        })
    }

    /// The rollup's epoch clock (`genesisTime`, `epochSeconds`).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn epoch_clock(&self) -> Result<EpochClock, L1Error> {
        let genesis = self.view(&Rollup::genesisTimeCall {}).await?;
        let seconds = self.view(&Rollup::epochSecondsCall {}).await?;
        Ok(EpochClock {
            genesis_time: u64_of("genesis time", genesis)?,
            epoch_seconds: u64_of("epoch length", seconds)?,
        })
    }

    /// `Rollup.flowOf(epoch, pool)`: what `pool` lent plus what it was repaid in the settled
    /// batches of `epoch` (the flow a fund member's line must carry).
    ///
    /// # Errors
    ///
    /// RPC errors; a flow past 2^64 − 1 ([`L1Error`]'s out of range).
    pub async fn flow_of(&self, epoch: u32, pool: u32) -> Result<u64, L1Error> {
        let flow =
            self.view(&Rollup::flowOfCall { epoch: U256::from(epoch), pool: U256::from(pool) }).await?;
        u64_of("flow", flow)
    }

    /// The batch verifier the rollup calls (its immutable `verifier`) and its runtime code.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn batch_verifier_code(&self) -> Result<(Address, Bytes), L1Error> {
        let verifier = self.view(&Rollup::verifierCall {}).await?;
        let code = self.provider.get_code_at(verifier).await.map_err(rpc_error)?;
        Ok((verifier, code))
    }

    /// How many policy shapes have an eligibility key (`Rollup.eligibilityShapes`): shapes are
    /// `0..eligibility_shapes()`.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn eligibility_shapes(&self) -> Result<u64, L1Error> {
        u64_of("shape count", self.view(&Rollup::eligibilityShapesCall {}).await?)
    }

    /// The `VkStore` data contract of shape `shape`'s eligibility key (`Rollup.eligibilityKey`).
    ///
    /// # Errors
    ///
    /// `UnknownShape` for a shape without a key; RPC errors.
    pub async fn eligibility_key_pointer(&self, shape: u8) -> Result<Address, L1Error> {
        self.view(&Rollup::eligibilityKeyCall { shape: U256::from(shape) }).await
    }

    /// Shape `shape`'s eligibility verifying key (the universal eligibility circuit's, fixed at
    /// deployment), read back from its `VkStore` data contract.
    ///
    /// # Errors
    ///
    /// `UnknownShape` for a shape without a key; RPC errors; [`L1Error::Data`] when the stored
    /// key does not decode.
    pub async fn eligibility_key(&self, shape: u8) -> Result<VerifyingKey<Bn254>, L1Error> {
        Ok(self.shape_key(shape).await?.1)
    }

    /// Shape `shape`'s key pointer and key.
    async fn shape_key(&self, shape: u8) -> Result<(Address, VerifyingKey<Bn254>), L1Error> {
        let pointer = self.eligibility_key_pointer(shape).await?;
        Ok((pointer, self.read_vk(shape, pointer).await?))
    }

    /// The verifying key a `VkStore` data contract at `pointer` holds (shape `shape`'s).
    async fn read_vk(&self, shape: u8, pointer: Address) -> Result<VerifyingKey<Bn254>, L1Error> {
        let code = self.provider.get_code_at(pointer).await.map_err(rpc_error)?;
        ccr_verifier_contracts::rollup::vk_at(&code)
            .map_err(|why| L1Error::Data(format!("eligibility key of shape {shape} at {pointer}: {why}")))
    }

    /// `executeProposal(pollId, shape, policyHash, registryRoot)` (anyone may): adopts the bank
    /// parameters of `proposal`, which poll `poll_id` (of the rollup's governance) passed.
    ///
    /// # Errors
    ///
    /// `NoGovernance`, `ProposalNotPassed`, `ProposalMismatch`, `ProposalAlreadyExecuted`,
    /// `UnknownBank`, `ProposalOutOfOrder`, `ProposalExpired`, `UnknownShape`,
    /// `BadEligibilityKey`; RPC errors.
    pub async fn execute_proposal(
        &self,
        poll_id: u64,
        proposal: &ccr_verifier_contracts::rollup::BankProposal,
    ) -> Result<TxOutcome, L1Error> {
        let call = ccr_verifier_contracts::rollup::execute_proposal_call(poll_id, proposal);
        Ok(TxOutcome::of(&self.transact(self.rollup, U256::ZERO, &call).await?))
    }

    /// The rollup's governance (the `Poll` contract whose passed proposals change banks), `None`
    /// until it is set.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn governance(&self) -> Result<Option<Address>, L1Error> {
        let g = self.view(&Rollup::governanceCall {}).await?;
        Ok((g != Address::ZERO).then_some(g))
    }

    /// The accounts `owner` opened (`AccountCreated` events, whose owner is indexed), in index
    /// order: how a member is found by their L1 address.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a malformed event.
    pub async fn accounts_of(&self, owner: Address) -> Result<Vec<u32>, L1Error> {
        let filter = Filter::new()
            .address(self.rollup)
            .event_signature(Rollup::AccountCreated::SIGNATURE_HASH)
            .topic2(owner.into_word())
            .from_block(self.start_block);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc_error)?;
        let mut out = logs
            .iter()
            .map(|log| {
                Rollup::AccountCreated::decode_log(&log.inner)
                    .map(|ev| ev.accountIndex)
                    .map_err(|e| L1Error::Data(format!("AccountCreated event: {e}")))
            })
            .collect::<Result<Vec<u32>, _>>()?;
        out.sort_unstable();
        Ok(out)
    }

    /// Every version of every bank's parameters (`BankVersionAdded` events), in the order L1
    /// made them (block, then log index within the block), each with its shape's key. Each bank's
    /// versions come out numbered 0, 1, 2, ... (checked).
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a malformed event or key, or a bank's versions out of
    /// sequence.
    pub async fn bank_versions(&self) -> Result<Vec<BankVersion>, L1Error> {
        let filter = Filter::new()
            .address(self.rollup)
            .event_signature(Rollup::BankVersionAdded::SIGNATURE_HASH)
            .from_block(self.start_block);
        let mut logs = self.provider.get_logs(&filter).await.map_err(rpc_error)?;
        // Order of execution: block, then position in the block (not block alone: two changes
        // in one block keep their order).
        logs.sort_by_key(|l| (l.block_number.unwrap_or_default(), l.log_index.unwrap_or_default()));
        let mut out = Vec::new();
        let mut next = std::collections::HashMap::<u32, u64>::new();
        // Each shape's key once (fixed at deployment).
        let mut keys = BTreeMap::<u8, (Address, VerifyingKey<Bn254>)>::new();
        for log in logs {
            let ev = Rollup::BankVersionAdded::decode_log(&log.inner)
                .map_err(|e| L1Error::Data(format!("BankVersionAdded event: {e}")))?;
            let version = u64_of("bank version", ev.version)?;
            let expected = next.entry(ev.pool).or_default();
            if version != *expected {
                return Err(L1Error::Data(format!(
                    "bank {}: version {version} where version {expected} was expected",
                    ev.pool
                )));
            }
            *expected += 1;
            let (vk_pointer, vk) = match keys.get(&ev.shape) {
                Some(key) => key.clone(),
                None => {
                    let key = self.shape_key(ev.shape).await?;
                    keys.insert(ev.shape, key.clone());
                    key
                }
            };
            out.push(BankVersion {
                pool: ev.pool,
                version,
                shape: ev.shape,
                vk_pointer,
                vk,
                policy_hash: fr_of("policy hash", ev.policyHash)?,
                registry_root: fr_of("registry root", ev.registryRoot)?,
                since: u64_of("version time", ev.since)?,
            });
        }
        Ok(out)
    }

    /// Whether an eligibility nullifier was spent on L1.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn nullifier_used(&self, nullifier: Fr) -> Result<bool, L1Error> {
        self.view(&Rollup::nullifierUsedCall { nullifier: fr_to_u256(&nullifier) }).await
    }

    /// The timestamp of the latest block: the clock L1 checks an eligibility proof's time
    /// against.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn latest_timestamp(&self) -> Result<u64, L1Error> {
        let block = self
            .provider
            .get_block_by_number(alloy_eips::BlockNumberOrTag::Latest)
            .await
            .map_err(rpc_error)?
            .ok_or_else(|| L1Error::Data("the node has no latest block".into()))?;
        Ok(block.header.timestamp)
    }

    /// The latest block number.
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn block_number(&self) -> Result<u64, L1Error> {
        self.provider.get_block_number().await.map_err(rpc_error)
    }

    /// The L1 chain id (`eth_chainId`).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn chain_id(&self) -> Result<u64, L1Error> {
        self.provider.get_chain_id().await.map_err(rpc_error)
    }

    /// Mines `blocks` empty blocks (`anvil_mine`: anvil and the embedded L1).
    ///
    /// # Errors
    ///
    /// RPC errors (a node without `anvil_mine`).
    pub async fn mine(&self, blocks: u64) -> Result<(), L1Error> {
        self.provider
            .raw_request::<_, serde_json::Value>(Cow::Borrowed("anvil_mine"), (U64::from(blocks),))
            .await
            .map_err(rpc_error)?;
        Ok(())
    }

    /// Moves L1's clock past `timestamp` (a development node only): the latest block's time is
    /// then above it. anvil takes `evm_increaseTime` and one `evm_mine` (its `anvil_mine`
    /// blocks follow the wall clock); the embedded L1, whose blocks are 12 s apart and which
    /// has no `evm_increaseTime`, mines enough blocks.
    ///
    /// # Errors
    ///
    /// RPC errors (a node with neither method).
    pub async fn advance_time_past(&self, timestamp: u64) -> Result<(), L1Error> {
        let now = self.latest_timestamp().await?;
        if now > timestamp {
            return Ok(());
        }
        let seconds = timestamp - now + 1;
        let increased = self
            .provider
            .raw_request::<_, serde_json::Value>(Cow::Borrowed("evm_increaseTime"), (U64::from(seconds),))
            .await;
        match increased {
            Ok(_) => {
                self.provider
                    .raw_request::<_, serde_json::Value>(Cow::Borrowed("evm_mine"), ())
                    .await
                    .map_err(rpc_error)?;
            }
            // -32601: method not found (the embedded L1).
            Err(e) if e.as_error_resp().is_some_and(|p| p.code == -32601) => {
                self.mine(seconds.div_ceil(12)).await?;
            }
            Err(e) => return Err(rpc_error(e)),
        }
        let after = self.latest_timestamp().await?;
        if after <= timestamp {
            return Err(L1Error::Data(format!(
                "L1's clock is at {after} after advancing past {timestamp}: does the node control its time?"
            )));
        }
        Ok(())
    }
}

/// A batch's eligibility proofs as `submitBatch` decoded them (its `BatchData` event): one per
/// credit slot, in slot order.
fn settled_credits(c: &Rollup::Credits) -> Result<Vec<SettledCredit>, L1Error> {
    let n = c.proofs.len();
    if c.inputs.len() != n || c.stateBatches.len() != n || c.versions.len() != n {
        return Err(L1Error::Data(format!("BatchData event: {n} credit proofs but arrays of other lengths")));
    }
    (0..n)
        .map(|k| {
            Ok(SettledCredit {
                proof: c.proofs[k],
                inputs: c.inputs[k].clone(),
                state_batch: u64_of("credit state batch", c.stateBatches[k])?,
                bank_version: u64_of("credit bank version", c.versions[k])?,
            })
        })
        .collect()
}

/// The queue entry of a `Deposited` or `ForcedExitRequested` log, with its position.
fn queue_entry(log: &Log) -> Result<(u64, QueueEntry), L1Error> {
    let bad = |e: &dyn std::fmt::Display| L1Error::Data(format!("queue event: {e}"));
    match log.topics().first() {
        Some(&Rollup::Deposited::SIGNATURE_HASH) => {
            let ev = Rollup::Deposited::decode_log_data(&log.data).map_err(|e| bad(&e))?;
            let deposit = deposit_of(&ev).map_err(|e| bad(&e))?;
            Ok((u64_of("queue position", ev.depositIndex)?, QueueEntry::Deposit(deposit)))
        }
        Some(&Rollup::ForcedExitRequested::SIGNATURE_HASH) => {
            let ev = Rollup::ForcedExitRequested::decode_log_data(&log.data).map_err(|e| bad(&e))?;
            Ok((u64_of("queue position", ev.position)?, QueueEntry::ForcedExit(forced_exit_of(&ev))))
        }
        other => Err(L1Error::Data(format!("not a queue event: topic {other:?}"))),
    }
}

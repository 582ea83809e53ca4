//! The rollup's L1 contracts on an [`Evm`]: deployment (ETH or an ERC-20), the queue (deposits,
//! forced exits), batch settlement, withdrawals, the escape hatch, views, and the queue events
//! as the L2 reads them.

use alloy_primitives::{keccak256, Address, Bytes, Log, B256, U256};
#[cfg(feature = "evm")]
use alloy_sol_types::{SolCall, SolConstructor};
use alloy_sol_types::{SolEvent, SolInterface, SolValue};
use ark_bn254::{Bn254, Fr};
#[cfg(feature = "evm")]
use ark_ec::AffineRepr;
use ark_groth16::Proof;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::batch::{fr_to_be_bytes, BatchWitness};
use ccr_circuits::merkle::MerkleProof;
use ccr_circuits::state::account::Account;
use ccr_circuits::state::tx::{Deposit, ForcedExit, QueueEntry};
#[cfg(feature = "evm")]
use ccr_circuits::state::Domain;
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_prover::export::solidity::SolidityCalldata;

#[cfg(feature = "evm")]
use crate::artifacts::Artifact;
use crate::bindings::Rollup;
#[cfg(feature = "evm")]
use crate::bindings::TestToken;
use crate::error::{EvmError, RollupError};
#[cfg(feature = "evm")]
use crate::evm::{Evm, Receipt};

/// A field element as a `uint256`.
pub fn fr_to_u256(x: &Fr) -> U256 {
    U256::from_be_bytes(fr_to_be_bytes(x))
}

/// A `uint256` as a field element.
///
/// # Errors
///
/// [`RollupError::OutOfRange`] when `x ≥ r` (not canonical).
pub fn u256_to_fr(x: U256) -> Result<Fr, RollupError> {
    ccr_circuits::field::from_be_bytes(&x.to_be_bytes::<32>())
        .map_err(|_| RollupError::OutOfRange { what: "field element", value: x.to_string() })
}

/// A proof as the `uint256[8]` of `Rollup.submitBatch`: `[a0, a1, b00, b01, b10, b11, c0, c1]`,
/// the words of [`SolidityCalldata`] (G2 imaginary part first).
pub fn proof_words(proof: &Proof<Bn254>) -> [U256; 8] {
    let words = SolidityCalldata::new(proof, &[]).words();
    std::array::from_fn(|i| U256::from_be_bytes(words[i]))
}

/// The eligibility proofs of a batch's credit slots, in slot order (`Rollup.Credits`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreditProofs {
    /// Each credit's eligibility proof ([`proof_words`]).
    pub proofs: Vec<[U256; 8]>,
    /// Each proof's 14 public inputs (`EligibilityStatement::public_inputs`).
    pub inputs: Vec<Vec<U256>>,
    /// The batch whose root each proof's `state_root` is.
    pub state_batches: Vec<u64>,
    /// The version of its bank's parameters (`Rollup.bankVersion`) each proof was checked
    /// against: L1 checks the proof under it if it was in force during the batch's epoch.
    pub versions: Vec<u64>,
}

impl CreditProofs {
    /// Adds a credit's proof, its public inputs, the batch of its state root and the version
    /// of its bank's parameters it was checked against.
    pub fn push(&mut self, proof: &Proof<Bn254>, inputs: &[Fr], state_batch: u64, version: u64) {
        self.proofs.push(proof_words(proof));
        self.inputs.push(inputs.iter().map(fr_to_u256).collect());
        self.state_batches.push(state_batch);
        self.versions.push(version);
    }

    fn call(&self) -> Rollup::Credits {
        Rollup::Credits {
            proofs: self.proofs.clone(),
            inputs: self.inputs.clone(),
            stateBatches: self.state_batches.iter().map(|&b| U256::from(b)).collect(),
            versions: self.versions.iter().map(|&v| U256::from(v)).collect(),
        }
    }
}

/// The arguments of one `Rollup.submitBatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSubmission {
    /// Root after the batch.
    pub new_root: Fr,
    /// Deposits consumed from the L1 queue after the batch (a count from the queue's start).
    pub deposits_consumed_after: u64,
    /// The batch's epoch.
    pub epoch: u32,
    /// The batch's 12-byte slots.
    pub tx_data: Vec<u8>,
    /// The Groth16 proof.
    pub proof: [U256; 8],
    /// The eligibility proofs of its credit slots.
    pub credits: CreditProofs,
}

impl BatchSubmission {
    /// The submission of a proven `batch`, after which `deposits_consumed_after` deposits of the
    /// queue are consumed (`RollupState::deposits_consumed` once the batch is applied).
    pub fn new(batch: &BatchWitness, deposits_consumed_after: u64, proof: &Proof<Bn254>) -> Self {
        Self {
            new_root: batch.new_root,
            deposits_consumed_after,
            epoch: batch.epoch,
            tx_data: batch.tx_data(),
            proof: proof_words(proof),
            credits: CreditProofs::default(),
        }
    }

    /// The same with the eligibility proofs of its credits.
    pub fn with_credits(self, credits: CreditProofs) -> Self {
        Self { credits, ..self }
    }

    /// The typed call.
    pub fn call(&self) -> Rollup::submitBatchCall {
        Rollup::submitBatchCall {
            newRoot: fr_to_u256(&self.new_root),
            depositsConsumedAfter: U256::from(self.deposits_consumed_after),
            epoch: U256::from(self.epoch),
            txData: Bytes::copy_from_slice(&self.tx_data),
            proof: self.proof,
            credits: self.credits.call(),
        }
    }
}

/// Wei per L2 unit of an ETH rollup: 1 gwei.
pub const ETH_UNIT: u64 = 1_000_000_000;

/// Default escape delay: 7,200 blocks, one day of 12-second blocks. A queue entry not consumed
/// by then lets anyone start exit mode.
pub const DEFAULT_ESCAPE_DELAY: u64 = 7_200;

/// Default epoch: 30 days. Loans accrue monthly and fall due by epoch.
pub const DEFAULT_EPOCH_SECONDS: u64 = 30 * 24 * 3600;

/// The deployment choices of `Rollup` beyond the circuit's parameters: the asset, the
/// escape delay and the epoch length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployConfig {
    /// The ERC-20 the rollup holds, or `None` for ETH.
    pub token: Option<Address>,
    /// Base units of the asset (wei, or the token's smallest unit) per L2 unit (1..=2^128).
    pub unit: U256,
    /// Blocks a queue entry may wait unconsumed before anyone may start exit mode (1..=2^32).
    pub escape_delay: u64,
    /// Seconds per epoch (1..=2^32 − 1).
    pub epoch_seconds: u64,
}

impl Default for DeployConfig {
    fn default() -> Self {
        Self::eth()
    }
}

impl DeployConfig {
    /// ETH, 1 L2 unit = 1 gwei ([`ETH_UNIT`]), [`DEFAULT_ESCAPE_DELAY`].
    pub fn eth() -> Self {
        Self {
            token: None,
            unit: U256::from(ETH_UNIT),
            escape_delay: DEFAULT_ESCAPE_DELAY,
            epoch_seconds: DEFAULT_EPOCH_SECONDS,
        }
    }

    /// The ERC-20 at `token`, `unit` base units per L2 unit, [`DEFAULT_ESCAPE_DELAY`].
    pub fn erc20(token: Address, unit: U256) -> Self {
        Self { token: Some(token), unit, ..Self::eth() }
    }

    /// The same with an escape delay of `blocks`.
    pub fn with_escape_delay(self, blocks: u64) -> Self {
        Self { escape_delay: blocks, ..self }
    }

    /// The same with epochs of `seconds`.
    pub fn with_epoch_seconds(self, seconds: u64) -> Self {
        Self { epoch_seconds: seconds, ..self }
    }

    /// Base units of the asset for `amount` L2 units.
    pub fn base_units(&self, amount: u64) -> U256 {
        U256::from(amount) * self.unit
    }

    /// The `msg.value` of a deposit of `amount` L2 units: the base units for ETH, 0 for a token.
    pub fn value_for(&self, amount: u64) -> U256 {
        if self.token.is_some() {
            U256::ZERO
        } else {
            self.base_units(amount)
        }
    }
}

/// Public inputs of an eligibility proof (`Rollup.ELIGIBILITY_INPUTS`,
/// `EligibilityStatement::public_inputs`): every shape's key has this many.
pub const ELIGIBILITY_INPUTS: usize = 14;

/// The most policy shapes (eligibility keys) a rollup holds: shapes are `u8`, `0..=254`.
/// In practice fewer: every key adds 1,472 bytes of constructor arguments to the rollup's
/// creation code (EIP-3860 caps it at 49,152 bytes: at most 15 keys) and ~370,000 gas to its
/// deployment.
pub const MAX_ELIGIBILITY_SHAPES: usize = 255;

/// The `VkStore` words of each shape's eligibility key, as the rollup's constructor takes them
/// (shape `s` is `keys[s]`).
///
/// # Errors
///
/// [`RollupError::OutOfRange`] for no key, more than [`MAX_ELIGIBILITY_SHAPES`], or a key
/// without [`ELIGIBILITY_INPUTS`] public inputs (what the contract refuses with `InvalidConfig`
/// and `BadEligibilityKey`).
pub fn eligibility_key_words(
    keys: &[ark_groth16::VerifyingKey<Bn254>],
) -> Result<Vec<Vec<U256>>, RollupError> {
    if keys.is_empty() || keys.len() > MAX_ELIGIBILITY_SHAPES {
        return Err(RollupError::OutOfRange {
            what: "number of eligibility keys (1..=255)",
            value: keys.len().to_string(),
        });
    }
    keys.iter()
        .enumerate()
        .map(|(shape, vk)| {
            let inputs = vk.gamma_abc_g1.len().saturating_sub(1);
            if inputs == ELIGIBILITY_INPUTS {
                Ok(crate::batch_verify::vk_words(vk))
            } else {
                Err(RollupError::OutOfRange {
                    what: "eligibility key's public inputs (14)",
                    value: format!("{inputs} (shape {shape})"),
                })
            }
        })
        .collect()
}

/// The constructor call of `Rollup` for the contracts at `verifier`, `poseidon5`, `poseidon4`, `poseidon2`:
/// genesis root of the empty tree of `params.depth`, the circuit's batch size and depth,
/// `config`, and the eligibility verifying key of each policy shape (`eligibility_keys[s]` is
/// shape `s`'s: the universal eligibility circuit's key for that shape, fixed for good).
///
/// # Errors
///
/// [`RollupError::OutOfRange`] for parameters `RollupParams::new` refuses, or keys
/// [`eligibility_key_words`] refuses.
pub fn rollup_constructor(
    verifier: Address,
    poseidon5: Address,
    poseidon4: Address,
    poseidon2: Address,
    eligibility_keys: &[ark_groth16::VerifyingKey<Bn254>],
    params: &RollupParams,
    config: &DeployConfig,
) -> Result<Rollup::constructorCall, RollupError> {
    let out_of_range = |e: &dyn std::fmt::Display| RollupError::OutOfRange {
        what: "rollup parameters",
        value: e.to_string(),
    };
    let checked =
        RollupParams::new(params.depth, params.batch_size, params.domain).map_err(|e| out_of_range(&e))?;
    let genesis = RollupState::new(checked).map_err(|e| out_of_range(&e))?.root();
    Ok(Rollup::constructorCall {
        verifier_: verifier,
        poseidon5_: poseidon5,
        poseidon4_: poseidon4,
        poseidon2_: poseidon2,
        genesisRoot: fr_to_u256(&genesis),
        batchSize_: U256::from(params.batch_size),
        treeDepth_: U256::from(params.depth),
        config_: Rollup::DeployConfig {
            token: config.token.unwrap_or(Address::ZERO),
            unit: config.unit,
            escapeDelay: U256::from(config.escape_delay),
            epochSeconds: U256::from(config.epoch_seconds),
        },
        eligibilityKeys_: eligibility_key_words(eligibility_keys)?,
    })
}

/// The `exitWithProof` call for `account` at `index` (its leaf opened, the extension included)
/// with its Merkle `proof` (siblings bottom-up, as [`RollupState::proof`] gives them) against the
/// last settled root.
pub fn exit_with_proof_call(index: u32, account: &Account, proof: &MerkleProof) -> Rollup::exitWithProofCall {
    Rollup::exitWithProofCall {
        index,
        leaf: Rollup::AccountLeaf {
            ax: fr_to_u256(&account.pubkey.x),
            ay: fr_to_u256(&account.pubkey.y),
            balance: account.balance,
            nonce: account.nonce,
            bank: account.bank,
            debt: account.debt,
            voiceCredits: account.voice_credits,
            loan: fr_to_u256(&account.loan),
        },
        siblings: proof.siblings.iter().map(fr_to_u256).collect(),
    }
}

/// What `exitWithProof` pays for `account`: `(to its owner, to its pool's owner)`. A borrower
/// nets its debt first (`min(balance, debt)` to the pool); any other account takes its balance.
pub fn exit_payout(account: &Account) -> (u64, u64) {
    let netted = if account.lender().is_some() { account.balance.min(account.debt) } else { 0 };
    (account.balance - netted, netted)
}

/// `registerBank(pool, shape, policyHash, registryRoot)`: account `pool` becomes a bank whose
/// policy, of shape `shape`, hashes to `policy_hash`: its credits need eligibility proofs under
/// the rollup's key of that shape (`Rollup.eligibilityKey(shape)`), with attesters under
/// `registry_root`.
pub fn register_bank_call(
    pool: u32,
    shape: u8,
    policy_hash: Fr,
    registry_root: Fr,
) -> Rollup::registerBankCall {
    Rollup::registerBankCall {
        pool,
        shape,
        policyHash: fr_to_u256(&policy_hash),
        registryRoot: fr_to_u256(&registry_root),
    }
}

/// A bank proposal: the parameters `Rollup.executeProposal` adopts for a bank when the poll
/// deciding it passes (`Poll.createPoll`'s `proposal` is their [`BankProposal::hash`]). A
/// proposal never brings a key: each shape's eligibility key is the rollup's, fixed at
/// deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankProposal {
    /// The new policy's shape (the index of its eligibility key, `Rollup.eligibilityKey`).
    pub shape: u8,
    /// The new policy's hash.
    pub policy_hash: Fr,
    /// The new attester registry root.
    pub registry_root: Fr,
}

impl BankProposal {
    /// The proposal of a policy of shape `shape` hashing to `policy_hash`, with the attester
    /// registry `registry_root`.
    pub fn new(shape: u8, policy_hash: Fr, registry_root: Fr) -> Self {
        Self { shape, policy_hash, registry_root }
    }

    /// `keccak256(abi.encode(uint8 shape, uint256 policyHash, uint256 registryRoot))` (the
    /// shape encoded as one 32-byte word): the `proposal` of the poll that decides it.
    pub fn hash(&self) -> B256 {
        let encoded =
            (U256::from(self.shape), fr_to_u256(&self.policy_hash), fr_to_u256(&self.registry_root))
                .abi_encode_params();
        keccak256(encoded)
    }
}

/// `executeProposal(pollId, shape, policyHash, registryRoot)`: adopts proposal `p`, which poll
/// `poll_id` passed, as its bank's parameters.
pub fn execute_proposal_call(poll_id: u64, p: &BankProposal) -> Rollup::executeProposalCall {
    Rollup::executeProposalCall {
        pollId: U256::from(poll_id),
        shape: p.shape,
        policyHash: fr_to_u256(&p.policy_hash),
        registryRoot: fr_to_u256(&p.registry_root),
    }
}

/// Deploys the test ERC-20 (`TestToken`: anyone may mint) from `deployer`.
///
/// # Errors
///
/// A failed deployment.
#[cfg(feature = "evm")]
pub fn deploy_test_token(evm: &mut Evm, deployer: Address) -> Result<(Address, Receipt), RollupError> {
    Ok(evm.deploy(deployer, Artifact::test_token()?.deploy_code(&[]))?)
}

/// Addresses of a deployed rollup: Poseidon(5), Poseidon(4), Poseidon(2), the batch verifier and
/// the rollup contract, with the rollup's asset configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupContracts {
    /// circomlib Poseidon over 5 inputs.
    pub poseidon5: Address,
    /// circomlib Poseidon over 4 inputs.
    pub poseidon4: Address,
    /// circomlib Poseidon over 2 inputs.
    pub poseidon2: Address,
    /// The Groth16 verifier of the batch circuit.
    pub verifier: Address,
    /// `Rollup`.
    pub rollup: Address,
    /// The asset and escape delay it was deployed with.
    pub config: DeployConfig,
}

/// Gas used by each deployment transaction.
#[cfg(feature = "evm")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentGas {
    /// Poseidon(5).
    pub poseidon5: u64,
    /// Poseidon(4).
    pub poseidon4: u64,
    /// Poseidon(2).
    pub poseidon2: u64,
    /// The verifier.
    pub verifier: u64,
    /// The rollup, its eligibility keys' `VkStore` data contracts included (created by its
    /// constructor: ~370,000 gas a key).
    pub rollup: u64,
}

#[cfg(feature = "evm")]
impl RollupContracts {
    /// The deployment's domain on `evm`: its chain id and the rollup's address (what every
    /// signed transaction binds; the contract's `domain()` is its separator).
    pub fn domain(&self, evm: &Evm) -> Domain {
        Domain::new(evm.chain_id(), self.rollup.into_array())
    }

    /// Deploys Poseidon(5), Poseidon(4), Poseidon(2), `verifier` (the Groth16 verifier of the
    /// batch circuit of `params`) and the rollup, whose genesis root is the empty tree of
    /// `params.depth`, with the asset and escape delay of `config` and the eligibility key of
    /// each policy shape (`eligibility_keys[s]` is shape `s`'s), from `deployer`. A token must
    /// already be deployed.
    ///
    /// # Errors
    ///
    /// A failed deployment (the contract refuses `config` out of range with `InvalidConfig`);
    /// [`RollupError::OutOfRange`] for parameters `RollupParams::new` refuses or keys
    /// [`eligibility_key_words`] refuses.
    pub fn deploy(
        evm: &mut Evm,
        deployer: Address,
        verifier: &Artifact,
        eligibility_keys: &[ark_groth16::VerifyingKey<Bn254>],
        params: &RollupParams,
        config: &DeployConfig,
    ) -> Result<(Self, DeploymentGas), RollupError> {
        // Checked before anything is deployed.
        let z = Address::ZERO;
        rollup_constructor(z, z, z, z, eligibility_keys, params, config)?;
        let (poseidon5, p5) = evm.deploy(deployer, Artifact::poseidon_t6()?.deploy_code(&[]))?;
        let (poseidon4, p4) = evm.deploy(deployer, crate::poll::poseidon_t5()?.deploy_code(&[]))?;
        let (poseidon2, p2) = evm.deploy(deployer, Artifact::poseidon_t3()?.deploy_code(&[]))?;
        let (verifier, v) = evm.deploy(deployer, verifier.deploy_code(&[]))?;
        let args =
            rollup_constructor(verifier, poseidon5, poseidon4, poseidon2, eligibility_keys, params, config)?
                .abi_encode();
        let (rollup, r) = evm.deploy(deployer, Artifact::rollup()?.deploy_code(&args))?;
        let gas = DeploymentGas {
            poseidon5: p5.gas_used,
            poseidon4: p4.gas_used,
            poseidon2: p2.gas_used,
            verifier: v.gas_used,
            rollup: r.gas_used,
        };
        Ok((Self { poseidon5, poseidon4, poseidon2, verifier, rollup, config: *config }, gas))
    }

    fn transact<C: SolCall>(
        &self,
        evm: &mut Evm,
        from: Address,
        value: U256,
        call: &C,
    ) -> Result<Receipt, RollupError> {
        Ok(evm.transact_sol(from, self.rollup, value, call)?)
    }

    fn view<C: SolCall>(&self, evm: &mut Evm, call: &C) -> Result<C::Return, RollupError> {
        Ok(evm.call_sol(self.rollup, call)?)
    }

    /// `createAccount(pk, amount)` from `from`: opens the next account, owned by `from`, with
    /// `amount` L2 units (ETH: sent as `msg.value`; token: `from` must have approved the
    /// rollup for [`DeployConfig::base_units`]).
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn create_account(
        &self,
        evm: &mut Evm,
        from: Address,
        pubkey: &Point,
        amount: u64,
    ) -> Result<Receipt, RollupError> {
        let (x, y) = pubkey.xy().unwrap_or_default();
        let call = Rollup::createAccountCall { ax: fr_to_u256(&x), ay: fr_to_u256(&y), amount };
        self.transact(evm, from, self.config.value_for(amount), &call)
    }

    /// `deposit(index, amount)` from `from`: tops up account `index` (paid as for
    /// [`RollupContracts::create_account`]).
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn deposit(
        &self,
        evm: &mut Evm,
        from: Address,
        index: u32,
        amount: u64,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, self.config.value_for(amount), &Rollup::depositCall { index, amount })
    }

    /// `forceExit(index, amount)` from `from` (the account's owner).
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn force_exit(
        &self,
        evm: &mut Evm,
        from: Address,
        index: u32,
        amount: u64,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::forceExitCall { index, amount })
    }

    /// `submitBatch(...)` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn submit_batch(
        &self,
        evm: &mut Evm,
        from: Address,
        batch: &BatchSubmission,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &batch.call())
    }

    /// `registerBank(pool, shape, policyHash, registryRoot)` from `from` (the pool account's
    /// owner): the bank's policy is of shape `shape` (its credits verify under the rollup's key
    /// of that shape) and hashes to `policy_hash`.
    ///
    /// # Errors
    ///
    /// The contract's error (`NotBankOwner`, `GovernedBank`, `UnknownShape`; see
    /// [`RollupError::contract_error`]).
    pub fn register_bank(
        &self,
        evm: &mut Evm,
        from: Address,
        pool: u32,
        shape: u8,
        policy_hash: Fr,
        registry_root: Fr,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &register_bank_call(pool, shape, policy_hash, registry_root))
    }

    /// How many policy shapes have an eligibility key (`Rollup.eligibilityShapes`).
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn eligibility_shapes(&self, evm: &mut Evm) -> Result<u64, RollupError> {
        let n = self.view(evm, &Rollup::eligibilityShapesCall {})?;
        u64::try_from(n).map_err(|_| RollupError::OutOfRange { what: "shape count", value: n.to_string() })
    }

    /// The `VkStore` data contract of shape `shape`'s eligibility key (`Rollup.eligibilityKey`).
    ///
    /// # Errors
    ///
    /// The contract's `UnknownShape` for a shape without a key; a failed call.
    pub fn eligibility_key_pointer(&self, evm: &mut Evm, shape: u8) -> Result<Address, RollupError> {
        self.view(evm, &Rollup::eligibilityKeyCall { shape: U256::from(shape) })
    }

    /// Shape `shape`'s eligibility verifying key, read back from its `VkStore` data contract.
    ///
    /// # Errors
    ///
    /// As [`RollupContracts::eligibility_key_pointer`]; [`RollupError::OutOfRange`] when the
    /// stored words are not a verifying key.
    pub fn eligibility_key(
        &self,
        evm: &mut Evm,
        shape: u8,
    ) -> Result<ark_groth16::VerifyingKey<Bn254>, RollupError> {
        let pointer = self.eligibility_key_pointer(evm, shape)?;
        vk_at(&evm.code(pointer)).map_err(|why| RollupError::OutOfRange {
            what: "eligibility key",
            value: format!("{pointer}: {why}"),
        })
    }

    /// `setRegistryRoot(pool, root)` from `from` (the bank's owner): a new version of the
    /// bank's parameters with this registry.
    ///
    /// # Errors
    ///
    /// The contract's error (`NotBankOwner`, `GovernedBank` once the rollup has a governance;
    /// see [`RollupError::contract_error`]).
    pub fn set_registry_root(
        &self,
        evm: &mut Evm,
        from: Address,
        pool: u32,
        root: Fr,
    ) -> Result<Receipt, RollupError> {
        let call = Rollup::setRegistryRootCall { pool, registryRoot: fr_to_u256(&root) };
        self.transact(evm, from, U256::ZERO, &call)
    }

    /// `setGovernance(poll)` from `from` (the rollup's deployer): the `Poll` contract at `poll`
    /// becomes the bank governance, for good.
    ///
    /// # Errors
    ///
    /// The contract's error (`NotDeployer`, `GovernanceAlreadySet`; see
    /// [`RollupError::contract_error`]).
    pub fn set_governance(
        &self,
        evm: &mut Evm,
        from: Address,
        poll: Address,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::setGovernanceCall { poll })
    }

    /// `setFund(fund)` from `from` (the rollup's deployer): the `SolidarityFund` at `fund`
    /// becomes the fund whose settled tables authorise the fund slots (kinds 10 and 11), for
    /// good ([`FundContracts::deploy`](crate::fund::FundContracts::deploy) sets it).
    ///
    /// # Errors
    ///
    /// The contract's error (`NotDeployer`, `FundAlreadySet`, `InvalidConfig` for address(0);
    /// see [`RollupError::contract_error`]).
    pub fn set_fund(&self, evm: &mut Evm, from: Address, fund: Address) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::setFundCall { fund_: fund })
    }

    /// The solidarity fund, or `None` before `setFund`.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn fund(&self, evm: &mut Evm) -> Result<Option<Address>, RollupError> {
        let fund = self.view(evm, &Rollup::fundCall {})?;
        Ok((fund != Address::ZERO).then_some(fund))
    }

    /// `flowOf(epoch, pool)`: what `pool` lent plus what it was repaid in the settled batches
    /// of `epoch`, in L2 units (`BankActivity::flow`).
    ///
    /// # Errors
    ///
    /// An EVM failure.
    pub fn flow_of(&self, evm: &mut Evm, epoch: u32, pool: u32) -> Result<U256, RollupError> {
        self.view(evm, &Rollup::flowOfCall { epoch: U256::from(epoch), pool: U256::from(pool) })
    }

    /// `executeProposal(pollId, ...)` from `from` (anyone): adopts `proposal`, which poll
    /// `poll_id` passed, as its bank's parameters.
    ///
    /// # Errors
    ///
    /// The contract's error (`NoGovernance`, `ProposalMismatch`, `ProposalNotPassed`,
    /// `ProposalAlreadyExecuted`, `UnknownBank`, `ProposalOutOfOrder`, `ProposalExpired`,
    /// `UnknownShape`, `BadEligibilityKey`; see
    /// [`RollupError::contract_error`]), or the governance's `UnknownPoll` (see
    /// [`RollupError::poll_error`]).
    pub fn execute_proposal(
        &self,
        evm: &mut Evm,
        from: Address,
        poll_id: u64,
        proposal: &BankProposal,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &execute_proposal_call(poll_id, proposal))
    }

    /// The bank governance (`Poll`), or `None` before `setGovernance`.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn governance(&self, evm: &mut Evm) -> Result<Option<Address>, RollupError> {
        let poll = self.view(evm, &Rollup::governanceCall {})?;
        Ok((poll != Address::ZERO).then_some(poll))
    }

    /// Whether the proposal of poll `poll_id` was executed.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn proposal_executed(&self, evm: &mut Evm, poll_id: u64) -> Result<bool, RollupError> {
        self.view(evm, &Rollup::proposalExecutedCall { pollId: U256::from(poll_id) })
    }

    /// `withdraw()` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn withdraw(&self, evm: &mut Evm, from: Address) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::withdrawCall {})
    }

    /// `activateExitMode()` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn activate_exit_mode(&self, evm: &mut Evm, from: Address) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::activateExitModeCall {})
    }

    /// `exitWithProof(...)` from `from` for `account` at `index` (see [`exit_with_proof_call`]).
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn exit_with_proof(
        &self,
        evm: &mut Evm,
        from: Address,
        index: u32,
        account: &Account,
        proof: &MerkleProof,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &exit_with_proof_call(index, account, proof))
    }

    /// `refundDeposit(position)` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn refund_deposit(
        &self,
        evm: &mut Evm,
        from: Address,
        position: u64,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::refundDepositCall { position: U256::from(position) })
    }

    /// The current state root.
    ///
    /// # Errors
    ///
    /// A failed call, or a root that is not a field element.
    pub fn state_root(&self, evm: &mut Evm) -> Result<Fr, RollupError> {
        u256_to_fr(self.view(evm, &Rollup::stateRootCall {})?)
    }

    /// The queue chain after `n` entries.
    ///
    /// # Errors
    ///
    /// A failed call, or a hash that is not a field element.
    pub fn queue_hash(&self, evm: &mut Evm, n: u64) -> Result<Fr, RollupError> {
        u256_to_fr(self.view(evm, &Rollup::queueHashCall { n: U256::from(n) })?)
    }

    /// Queue entries (deposits and forced exits) queued, and consumed by settled batches.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn deposit_counts(&self, evm: &mut Evm) -> Result<(U256, U256), RollupError> {
        Ok((self.view(evm, &Rollup::depositCountCall {})?, self.view(evm, &Rollup::depositsConsumedCall {})?))
    }

    /// The block queue entry `position` was queued in (0 for no such entry).
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn queued_at_block(&self, evm: &mut Evm, position: u64) -> Result<u64, RollupError> {
        let block = self.view(evm, &Rollup::queuedAtBlockCall { position: U256::from(position) })?;
        u64::try_from(block)
            .map_err(|_| RollupError::OutOfRange { what: "block number", value: block.to_string() })
    }

    /// Base units of the asset `owner` may withdraw.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn pending_withdrawal(&self, evm: &mut Evm, owner: Address) -> Result<U256, RollupError> {
        self.view(evm, &Rollup::pendingWithdrawalCall { owner })
    }

    /// L2 units deposited and not yet exited or refunded.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn l2_supply(&self, evm: &mut Evm) -> Result<U256, RollupError> {
        self.view(evm, &Rollup::l2SupplyCall {})
    }

    /// Sum of the pending withdrawals, in base units.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn total_pending(&self, evm: &mut Evm) -> Result<U256, RollupError> {
        self.view(evm, &Rollup::totalPendingCall {})
    }

    /// Whether the rollup is in exit mode.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn exit_mode(&self, evm: &mut Evm) -> Result<bool, RollupError> {
        self.view(evm, &Rollup::exitModeCall {})
    }

    /// Whether account `index` exited with a proof.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn exited(&self, evm: &mut Evm, index: u32) -> Result<bool, RollupError> {
        self.view(evm, &Rollup::exitedCall { accountIndex: index })
    }

    /// The asset balance of `who`: ETH in wei, or the token's `balanceOf`.
    ///
    /// # Errors
    ///
    /// A failed `balanceOf` call.
    pub fn asset_balance(&self, evm: &mut Evm, who: Address) -> Result<U256, RollupError> {
        match self.config.token {
            None => Ok(evm.balance(who)),
            Some(token) => Ok(evm.call_sol(token, &TestToken::balanceOfCall { owner: who })?),
        }
    }
}

impl RollupContracts {
    /// The queue entries of `Deposited` and `ForcedExitRequested` events among `logs` (of this
    /// rollup), with their queue positions, in log order: what the L2 consumes.
    ///
    /// # Errors
    ///
    /// [`RollupError::Log`] on a malformed event, [`RollupError::OutOfRange`] on a key that is
    /// not a Baby Jubjub point (the contract refuses those) or a position beyond `u64`.
    pub fn queue_entries(&self, logs: &[Log]) -> Result<Vec<(u64, QueueEntry)>, RollupError> {
        let position = |p: U256| {
            u64::try_from(p)
                .map_err(|_| RollupError::OutOfRange { what: "queue position", value: p.to_string() })
        };
        let mut entries = Vec::new();
        for log in logs.iter().filter(|log| log.address == self.rollup) {
            match log.topics().first() {
                Some(&Rollup::Deposited::SIGNATURE_HASH) => {
                    let ev = Rollup::Deposited::decode_log_data(&log.data).map_err(RollupError::Log)?;
                    entries.push((position(ev.depositIndex)?, QueueEntry::Deposit(deposit_of(&ev)?)));
                }
                Some(&Rollup::ForcedExitRequested::SIGNATURE_HASH) => {
                    let ev =
                        Rollup::ForcedExitRequested::decode_log_data(&log.data).map_err(RollupError::Log)?;
                    entries.push((position(ev.position)?, QueueEntry::ForcedExit(forced_exit_of(&ev))));
                }
                _ => {}
            }
        }
        Ok(entries)
    }
}

/// The verifying key held by a `VkStore` data contract whose runtime code is `code`
/// (`0x00` then the key's words, [`crate::batch_verify::vk_words`]).
///
/// # Errors
///
/// What is wrong, as text: not a `VkStore` data contract, or words that are not a key
/// ([`crate::batch_verify::vk_from_words`]).
pub fn vk_at(code: &[u8]) -> Result<ark_groth16::VerifyingKey<Bn254>, String> {
    let Some((&0, words)) = code.split_first() else {
        return Err("not a VkStore data contract (no leading STOP)".into());
    };
    if !words.len().is_multiple_of(32) {
        return Err("not a VkStore data contract (not whole words)".into());
    }
    let words: Vec<U256> = words.chunks_exact(32).map(U256::from_be_slice).collect();
    crate::batch_verify::vk_from_words(&words)
}

/// The L2 forced exit a `ForcedExitRequested` event stands for.
pub fn forced_exit_of(ev: &Rollup::ForcedExitRequested) -> ForcedExit {
    ForcedExit { index: ev.accountIndex, amount: ev.amount }
}

/// The L2 deposit a `Deposited` event stands for: a key opens an account, `(0, 0)` tops one up.
///
/// # Errors
///
/// [`RollupError::OutOfRange`] on a key that is not a canonical Baby Jubjub point.
pub fn deposit_of(ev: &Rollup::Deposited) -> Result<Deposit, RollupError> {
    let pubkey = if ev.ax.is_zero() && ev.ay.is_zero() {
        None
    } else {
        let p = Point::new_unchecked(u256_to_fr(ev.ax)?, u256_to_fr(ev.ay)?);
        if !p.is_on_curve() {
            return Err(RollupError::OutOfRange {
                what: "public key",
                value: format!("({}, {})", ev.ax, ev.ay),
            });
        }
        Some(p)
    };
    Ok(Deposit { index: ev.accountIndex, pubkey, amount: ev.amount })
}

impl RollupError {
    /// The rollup contract's custom error, when a call reverted with one.
    pub fn contract_error(&self) -> Option<Rollup::RollupErrors> {
        match self {
            Self::Evm(EvmError::Revert { output, .. }) => Rollup::RollupErrors::abi_decode(output).ok(),
            _ => None,
        }
    }
}

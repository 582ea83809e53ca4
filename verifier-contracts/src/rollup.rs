//! The rollup's L1 contracts on an [`Evm`]: deployment, deposits, batch settlement,
//! withdrawals, views, and the deposit events as the L2 reads them.

use alloy_primitives::{Address, Bytes, Log, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent, SolInterface};
use ark_bn254::{Bn254, Fr};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_groth16::Proof;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::batch::{fr_to_be_bytes, BatchWitness};
use ccr_circuits::state::tx::Deposit;
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_prover::export::solidity::SolidityCalldata;

use crate::artifacts::Artifact;
use crate::bindings::Rollup;
use crate::error::{EvmError, RollupError};
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
    let fr = Fr::from_be_bytes_mod_order(&x.to_be_bytes::<32>());
    if fr_to_u256(&fr) == x {
        Ok(fr)
    } else {
        Err(RollupError::OutOfRange { what: "field element", value: x.to_string() })
    }
}

/// A proof as the `uint256[8]` of `Rollup.submitBatch`: `[a0, a1, b00, b01, b10, b11, c0, c1]`,
/// the words of [`SolidityCalldata`] (G2 imaginary part first).
pub fn proof_words(proof: &Proof<Bn254>) -> [U256; 8] {
    let words = SolidityCalldata::new(proof, &[]).words();
    std::array::from_fn(|i| U256::from_be_bytes(words[i]))
}

/// The arguments of one `Rollup.submitBatch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSubmission {
    /// Root after the batch.
    pub new_root: Fr,
    /// Deposits consumed from the L1 queue after the batch (a count from the queue's start).
    pub deposits_consumed_after: u64,
    /// The batch's 12-byte slots.
    pub tx_data: Vec<u8>,
    /// The Groth16 proof.
    pub proof: [U256; 8],
}

impl BatchSubmission {
    /// The submission of a proven `batch`, after which `deposits_consumed_after` deposits of the
    /// queue are consumed (`RollupState::deposits_consumed` once the batch is applied).
    pub fn new(batch: &BatchWitness, deposits_consumed_after: u64, proof: &Proof<Bn254>) -> Self {
        Self {
            new_root: batch.new_root,
            deposits_consumed_after,
            tx_data: batch.tx_data(),
            proof: proof_words(proof),
        }
    }

    /// The typed call.
    pub fn call(&self) -> Rollup::submitBatchCall {
        Rollup::submitBatchCall {
            newRoot: fr_to_u256(&self.new_root),
            depositsConsumedAfter: U256::from(self.deposits_consumed_after),
            txData: Bytes::copy_from_slice(&self.tx_data),
            proof: self.proof,
        }
    }
}

/// Addresses of a deployed rollup: Poseidon(5), the batch verifier and the rollup contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupContracts {
    /// circomlib Poseidon over 5 inputs.
    pub poseidon: Address,
    /// The Groth16 verifier of the batch circuit.
    pub verifier: Address,
    /// `Rollup`.
    pub rollup: Address,
}

/// Gas used by each deployment transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentGas {
    /// Poseidon(5).
    pub poseidon: u64,
    /// The verifier.
    pub verifier: u64,
    /// The rollup.
    pub rollup: u64,
}

impl RollupContracts {
    /// Deploys Poseidon(5), `verifier` (the Groth16 verifier of the batch circuit of `params`)
    /// and the rollup, whose genesis root is the empty tree of `params.depth`, from `deployer`.
    ///
    /// # Errors
    ///
    /// A failed deployment; [`RollupError::OutOfRange`] for parameters `RollupParams::new`
    /// refuses.
    pub fn deploy(
        evm: &mut Evm,
        deployer: Address,
        verifier: &Artifact,
        params: &RollupParams,
    ) -> Result<(Self, DeploymentGas), RollupError> {
        let out_of_range = |e: &dyn std::fmt::Display| RollupError::OutOfRange {
            what: "rollup parameters",
            value: e.to_string(),
        };
        let checked = RollupParams::new(params.depth, params.batch_size, params.chain_id)
            .map_err(|e| out_of_range(&e))?;
        let genesis = RollupState::new(checked).map_err(|e| out_of_range(&e))?.root();
        let (poseidon, p) = evm.deploy(deployer, Artifact::poseidon_t6()?.deploy_code(&[]))?;
        let (verifier, v) = evm.deploy(deployer, verifier.deploy_code(&[]))?;
        let args = Rollup::constructorCall {
            verifier_: verifier,
            poseidon_: poseidon,
            genesisRoot: fr_to_u256(&genesis),
            batchSize_: U256::from(params.batch_size),
            treeDepth: U256::from(params.depth),
        }
        .abi_encode();
        let (rollup, r) = evm.deploy(deployer, Artifact::rollup()?.deploy_code(&args))?;
        let gas = DeploymentGas { poseidon: p.gas_used, verifier: v.gas_used, rollup: r.gas_used };
        Ok((Self { poseidon, verifier, rollup }, gas))
    }

    fn transact<C: SolCall>(
        &self,
        evm: &mut Evm,
        from: Address,
        wei: U256,
        call: &C,
    ) -> Result<Receipt, RollupError> {
        Ok(evm.transact_sol(from, self.rollup, wei, call)?)
    }

    fn view<C: SolCall>(&self, evm: &mut Evm, call: &C) -> Result<C::Return, RollupError> {
        Ok(evm.call_sol(self.rollup, call)?)
    }

    /// `createAccount(pk)` from `from` with `wei`: opens the next account, owned by `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn create_account(
        &self,
        evm: &mut Evm,
        from: Address,
        pubkey: &Point,
        wei: U256,
    ) -> Result<Receipt, RollupError> {
        let (x, y) = pubkey.xy().unwrap_or_default();
        let call = Rollup::createAccountCall { ax: fr_to_u256(&x), ay: fr_to_u256(&y) };
        self.transact(evm, from, wei, &call)
    }

    /// `deposit(index)` from `from` with `wei`: tops up account `index`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn deposit(
        &self,
        evm: &mut Evm,
        from: Address,
        index: u32,
        wei: U256,
    ) -> Result<Receipt, RollupError> {
        self.transact(evm, from, wei, &Rollup::depositCall { index })
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

    /// `withdraw()` from `from`.
    ///
    /// # Errors
    ///
    /// The contract's error (see [`RollupError::contract_error`]).
    pub fn withdraw(&self, evm: &mut Evm, from: Address) -> Result<Receipt, RollupError> {
        self.transact(evm, from, U256::ZERO, &Rollup::withdrawCall {})
    }

    /// The current state root.
    ///
    /// # Errors
    ///
    /// A failed call, or a root that is not a field element.
    pub fn state_root(&self, evm: &mut Evm) -> Result<Fr, RollupError> {
        u256_to_fr(self.view(evm, &Rollup::stateRootCall {})?)
    }

    /// The deposit-queue chain after `n` deposits.
    ///
    /// # Errors
    ///
    /// A failed call, or a hash that is not a field element.
    pub fn queue_hash(&self, evm: &mut Evm, n: u64) -> Result<Fr, RollupError> {
        u256_to_fr(self.view(evm, &Rollup::queueHashCall { n: U256::from(n) })?)
    }

    /// Deposits queued and deposits consumed by settled batches.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn deposit_counts(&self, evm: &mut Evm) -> Result<(U256, U256), RollupError> {
        Ok((self.view(evm, &Rollup::depositCountCall {})?, self.view(evm, &Rollup::depositsConsumedCall {})?))
    }

    /// Wei `owner` may withdraw.
    ///
    /// # Errors
    ///
    /// A failed call.
    pub fn pending_withdrawal(&self, evm: &mut Evm, owner: Address) -> Result<U256, RollupError> {
        self.view(evm, &Rollup::pendingWithdrawalCall { owner })
    }

    /// The deposits of `Deposited` events among `logs` (of this rollup), as the L2 applies them.
    ///
    /// # Errors
    ///
    /// [`RollupError::Log`] on a malformed event, [`RollupError::OutOfRange`] on a key that is
    /// not a Baby Jubjub point (the contract refuses those).
    pub fn deposits(&self, logs: &[Log]) -> Result<Vec<(u64, Deposit)>, RollupError> {
        logs.iter()
            .filter(|log| {
                log.address == self.rollup && log.topics().first() == Some(&Rollup::Deposited::SIGNATURE_HASH)
            })
            .map(|log| {
                let ev = Rollup::Deposited::decode_log_data(&log.data).map_err(RollupError::Log)?;
                let n = u64::try_from(ev.depositIndex).map_err(|_| RollupError::OutOfRange {
                    what: "deposit index",
                    value: ev.depositIndex.to_string(),
                })?;
                Ok((n, deposit_of(&ev)?))
            })
            .collect()
    }
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

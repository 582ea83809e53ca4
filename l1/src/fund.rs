//! [`FundClient`](crate::fund::FundClient): the solidarity fund's `SolidarityFund` contract over JSON-RPC, with the
//! provider, signer and send lock of an [`L1Client`] (see `verifier-contracts/src/SolidarityFund.sol`
//! for the contract and `ccr_verifier_contracts::fund` for the same calls on revm).
//!
//! Its clock is the rollup of the [`L1Client`] (`Rollup.currentEpoch`): the table of epoch `e`
//! settles once `e` has ended on L1's clock, within the fund's settle window, and once the last
//! table's moves are all carried out. A settled table's moves are queued on L1
//! ([`FundClient::pending_moves`](crate::fund::FundClient::pending_moves)); the rollup's batches carry them out, in order, as fund
//! slots (kinds 10 and 11), which `Rollup.submitBatch` hands to the fund.
//!
//! [`L1Client`]: crate::client::L1Client

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolConstructor, SolInterface};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ccr_circuits::state::tx::FundMove;
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::SolidarityFund::{self, SolidarityFundErrors};
use ccr_verifier_contracts::fund::{
    epoch_verifier_artifact, solidarity_fund_artifact, unpack_move, EpochState, FundConfig, Members,
    Settlement,
};
use ccr_verifier_contracts::rollup::fr_to_u256;

use crate::client::{L1Client, TxOutcome, VerifierKey};
use crate::error::L1Error;

/// The contracts of a deployment by [`FundClient::deploy_with_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundDeployment {
    /// The Groth16 verifier of the epoch circuit.
    pub verifier: Address,
    /// `SolidarityFund`.
    pub fund: Address,
    /// The fund's L2 account, opened by the fund's constructor (a queue entry the rollup's next
    /// batches consume as a deposit of 0 with the fund's key).
    pub fund_account: u32,
    /// Gas of the fund's deployment.
    pub gas_used: u64,
}

/// The fund's custom error in revert `data`, else the rollup's, else the raw data.
fn fund_revert(data: Bytes) -> L1Error {
    match SolidarityFundErrors::abi_decode(&data) {
        Ok(error) => {
            let name = SolidarityFundErrors::name_by_selector(error.selector()).unwrap_or("unknown error");
            L1Error::Data(format!("SolidarityFund reverted: {name} {error:?}"))
        }
        Err(_) => crate::client::revert_error(data),
    }
}

/// The `SolidarityFund` contract at one address, driven by the account of an [`L1Client`]
/// (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct FundClient {
    l1: L1Client,
    fund: Address,
}

impl FundClient {
    /// Deploys the verifier of the epoch circuit's key `vk` (generated and compiled here with
    /// solc-js in the dynamic input form, `notice` in its NatSpec) and `SolidarityFund` (clock:
    /// `l1`'s rollup, where its constructor opens the fund's L2 account; governance: `l1`'s
    /// signer), after checking that a key of provenance `key` may go to this chain
    /// ([`VerifierKey::check_keys`]); then makes it the rollup's fund (`Rollup.setFund`: `l1`'s
    /// signer must be the rollup's deployer).
    ///
    /// # Errors
    ///
    /// [`L1Error::InsecureDevKey`] before anything is sent; [`L1Error::Deploy`] for a verifier
    /// that does not compile; a failed deployment (`InvalidConfig`); the rollup's `NotDeployer`
    /// or `FundAlreadySet`; RPC errors.
    pub async fn deploy_with_key(
        l1: &L1Client,
        vk: &VerifyingKey<Bn254>,
        key: VerifierKey,
        notice: &str,
        config: &FundConfig,
    ) -> Result<(FundClient, FundDeployment), L1Error> {
        let chain_id = l1.chain_id().await?;
        key.check_keys(chain_id, std::slice::from_ref(vk))?;
        let verifier = epoch_verifier_artifact(vk, "EpochVerifier", notice)
            .map_err(|e| L1Error::Deploy(format!("compiling EpochVerifier with solc-js: {e}")))?;
        let (verifier, _) = l1.create_with(verifier.deploy_code(&[]), fund_revert).await?;
        let args = SolidarityFund::constructorCall {
            clock_: l1.rollup(),
            verifier_: verifier,
            registryRoot_: fr_to_u256(&config.registry_root),
            paramsHash_: fr_to_u256(&config.params_hash),
            settleWindow_: U256::from(config.settle_window),
        }
        .abi_encode();
        let code = solidarity_fund_artifact().map_err(|e| L1Error::Deploy(e.to_string()))?.deploy_code(&args);
        let (fund, outcome) = l1.create_with(code, fund_revert).await?;
        l1.transact_with(l1.rollup(), &Rollup::setFundCall { fund_: fund }, fund_revert).await?;
        let client = Self::connect(l1, fund);
        let fund_account = client.fund_account().await?;
        let deployment = FundDeployment { verifier, fund, fund_account, gas_used: outcome.gas_used };
        Ok((client, deployment))
    }

    /// The fund at `fund`, driven by `l1`'s account (sharing its send lock).
    pub fn connect(l1: &L1Client, fund: Address) -> FundClient {
        Self { l1: l1.clone(), fund }
    }

    /// The fund contract.
    pub fn address(&self) -> Address {
        self.fund
    }

    async fn view<C: alloy_sol_types::SolCall>(&self, call: &C) -> Result<C::Return, L1Error> {
        self.l1.call_with(self.fund, call, fund_revert).await
    }

    /// `settleEpoch(epoch, fundAfter, tableHash, lines, proof)` from the signer (the fund's
    /// settler); the table's moves are queued.
    ///
    /// # Errors
    ///
    /// `NotSettler`, `EpochNotEnded`, `EpochTooOld`, `AlreadySettled`, `SettlementLapsed`,
    /// `MovesPending`, `LineCount`, the members' errors (`NotMember`, `BioregionMismatch`,
    /// `MembersOutOfOrder`, `MemberMissing`: the lines do not cover exactly the fund's
    /// members), `InvalidProof` (as [`L1Error::Data`] naming the error); RPC errors.
    pub async fn settle_epoch(&self, settlement: &Settlement) -> Result<TxOutcome, L1Error> {
        let receipt = self.l1.transact_with(self.fund, &settlement.call(), fund_revert).await?;
        Ok(TxOutcome::of(&receipt))
    }

    /// The fund's balance as the settled tables leave it (0 before any).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn fund_balance(&self) -> Result<u64, L1Error> {
        self.view(&SolidarityFund::fundBalanceCall {}).await
    }

    /// Where the table of `epoch` is.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a state the contract has not.
    pub async fn epoch_state(&self, epoch: u32) -> Result<EpochState, L1Error> {
        let state = self.view(&SolidarityFund::epochStateCall { epoch }).await?;
        EpochState::from_u8(state).map_err(|e| L1Error::Data(format!("SolidarityFund.epochState: {e}")))
    }

    /// The fund's L2 account (`fundAccount`).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn fund_account(&self) -> Result<u32, L1Error> {
        self.view(&SolidarityFund::fundAccountCall {}).await
    }

    /// The move log's cursor `(next, end)`: moves `next..end` are queued and not carried out
    /// (`next == end`: none).
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a position above 2^64.
    pub async fn moves_pending(&self) -> Result<(u64, u64), L1Error> {
        let r = self.view(&SolidarityFund::movesPendingCall {}).await?;
        Ok((position(r.next)?, position(r.end)?))
    }

    /// The move at log position `position`.
    ///
    /// # Errors
    ///
    /// `NoSuchMove` at or past the log's end (as [`L1Error::Data`]); RPC errors.
    pub async fn move_at(&self, position: u64) -> Result<FundMove, L1Error> {
        let r = self.view(&SolidarityFund::moveAtCall { position: U256::from(position) }).await?;
        Ok(FundMove { from: r.from, to: r.to, amount: r.amount })
    }

    /// The pending moves, in order, and the log position of the first: what the rollup's next
    /// fund slots must carry out (a slot of kind 10 when the payer covers the amount, else of
    /// kind 11).
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for a word that is not a move.
    pub async fn pending_moves(&self) -> Result<(u64, Vec<FundMove>), L1Error> {
        let r = self.view(&SolidarityFund::pendingMovesCall {}).await?;
        let moves = r
            .moves
            .into_iter()
            .map(|w| unpack_move(w).map_err(|e| L1Error::Data(format!("SolidarityFund.pendingMoves: {e}"))))
            .collect::<Result<_, _>>()?;
        Ok((position(r.next)?, moves))
    }

    /// The settled table's hash of `epoch` (0 if not settled).
    ///
    /// # Errors
    ///
    /// RPC errors.
    pub async fn table_hash_of(&self, epoch: u32) -> Result<U256, L1Error> {
        self.view(&SolidarityFund::tableHashOfCall { epoch }).await
    }

    /// The fund's members, pool → bioregion (`members()`): the banks a settled table must
    /// cover, each with its bioregion, in ascending pool order.
    ///
    /// # Errors
    ///
    /// RPC errors; [`L1Error::Data`] for arrays that do not pair up.
    pub async fn members(&self) -> Result<Members, L1Error> {
        let r = self.view(&SolidarityFund::membersCall {}).await?;
        Members::from_arrays(&r.pools, &r.bioregions)
            .map_err(|e| L1Error::Data(format!("SolidarityFund.members: {e}")))
    }

    /// `admit(pool, bioregion)` from the signer (the fund's governance): bank `pool` (a
    /// registered bank of the rollup) becomes a member in `bioregion`, or a member's bioregion
    /// changes.
    ///
    /// # Errors
    ///
    /// `NotGovernance`, `NotABank`, `FundAccountNotMember`, `BadValue`, `TooManyMembers` (as
    /// [`L1Error::Data`] naming the error); RPC errors.
    pub async fn admit(&self, pool: u32, bioregion: u32) -> Result<TxOutcome, L1Error> {
        let call = SolidarityFund::admitCall { pool, bioregion };
        let receipt = self.l1.transact_with(self.fund, &call, fund_revert).await?;
        Ok(TxOutcome::of(&receipt))
    }

    /// `remove(pool)` from the signer (the fund's governance, or the bank's owner: it leaves).
    ///
    /// # Errors
    ///
    /// `NotGovernanceOrOwner`, `UnknownMember` (as [`L1Error::Data`]); RPC errors.
    pub async fn remove(&self, pool: u32) -> Result<TxOutcome, L1Error> {
        let receipt =
            self.l1.transact_with(self.fund, &SolidarityFund::removeCall { pool }, fund_revert).await?;
        Ok(TxOutcome::of(&receipt))
    }
}

/// A log position of the fund's moves.
fn position(x: U256) -> Result<u64, L1Error> {
    u64::try_from(x).map_err(|_| L1Error::Data(format!("SolidarityFund: move position {x} above 2^64")))
}

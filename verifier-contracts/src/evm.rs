//! An in-process EVM on revm: deploy, call, transact, read logs and gas.
//!
//! The chain is an in-memory state on the Osaka rules (Ethereum mainnet since December 2025),
//! chain id 1 (another with [`Evm::with_chain_id`]), base fee 0 and gas price 0: gas is measured and limited (16,777,216 per
//! transaction, EIP-7825) but costs no ether, so balances move only by the value sent. Nonces
//! are taken from the state, so callers never track them. Each [`Evm::transact`] commits and
//! mines its own block (anvil's automine: block number + 1, timestamp + 12 s); each
//! [`Evm::call`] runs on the current state and discards its changes (`eth_call`).
//! [`Evm::mine`] mines empty blocks, to let block-count deadlines pass.
//!
//! [`Evm::transact_env`] and [`Evm::simulate_env`] run a transaction exactly as given (caller,
//! nonce, gas limit, fees, chain id): what a JSON-RPC node in front of this chain needs
//! (`ccr_dev_chain::node`), where signed transactions pay for their gas.

use alloy_primitives::{Address, Bytes, Log, TxKind, U256};
use alloy_sol_types::SolCall;
use revm::bytecode::Bytecode;
pub use revm::context::result::ExecutionResult;
use revm::context::Context;
pub use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{DatabaseRef, ExecuteCommitEvm, ExecuteEvm, MainBuilder};

use crate::error::EvmError;

/// Gas limit of every transaction and call: the EIP-7825 cap.
pub const TX_GAS_LIMIT: u64 = 1 << 24;

/// Seconds between blocks.
pub const BLOCK_TIME: u64 = 12;
/// Timestamp of block 1 (2026-01-01T00:00:00Z); block `n` is `BLOCK_TIME · (n − 1)` later.
pub const GENESIS_TIMESTAMP: u64 = 1_767_225_600;

/// The hard fork the EVM runs.
pub const SPEC: SpecId = SpecId::OSAKA;

type Db = CacheDB<EmptyDB>;

/// What a successful transaction or call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Gas used, as a block would charge it (after refunds, including the 21,000 base and the
    /// calldata cost).
    pub gas_used: u64,
    /// Logs emitted, in order.
    pub logs: Vec<Log>,
    /// Return data (the runtime code for a creation).
    pub output: Bytes,
    /// Address of the created contract, for a creation.
    pub created: Option<Address>,
}

/// An Ethereum chain in memory (see the [module documentation](self)).
pub struct Evm {
    inner: MainnetEvm<MainnetContext<Db>>,
}

impl std::fmt::Debug for Evm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evm").field("spec", &SPEC).finish_non_exhaustive()
    }
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    /// An empty chain (chain id 1).
    pub fn new() -> Self {
        Self::with_chain_id(1)
    }

    /// An empty chain with chain id `chain_id` (31337 for a development chain, as anvil).
    pub fn with_chain_id(chain_id: u64) -> Self {
        let mut ctx: MainnetContext<Db> = Context::new(CacheDB::new(EmptyDB::default()), SPEC);
        ctx.cfg.chain_id = chain_id;
        ctx.block.number = U256::from(1);
        ctx.block.timestamp = U256::from(GENESIS_TIMESTAMP);
        Self { inner: ctx.build_mainnet() }
    }

    /// The chain id transactions must carry.
    pub fn chain_id(&self) -> u64 {
        self.inner.ctx.cfg.chain_id
    }

    /// Base fee of the next block, in wei (always 0 here).
    pub fn base_fee(&self) -> u64 {
        self.inner.ctx.block.basefee
    }

    /// Number of the block the next transaction goes into (the last mined block + 1).
    pub fn block_number(&self) -> u64 {
        self.inner.ctx.block.number.saturating_to()
    }

    /// Timestamp of the block the next transaction goes into.
    pub fn timestamp(&self) -> u64 {
        self.inner.ctx.block.timestamp.saturating_to()
    }

    /// Mines `blocks` empty blocks.
    pub fn mine(&mut self, blocks: u64) {
        let block = &mut self.inner.ctx.block;
        block.number += U256::from(blocks);
        block.timestamp += U256::from(blocks.saturating_mul(BLOCK_TIME));
    }

    fn db(&self) -> &Db {
        &self.inner.ctx.journaled_state.database
    }

    fn db_mut(&mut self) -> &mut Db {
        &mut self.inner.ctx.journaled_state.database
    }

    fn info(&self, who: Address) -> AccountInfo {
        // The in-memory database cannot fail.
        self.db().basic_ref(who).ok().flatten().unwrap_or_default()
    }

    /// Sets the balance of `who` (creating the account).
    pub fn set_balance(&mut self, who: Address, wei: U256) {
        let mut info = self.info(who);
        info.balance = wei;
        self.db_mut().insert_account_info(who, info);
    }

    /// The balance of `who`, in wei.
    pub fn balance(&self, who: Address) -> U256 {
        self.info(who).balance
    }

    /// The nonce of `who`.
    pub fn nonce(&self, who: Address) -> u64 {
        self.info(who).nonce
    }

    /// The runtime code at `who` (empty for an externally owned account).
    pub fn code(&self, who: Address) -> Bytes {
        self.info(who).code.map(|c| c.original_bytes()).unwrap_or_default()
    }

    /// Installs `runtime` as the code of `at`, without running a constructor (for test doubles).
    pub fn set_code(&mut self, at: Address, runtime: Bytes) {
        let info = self.info(at).with_code(Bytecode::new_raw(runtime));
        self.db_mut().insert_account_info(at, info);
    }

    fn tx(&self, from: Address, kind: TxKind, value: U256, data: Bytes) -> Result<TxEnv, EvmError> {
        TxEnv::builder()
            .caller(from)
            .kind(kind)
            .value(value)
            .data(data)
            .nonce(self.nonce(from))
            .gas_limit(TX_GAS_LIMIT)
            .gas_price(0)
            .chain_id(Some(self.chain_id()))
            .build()
            .map_err(|e| EvmError::Invalid(format!("{e:?}")))
    }

    /// Deploys `code` (creation code followed by constructor arguments) from `from`; returns
    /// the new contract's address and the receipt.
    ///
    /// # Errors
    ///
    /// As [`Evm::transact`]; [`EvmError::NoAddress`] if the creation returned none.
    pub fn deploy(&mut self, from: Address, code: Bytes) -> Result<(Address, Receipt), EvmError> {
        let receipt = self.execute(from, TxKind::Create, U256::ZERO, code, true)?;
        let address = receipt.created.ok_or(EvmError::NoAddress)?;
        Ok((address, receipt))
    }

    /// Sends a transaction from `from` to `to` with `value` wei and calldata `data`, and commits
    /// its effects.
    ///
    /// # Errors
    ///
    /// [`EvmError::Revert`] or [`EvmError::Halt`] (nothing is committed but the nonce and
    /// gas, which cost nothing here), [`EvmError::Invalid`] when revm refuses the transaction
    /// (e.g. `from` cannot pay `value`).
    pub fn transact(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
    ) -> Result<Receipt, EvmError> {
        self.execute(from, TxKind::Call(to), value, data, true)
    }

    /// Runs a call from `from` to `to` on the current state without committing it (`eth_call`).
    ///
    /// # Errors
    ///
    /// As [`Evm::transact`].
    pub fn call(&mut self, from: Address, to: Address, data: Bytes) -> Result<Receipt, EvmError> {
        self.execute(from, TxKind::Call(to), U256::ZERO, data, false)
    }

    /// [`Evm::call`] of a typed function; returns its decoded outputs.
    ///
    /// # Errors
    ///
    /// As [`Evm::call`]; [`EvmError::Decode`] on return data of another shape.
    pub fn call_sol<C: SolCall>(&mut self, to: Address, call: &C) -> Result<C::Return, EvmError> {
        let receipt = self.call(Address::ZERO, to, call.abi_encode().into())?;
        Ok(C::abi_decode_returns(&receipt.output)?)
    }

    /// [`Evm::transact`] of a typed function.
    ///
    /// # Errors
    ///
    /// As [`Evm::transact`].
    pub fn transact_sol<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: &C,
    ) -> Result<Receipt, EvmError> {
        self.transact(from, to, value, call.abi_encode().into())
    }

    /// Runs `tx` exactly as given (caller, nonce, gas limit, fees, chain id), commits its
    /// effects and mines its block; a reverted or halted transaction is included too (its
    /// nonce and gas are spent), so it is an `Ok` here: see [`ExecutionResult::is_success`].
    ///
    /// # Errors
    ///
    /// [`EvmError::Invalid`] when revm refuses the transaction (wrong nonce or chain id, the
    /// caller cannot pay, gas limit above [`TX_GAS_LIMIT`], ...): nothing is committed and no
    /// block is mined.
    pub fn transact_env(&mut self, tx: TxEnv) -> Result<ExecutionResult, EvmError> {
        let result = self.inner.transact_commit(tx).map_err(|e| EvmError::Invalid(e.to_string()))?;
        self.mine(1);
        Ok(result)
    }

    /// Runs `tx` on the current state without committing it or mining a block (`eth_call`,
    /// `eth_estimateGas`).
    ///
    /// # Errors
    ///
    /// As [`Evm::transact_env`].
    pub fn simulate_env(&mut self, tx: TxEnv) -> Result<ExecutionResult, EvmError> {
        self.inner.transact(tx).map(|r| r.result).map_err(|e| EvmError::Invalid(e.to_string()))
    }

    fn execute(
        &mut self,
        from: Address,
        kind: TxKind,
        value: U256,
        data: Bytes,
        commit: bool,
    ) -> Result<Receipt, EvmError> {
        let tx = self.tx(from, kind, value, data)?;
        let result =
            if commit { self.inner.transact_commit(tx) } else { self.inner.transact(tx).map(|r| r.result) }
                .map_err(|e| EvmError::Invalid(e.to_string()))?;
        if commit {
            // Included (even when reverted): the transaction had its own block.
            self.mine(1);
        }
        let gas_used = result.tx_gas_used();
        match result {
            ExecutionResult::Success { logs, output, .. } => {
                let created = output.address().copied();
                Ok(Receipt { gas_used, logs, output: output.into_data(), created })
            }
            ExecutionResult::Revert { output, .. } => Err(EvmError::Revert { output, gas_used }),
            ExecutionResult::Halt { reason, .. } => {
                Err(EvmError::Halt { reason: format!("{reason:?}"), gas_used })
            }
        }
    }
}

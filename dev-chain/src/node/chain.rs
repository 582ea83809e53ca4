//! The chain behind the embedded node: the revm [`Evm`] plus what a node keeps besides the
//! state: block headers, transactions, receipts and logs. One transaction per block (automine).

use std::collections::HashMap;

use alloy_consensus::proofs::{calculate_receipt_root, calculate_transaction_root};
use alloy_consensus::transaction::{Recovered, SignerRecoverable};
use alloy_consensus::{
    Eip658Value, Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction as _, TxEnvelope,
};
use alloy_eips::eip2718::Decodable2718;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{logs_bloom, Address, Bytes, Log, TxKind, B256, U256};
use alloy_rpc_types_eth::{
    Block, BlockTransactions, FeeHistory, Filter, FilterBlockOption, Transaction, TransactionReceipt,
    TransactionRequest,
};
use ccr_verifier_contracts::evm::{ExecutionResult, TxEnv, TX_GAS_LIMIT};
use ccr_verifier_contracts::Evm;

use crate::error::NodeError;

/// Chain id of the embedded L1 (anvil's default).
pub const CHAIN_ID: u64 = 31337;
/// Gas limit written in block headers.
pub const BLOCK_GAS_LIMIT: u64 = 30_000_000;
/// The priority fee the node suggests (`eth_maxPriorityFeePerGas`), in wei: the base fee is 0,
/// so this is also the suggested gas price.
pub const SUGGESTED_PRIORITY_FEE: u128 = 1;
/// Most blocks one `eth_getLogs` may scan, as providers cap it. Above the blocks the devnet
/// mines to move the clock past a 30-day epoch (216,000 at 12 s: this node has no
/// `evm_increaseTime`), so that what reads the rollup's logs from its deployment block (the
/// audit, the deposit watcher) still works after that jump.
pub const MAX_LOG_RANGE: u64 = 1_000_000;

/// A mined block: its header and the hash of its transaction (none for an empty block).
#[derive(Debug, Clone)]
struct BlockRecord {
    header: Header,
    hash: B256,
    tx: Option<B256>,
}

/// An included transaction and its receipt.
#[derive(Debug, Clone)]
struct TxRecord {
    tx: Recovered<TxEnvelope>,
    block: u64,
    block_hash: B256,
    timestamp: u64,
    receipt: ReceiptEnvelope,
    gas_used: u64,
    effective_gas_price: u128,
    contract_address: Option<Address>,
}

type Job = Box<dyn FnOnce(&mut Chain) + Send>;

/// Requests to the chain, which lives on a thread of its own (revm's EVM is not `Send`); the
/// thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct ChainHandle {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl ChainHandle {
    /// Starts the thread of a fresh [`Chain::new`].
    pub(crate) fn spawn(accounts: Vec<Address>, balance: U256) -> std::io::Result<Self> {
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new().name("embedded-l1".into()).spawn(move || {
            let mut chain = Chain::new(&accounts, balance);
            while let Ok(job) = rx.recv() {
                job(&mut chain);
            }
        })?;
        Ok(Self { jobs })
    }

    /// Runs `f` on the chain's thread.
    pub(crate) async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Chain) -> Result<T, NodeError> + Send + 'static,
    ) -> Result<T, NodeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |chain| {
                // The requester may have gone away: nothing to answer then.
                let _ = reply.send(f(chain));
            }))
            .map_err(|_| NodeError::Stopped)?;
        answer.await.map_err(|_| NodeError::Stopped)?
    }
}

/// The embedded chain (see the [module documentation](self)).
#[derive(Debug)]
pub(crate) struct Chain {
    evm: Evm,
    /// `blocks[n]` is block `n`; the next transaction goes into block `blocks.len()`.
    blocks: Vec<BlockRecord>,
    txs: HashMap<B256, TxRecord>,
}

fn empty_header(number: u64, parent_hash: B256, timestamp: u64) -> Header {
    Header {
        parent_hash,
        number,
        timestamp,
        gas_limit: BLOCK_GAS_LIMIT,
        base_fee_per_gas: Some(0),
        withdrawals_root: Some(alloy_consensus::EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        ..Header::default()
    }
}

fn quantity(what: &str, x: U256) -> Result<u64, NodeError> {
    u64::try_from(x).map_err(|_| NodeError::InvalidParams(format!("{what} {x} does not fit 64 bits")))
}

impl Chain {
    /// A fresh chain: genesis block 0, `accounts` funded with `balance` wei each.
    pub(crate) fn new(accounts: &[Address], balance: U256) -> Self {
        let mut evm = Evm::with_chain_id(CHAIN_ID);
        for a in accounts {
            evm.set_balance(*a, balance);
        }
        let timestamp = evm.timestamp().saturating_sub(ccr_verifier_contracts::evm::BLOCK_TIME);
        let header = empty_header(0, B256::ZERO, timestamp);
        let hash = header.hash_slow();
        Self { evm, blocks: vec![BlockRecord { header, hash, tx: None }], txs: HashMap::new() }
    }

    pub(crate) fn chain_id(&self) -> u64 {
        self.evm.chain_id()
    }

    /// The latest mined block.
    pub(crate) fn latest(&self) -> u64 {
        self.blocks.len() as u64 - 1
    }

    fn latest_record(&self) -> &BlockRecord {
        // `blocks` always holds genesis.
        &self.blocks[self.blocks.len() - 1]
    }

    fn resolve_tag(&self, tag: BlockNumberOrTag) -> u64 {
        match tag {
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Number(n) => n,
            BlockNumberOrTag::Latest
            | BlockNumberOrTag::Pending
            | BlockNumberOrTag::Safe
            | BlockNumberOrTag::Finalized => self.latest(),
        }
    }

    /// Checks that a state query targets the latest state (`latest`, `pending`, its number or
    /// hash, or none).
    fn check_state_at(&self, at: Option<BlockId>) -> Result<(), NodeError> {
        let latest = self.latest();
        let ok = match at {
            None => true,
            Some(BlockId::Number(tag)) => self.resolve_tag(tag) == latest,
            Some(BlockId::Hash(h)) => h.block_hash == self.latest_record().hash,
        };
        if ok {
            Ok(())
        } else {
            Err(NodeError::HistoricalState { requested: format!("{at:?}"), latest })
        }
    }

    pub(crate) fn balance(&self, who: Address, at: Option<BlockId>) -> Result<U256, NodeError> {
        self.check_state_at(at)?;
        Ok(self.evm.balance(who))
    }

    pub(crate) fn nonce(&self, who: Address, at: Option<BlockId>) -> Result<u64, NodeError> {
        self.check_state_at(at)?;
        Ok(self.evm.nonce(who))
    }

    pub(crate) fn code(&self, who: Address, at: Option<BlockId>) -> Result<Bytes, NodeError> {
        self.check_state_at(at)?;
        Ok(self.evm.code(who))
    }

    /// Mines `n` empty blocks.
    pub(crate) fn mine(&mut self, n: u64) {
        for _ in 0..n {
            let header =
                empty_header(self.evm.block_number(), self.latest_record().hash, self.evm.timestamp());
            let hash = header.hash_slow();
            self.blocks.push(BlockRecord { header, hash, tx: None });
            self.evm.mine(1);
        }
    }

    /// The transaction of an `eth_call` or `eth_estimateGas` request: fees are ignored (a call
    /// pays nothing), the nonce is the sender's.
    fn request_env(&self, req: &TransactionRequest, gas_limit: u64) -> Result<TxEnv, NodeError> {
        let from = req.from.unwrap_or_default();
        let kind = req.to.unwrap_or(TxKind::Create);
        let data = req.input.input().cloned().unwrap_or_default();
        TxEnv::builder()
            .caller(from)
            .kind(kind)
            .value(req.value.unwrap_or_default())
            .data(data)
            .nonce(self.evm.nonce(from))
            .gas_limit(gas_limit)
            .gas_price(0)
            .chain_id(Some(self.chain_id()))
            .build()
            .map_err(|e| NodeError::InvalidParams(format!("{e:?}")))
    }

    fn simulate(&mut self, req: &TransactionRequest, gas_limit: u64) -> Result<ExecutionResult, NodeError> {
        let env = self.request_env(req, gas_limit)?;
        self.evm.simulate_env(env).map_err(|e| NodeError::InvalidTransaction(e.to_string()))
    }

    /// `eth_call`: the output of `req` on the latest state.
    pub(crate) fn call(&mut self, req: &TransactionRequest, at: Option<BlockId>) -> Result<Bytes, NodeError> {
        self.check_state_at(at)?;
        let gas = req.gas.unwrap_or(TX_GAS_LIMIT).min(TX_GAS_LIMIT);
        match self.simulate(req, gas)? {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(NodeError::Reverted { data: output }),
            ExecutionResult::Halt { reason, .. } => Err(NodeError::Halted(format!("{reason:?}"))),
        }
    }

    /// `eth_estimateGas`: the least gas limit (within 1/64) under which `req` succeeds, found by
    /// bisection as anvil and geth do (refunds and the 63/64 rule make the gas used too little).
    pub(crate) fn estimate_gas(
        &mut self,
        req: &TransactionRequest,
        at: Option<BlockId>,
    ) -> Result<u64, NodeError> {
        self.check_state_at(at)?;
        let cap = req.gas.unwrap_or(TX_GAS_LIMIT).min(TX_GAS_LIMIT);
        let used = match self.simulate(req, cap)? {
            ExecutionResult::Success { gas, .. } => gas.tx_gas_used(),
            ExecutionResult::Revert { output, .. } => return Err(NodeError::Reverted { data: output }),
            ExecutionResult::Halt { reason, .. } => return Err(NodeError::Halted(format!("{reason:?}"))),
        };
        let ok = |chain: &mut Self, limit: u64| -> Result<bool, NodeError> {
            Ok(matches!(chain.simulate(req, limit), Ok(r) if r.is_success()))
        };
        let (mut lo, mut hi) = (used.saturating_sub(1), cap);
        // Most calls need little more than they use: try that first.
        let guess = used.saturating_mul(64) / 63 + 2_300;
        if guess < hi && ok(self, guess)? {
            hi = guess;
        }
        while hi - lo > 1 && (hi - lo) * 64 > hi {
            let mid = lo + (hi - lo) / 2;
            if ok(self, mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// `eth_sendRawTransaction`: decodes, recovers the signer, checks chain id and nonce,
    /// executes and mines the transaction in its own block; returns its hash.
    pub(crate) fn send_raw(&mut self, raw: &[u8]) -> Result<B256, NodeError> {
        let mut buf = raw;
        let envelope = TxEnvelope::decode_2718(&mut buf)
            .map_err(|e| NodeError::InvalidParams(format!("undecodable transaction: {e}")))?;
        if !buf.is_empty() {
            return Err(NodeError::InvalidParams(format!("{} bytes after the transaction", buf.len())));
        }
        let ty = envelope.tx_type();
        if !matches!(envelope, TxEnvelope::Legacy(_) | TxEnvelope::Eip2930(_) | TxEnvelope::Eip1559(_)) {
            return Err(NodeError::InvalidParams(format!(
                "transaction type {ty} is not supported by the embedded L1 (legacy, EIP-2930 and \
                 EIP-1559 are)"
            )));
        }
        let from = envelope
            .recover_signer()
            .map_err(|e| NodeError::InvalidParams(format!("cannot recover the signer: {e}")))?;
        match envelope.chain_id() {
            Some(id) if id == self.chain_id() => {}
            other => {
                return Err(NodeError::InvalidTransaction(format!(
                    "chain id {other:?}, expected {} (pre-EIP-155 transactions are refused)",
                    self.chain_id()
                )))
            }
        }
        let nonce = self.evm.nonce(from);
        if envelope.nonce() != nonce {
            let which = if envelope.nonce() < nonce { "too low" } else { "too high" };
            return Err(NodeError::InvalidTransaction(format!(
                "nonce {which}: transaction has {}, account {from} is at {nonce}",
                envelope.nonce()
            )));
        }
        let hash = *envelope.tx_hash();
        let env = TxEnv::builder()
            .tx_type(Some(ty as u8))
            .caller(from)
            .kind(envelope.kind())
            .value(envelope.value())
            .data(envelope.input().clone())
            .nonce(envelope.nonce())
            .gas_limit(envelope.gas_limit())
            .gas_price(envelope.max_fee_per_gas())
            .gas_priority_fee(envelope.max_priority_fee_per_gas())
            .chain_id(envelope.chain_id())
            .access_list(envelope.access_list().cloned().unwrap_or_default())
            .build()
            .map_err(|e| NodeError::InvalidParams(format!("{e:?}")))?;

        let (number, timestamp) = (self.evm.block_number(), self.evm.timestamp());
        let base_fee = u128::from(self.evm.base_fee());
        let result = self.evm.transact_env(env).map_err(|e| NodeError::InvalidTransaction(e.to_string()))?;
        let effective_gas_price = envelope.effective_gas_price(Some(self.evm.base_fee())).max(base_fee);
        let gas_used = result.tx_gas_used();
        let (success, logs, contract_address) = match result {
            ExecutionResult::Success { logs, output, .. } => (true, logs, output.address().copied()),
            ExecutionResult::Revert { .. } | ExecutionResult::Halt { .. } => (false, Vec::new(), None),
        };
        let receipt = Receipt { status: Eip658Value::Eip658(success), cumulative_gas_used: gas_used, logs };
        let bloom = logs_bloom(receipt.logs.iter());
        let receipt = ReceiptEnvelope::from_typed(ty, ReceiptWithBloom::new(receipt, bloom));
        let header = Header {
            transactions_root: calculate_transaction_root(std::slice::from_ref(&envelope)),
            receipts_root: calculate_receipt_root(std::slice::from_ref(&receipt)),
            logs_bloom: bloom,
            gas_used,
            ..empty_header(number, self.latest_record().hash, timestamp)
        };
        let block_hash = header.hash_slow();
        self.blocks.push(BlockRecord { header, hash: block_hash, tx: Some(hash) });
        let tx = Recovered::new_unchecked(envelope, from);
        self.txs.insert(
            hash,
            TxRecord {
                tx,
                block: number,
                block_hash,
                timestamp,
                receipt,
                gas_used,
                effective_gas_price,
                contract_address,
            },
        );
        Ok(hash)
    }

    fn rpc_log(record: &TxRecord, hash: B256, log_index: usize, log: &Log) -> alloy_rpc_types_eth::Log {
        alloy_rpc_types_eth::Log {
            inner: log.clone(),
            block_hash: Some(record.block_hash),
            block_number: Some(record.block),
            block_timestamp: Some(record.timestamp),
            transaction_hash: Some(hash),
            transaction_index: Some(0),
            log_index: Some(log_index as u64),
            removed: false,
        }
    }

    pub(crate) fn receipt(&self, hash: B256) -> Option<TransactionReceipt> {
        let r = self.txs.get(&hash)?;
        let inner = r.receipt.clone().into_rpc_logs(r, hash);
        Some(TransactionReceipt {
            inner,
            transaction_hash: hash,
            transaction_index: Some(0),
            block_hash: Some(r.block_hash),
            block_number: Some(r.block),
            gas_used: r.gas_used,
            effective_gas_price: r.effective_gas_price,
            blob_gas_used: None,
            blob_gas_price: None,
            from: r.tx.signer(),
            to: r.tx.to(),
            contract_address: r.contract_address,
        })
    }

    fn rpc_tx(r: &TxRecord) -> Transaction {
        Transaction {
            inner: r.tx.clone(),
            block_hash: Some(r.block_hash),
            block_number: Some(r.block),
            transaction_index: Some(0),
            effective_gas_price: Some(r.effective_gas_price),
            block_timestamp: Some(r.timestamp),
        }
    }

    pub(crate) fn transaction(&self, hash: B256) -> Option<Transaction> {
        self.txs.get(&hash).map(Self::rpc_tx)
    }

    pub(crate) fn block(&self, tag: BlockNumberOrTag, full: bool) -> Option<Block> {
        let n = usize::try_from(self.resolve_tag(tag)).ok()?;
        let b = self.blocks.get(n)?;
        let transactions = match (b.tx, full) {
            (None, true) => BlockTransactions::Full(Vec::new()),
            (None, false) => BlockTransactions::Hashes(Vec::new()),
            (Some(h), false) => BlockTransactions::Hashes(vec![h]),
            (Some(h), true) => {
                BlockTransactions::Full(self.txs.get(&h).map(Self::rpc_tx).into_iter().collect())
            }
        };
        let mut header = alloy_rpc_types_eth::Header::new(b.header.clone());
        header.hash = b.hash;
        Some(Block { header, uncles: Vec::new(), transactions, withdrawals: Some(Default::default()) })
    }

    /// `eth_feeHistory`: base fees (all 0), gas used ratios, and the priority fee each block's
    /// transaction paid at every percentile (one transaction per block).
    pub(crate) fn fee_history(
        &self,
        count: U256,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> Result<FeeHistory, NodeError> {
        let count = quantity("block count", count)?.min(1024);
        let newest = self.resolve_tag(newest);
        if newest > self.latest() {
            return Err(NodeError::FutureBlock { requested: newest, latest: self.latest() });
        }
        let oldest = (newest + 1).saturating_sub(count);
        let blocks = &self.blocks[oldest as usize..=newest as usize];
        let reward = percentiles.map(|p| {
            blocks
                .iter()
                .map(|b| {
                    let tip =
                        b.tx.and_then(|h| self.txs.get(&h))
                            .and_then(|r| r.tx.effective_tip_per_gas(self.evm.base_fee()))
                            .unwrap_or(0);
                    vec![tip; p.len()]
                })
                .collect()
        });
        let n = blocks.len();
        Ok(FeeHistory {
            base_fee_per_gas: vec![0; n + 1],
            gas_used_ratio: blocks
                .iter()
                .map(|b| b.header.gas_used as f64 / BLOCK_GAS_LIMIT as f64)
                .collect(),
            base_fee_per_blob_gas: vec![1; n + 1],
            blob_gas_used_ratio: vec![0.0; n],
            oldest_block: oldest,
            reward,
        })
    }

    /// `eth_getLogs`: logs of the blocks of `filter` matching its addresses and topics.
    pub(crate) fn logs(&self, filter: &Filter) -> Result<Vec<alloy_rpc_types_eth::Log>, NodeError> {
        let latest = self.latest();
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(h) => {
                let n = self
                    .blocks
                    .iter()
                    .position(|b| b.hash == h)
                    .ok_or_else(|| NodeError::InvalidParams(format!("unknown block hash {h}")))?
                    as u64;
                (n, n)
            }
            FilterBlockOption::Range { from_block, to_block } => (
                from_block.map_or(latest, |t| self.resolve_tag(t)),
                to_block.map_or(latest, |t| self.resolve_tag(t)).min(latest),
            ),
        };
        if from > to {
            return Ok(Vec::new());
        }
        if to - from >= MAX_LOG_RANGE {
            return Err(NodeError::InvalidParams(format!(
                "block range {from}..={to} is wider than {MAX_LOG_RANGE} blocks: query in parts"
            )));
        }
        let mut out = Vec::new();
        for b in &self.blocks[from as usize..=to as usize] {
            let Some((hash, record)) = b.tx.and_then(|h| self.txs.get(&h).map(|r| (h, r))) else {
                continue;
            };
            for (i, log) in record.receipt.logs().iter().enumerate() {
                if filter.matches(log) {
                    out.push(Self::rpc_log(record, hash, i, log));
                }
            }
        }
        Ok(out)
    }
}

trait IntoRpcLogs {
    fn into_rpc_logs(self, record: &TxRecord, hash: B256) -> ReceiptEnvelope<alloy_rpc_types_eth::Log>;
}

impl IntoRpcLogs for ReceiptEnvelope {
    fn into_rpc_logs(self, record: &TxRecord, hash: B256) -> ReceiptEnvelope<alloy_rpc_types_eth::Log> {
        let mut i = 0usize;
        self.map_logs(|log| {
            let l = Chain::rpc_log(record, hash, i, &log);
            i += 1;
            l
        })
    }
}

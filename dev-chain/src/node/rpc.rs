//! The Ethereum JSON-RPC subset the embedded node serves: one jsonrpsee trait, its
//! implementation over the shared `Chain`, and the middleware that names unsupported methods.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, Bytes, B256, U256, U64};
use alloy_rpc_types_eth::{Block, FeeHistory, Filter, Transaction, TransactionReceipt, TransactionRequest};
use jsonrpsee::core::middleware::{Batch, Notification, RpcServiceT};
use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use jsonrpsee::server::middleware::rpc::MethodResponse;
use jsonrpsee::types::{ErrorObjectOwned, Request};
use tracing::debug;

use crate::error::{NodeError, CODE_INVALID_PARAMS, CODE_METHOD_NOT_FOUND};
use crate::node::chain::{Chain, ChainHandle, SUGGESTED_PRIORITY_FEE};

/// The methods of the embedded L1: what alloy's provider (wallet and recommended fillers,
/// receipts, logs) and [`ccr_l1::client::L1Client`] call, with anvil's `evm_mine`/`anvil_mine`.
#[rpc(server)]
pub trait EthApi {
    /// Chain id (31337).
    #[method(name = "eth_chainId")]
    async fn chain_id(&self) -> RpcResult<U64>;

    /// Network id, the chain id in decimal.
    #[method(name = "net_version")]
    async fn net_version(&self) -> RpcResult<String>;

    /// Number of the latest block.
    #[method(name = "eth_blockNumber")]
    async fn block_number(&self) -> RpcResult<U64>;

    /// Balance in wei.
    #[method(name = "eth_getBalance")]
    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256>;

    /// Nonce of an account.
    #[method(name = "eth_getTransactionCount")]
    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64>;

    /// Runtime code at an address.
    #[method(name = "eth_getCode")]
    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes>;

    /// Suggested legacy gas price.
    #[method(name = "eth_gasPrice")]
    async fn gas_price(&self) -> RpcResult<U256>;

    /// Suggested priority fee.
    #[method(name = "eth_maxPriorityFeePerGas")]
    async fn max_priority_fee(&self) -> RpcResult<U256>;

    /// Base fees, gas ratios and rewards of recent blocks.
    #[method(name = "eth_feeHistory")]
    async fn fee_history(
        &self,
        block_count: U256,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory>;

    /// Gas a transaction needs.
    #[method(name = "eth_estimateGas")]
    async fn estimate_gas(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<U64>;

    /// Runs a call on the latest state.
    #[method(name = "eth_call")]
    async fn call(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<Bytes>;

    /// Executes a signed transaction in a block of its own.
    #[method(name = "eth_sendRawTransaction")]
    async fn send_raw_transaction(&self, raw: Bytes) -> RpcResult<B256>;

    /// Receipt of an included transaction.
    #[method(name = "eth_getTransactionReceipt")]
    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>>;

    /// An included transaction.
    #[method(name = "eth_getTransactionByHash")]
    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>>;

    /// A block, with transaction hashes or full transactions.
    #[method(name = "eth_getBlockByNumber")]
    async fn block_by_number(&self, block: BlockNumberOrTag, full: bool) -> RpcResult<Option<Block>>;

    /// Logs matching a filter.
    #[method(name = "eth_getLogs")]
    async fn logs(&self, filter: Filter) -> RpcResult<Vec<alloy_rpc_types_eth::Log>>;

    /// Mines one empty block (no options).
    #[method(name = "evm_mine")]
    async fn evm_mine(&self, options: Option<serde_json::Value>) -> RpcResult<String>;

    /// Mines `blocks` empty blocks (default 1).
    #[method(name = "anvil_mine")]
    async fn anvil_mine(&self, blocks: Option<U256>, interval: Option<U256>) -> RpcResult<()>;
}

/// The server side: requests to the chain's thread.
#[derive(Debug, Clone)]
pub(crate) struct EthRpc {
    pub(crate) chain: ChainHandle,
}

impl EthRpc {
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Chain) -> Result<T, NodeError> + Send + 'static,
    ) -> RpcResult<T> {
        Ok(self.chain.with(f).await?)
    }
}

#[jsonrpsee::core::async_trait]
impl EthApiServer for EthRpc {
    async fn chain_id(&self) -> RpcResult<U64> {
        self.with(move |c| Ok(U64::from(c.chain_id()))).await
    }

    async fn net_version(&self) -> RpcResult<String> {
        self.with(move |c| Ok(c.chain_id().to_string())).await
    }

    async fn block_number(&self) -> RpcResult<U64> {
        self.with(move |c| Ok(U64::from(c.latest()))).await
    }

    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        self.with(move |c| c.balance(address, block)).await
    }

    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64> {
        self.with(move |c| c.nonce(address, block).map(U64::from)).await
    }

    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        self.with(move |c| c.code(address, block)).await
    }

    async fn gas_price(&self) -> RpcResult<U256> {
        Ok(U256::from(SUGGESTED_PRIORITY_FEE))
    }

    async fn max_priority_fee(&self) -> RpcResult<U256> {
        Ok(U256::from(SUGGESTED_PRIORITY_FEE))
    }

    async fn fee_history(
        &self,
        block_count: U256,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        self.with(move |c| c.fee_history(block_count, newest, percentiles)).await
    }

    async fn estimate_gas(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<U64> {
        self.with(move |c| c.estimate_gas(&request, block).map(U64::from)).await
    }

    async fn call(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<Bytes> {
        self.with(move |c| c.call(&request, block)).await
    }

    async fn send_raw_transaction(&self, raw: Bytes) -> RpcResult<B256> {
        self.with(move |c| c.send_raw(&raw)).await
    }

    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
        self.with(move |c| Ok(c.receipt(hash))).await
    }

    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>> {
        self.with(move |c| Ok(c.transaction(hash))).await
    }

    async fn block_by_number(&self, block: BlockNumberOrTag, full: bool) -> RpcResult<Option<Block>> {
        self.with(move |c| Ok(c.block(block, full))).await
    }

    async fn logs(&self, filter: Filter) -> RpcResult<Vec<alloy_rpc_types_eth::Log>> {
        self.with(move |c| c.logs(&filter)).await
    }

    async fn evm_mine(&self, options: Option<serde_json::Value>) -> RpcResult<String> {
        if options.as_ref().is_some_and(|o| !o.is_null()) {
            return Err(ErrorObjectOwned::owned(
                CODE_INVALID_PARAMS,
                "evm_mine options (timestamp, blocks) are not supported by the embedded L1: use \
                 anvil_mine(blocks)",
                None::<()>,
            ));
        }
        self.with(move |c| {
            c.mine(1);
            Ok("0x0".to_owned())
        })
        .await
    }

    async fn anvil_mine(&self, blocks: Option<U256>, interval: Option<U256>) -> RpcResult<()> {
        if interval.is_some_and(|i| !i.is_zero()) {
            return Err(ErrorObjectOwned::owned(
                CODE_INVALID_PARAMS,
                "anvil_mine with an interval is not supported by the embedded L1 (blocks are 12 s apart)",
                None::<()>,
            ));
        }
        let n = blocks.unwrap_or(U256::from(1));
        let n = u64::try_from(n).ok().filter(|n| *n <= 1_000_000).ok_or_else(|| {
            ErrorObjectOwned::owned(
                CODE_INVALID_PARAMS,
                format!("anvil_mine: {n} blocks is too many (at most 1,000,000)"),
                None::<()>,
            )
        })?;
        self.with(move |c| {
            c.mine(n);
            Ok(())
        })
        .await
    }
}

/// Counts of the methods called, by name (unknown ones included).
pub(crate) type CallCounts = Arc<Mutex<BTreeMap<String, u64>>>;

/// RPC middleware: counts calls by method and answers a method the node does not serve with
/// -32601 naming it (jsonrpsee's own answer does not name it). Calls inside a JSON-RPC batch
/// are passed through unchanged (jsonrpsee answers unknown ones there with a plain -32601).
#[derive(Debug, Clone)]
pub(crate) struct MethodGuard<S> {
    pub(crate) inner: S,
    pub(crate) known: Arc<HashSet<String>>,
    pub(crate) calls: CallCounts,
}

impl<S> RpcServiceT for MethodGuard<S>
where
    S: RpcServiceT<MethodResponse = MethodResponse> + Clone + Send + Sync + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(&self, req: Request<'a>) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        let method = req.method_name().to_owned();
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(method.clone()).or_default() += 1;
        }
        let known = self.known.contains(&method);
        let inner = self.inner.clone();
        async move {
            if known {
                inner.call(req).await
            } else {
                debug!(target: "l1::node", method = %method, "unsupported method");
                MethodResponse::error(
                    req.id().into_owned(),
                    ErrorObjectOwned::owned(
                        CODE_METHOD_NOT_FOUND,
                        format!("method `{method}` is not supported by the embedded L1"),
                        None::<()>,
                    ),
                )
            }
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        n: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.inner.notification(n)
    }
}

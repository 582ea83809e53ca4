//! The embedded L1: the revm chain of [`ccr_verifier_contracts::Evm`] behind an Ethereum
//! JSON-RPC server (HTTP, jsonrpsee), for the tests and the one-machine setup.
//!
//! Chain id 31337, anvil's ten development accounts ([`ccr_l1::DEV_KEYS`]) with 10,000 ETH each,
//! automine (every transaction is mined at once in a block of its own, 12 s after the last),
//! base fee 0 (a transaction pays its priority fee, 1 wei per gas as the node suggests it).
//! The node keeps only the latest state: `eth_call` and the balance/nonce/code queries at an
//! older block are refused, not answered wrongly. It serves exactly the methods of
//! [`rpc::EthApiServer`]; any other answers JSON-RPC error -32601 naming the method.
//!
//! [`rpc::EthApiServer`]: crate::node::rpc::EthApiServer

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, U256};
use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
use jsonrpsee::server::{Server, ServerHandle};
use tracing::info;

use ccr_l1::L1Error;
use ccr_l1::DEV_KEYS;

/// The chain: state, blocks, receipts, logs.
pub(crate) mod chain;
/// The JSON-RPC methods.
pub mod rpc;

use chain::ChainHandle;
pub use chain::{BLOCK_GAS_LIMIT, CHAIN_ID, SUGGESTED_PRIORITY_FEE};
use rpc::{CallCounts, EthApiServer, EthRpc, MethodGuard};

/// Balance of each development account at genesis: 10,000 ETH.
pub fn dev_balance() -> U256 {
    U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64))
}

/// The addresses of [`DEV_KEYS`].
pub fn dev_accounts() -> Vec<Address> {
    DEV_KEYS
        .iter()
        .map(|k| PrivateKeySigner::from_str(k).map(|s| s.address()).expect("the dev keys are valid keys"))
        .collect()
}

/// The embedded L1 node (see the [module documentation](self)).
#[derive(Debug)]
pub struct EmbeddedL1;

impl EmbeddedL1 {
    /// Starts a fresh chain served on `addr` (port 0 picks a free port: see
    /// [`EmbeddedL1Handle::url`]).
    ///
    /// # Errors
    ///
    /// [`L1Error::Listen`] when the address cannot be bound.
    pub async fn start(addr: SocketAddr) -> Result<EmbeddedL1Handle, L1Error> {
        let chain = ChainHandle::spawn(dev_accounts(), dev_balance())
            .map_err(|source| L1Error::Listen { addr, source })?;
        let module = EthRpc { chain }.into_rpc();
        let known: Arc<HashSet<String>> = Arc::new(module.method_names().map(str::to_owned).collect());
        let calls: CallCounts = Arc::default();
        let guard_calls = calls.clone();
        let middleware = RpcServiceBuilder::new().layer_fn(move |inner| MethodGuard {
            inner,
            known: known.clone(),
            calls: guard_calls.clone(),
        });
        let server = Server::builder()
            .set_rpc_middleware(middleware)
            .build(addr)
            .await
            .map_err(|source| L1Error::Listen { addr, source })?;
        let local = server.local_addr().map_err(|source| L1Error::Listen { addr, source })?;
        let handle = server.start(module);
        info!(target: "l1::node", addr = %local, chain_id = CHAIN_ID, "embedded L1 listening");
        Ok(EmbeddedL1Handle { addr: local, handle, calls })
    }
}

/// A running embedded L1; dropping it without [`EmbeddedL1Handle::stop`] stops the server too.
#[derive(Debug)]
pub struct EmbeddedL1Handle {
    addr: SocketAddr,
    handle: ServerHandle,
    calls: CallCounts,
}

impl EmbeddedL1Handle {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The HTTP URL of the server (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many times each method was called since the start, unknown methods included.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Stops the server and waits until it has.
    pub async fn stop(self) {
        // Err only when it is already stopped.
        let _ = self.handle.stop();
        self.handle.stopped().await;
    }
}

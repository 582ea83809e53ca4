//! The embedded L1: the rollup flow through alloy, the JSON-RPC surface alloy relies on, and
//! the errors of what it does not serve.

use std::net::SocketAddr;

use alloy::providers::{Provider, ProviderBuilder};
use alloy::transports::RpcError;
use alloy_primitives::U256;
use ccr_dev_chain::node::{dev_accounts, dev_balance, EmbeddedL1, EmbeddedL1Handle, CHAIN_ID};

use crate::common::{addr, rollup_flow};

async fn start() -> EmbeddedL1Handle {
    EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("start the embedded L1")
}

#[tokio::test(flavor = "multi_thread")]
async fn rollup_flow_on_embedded_l1() {
    let node = start().await;
    rollup_flow(&node.url()).await;
    let calls = node.calls();
    println!("methods called: {calls:?}");
    for m in
        ["eth_sendRawTransaction", "eth_estimateGas", "eth_getTransactionReceipt", "eth_getLogs", "eth_call"]
    {
        assert!(calls.contains_key(m), "{m} was not called: {calls:?}");
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_accounts_and_chain() {
    let node = start().await;
    ccr_l1::tls::init();
    let provider = ProviderBuilder::new().connect_http(node.url().parse().expect("url"));
    assert_eq!(provider.get_chain_id().await.expect("chain id"), CHAIN_ID);
    assert_eq!(provider.get_block_number().await.expect("block"), 0);
    for a in dev_accounts() {
        assert_eq!(provider.get_balance(a).await.expect("balance"), dev_balance());
    }
    assert_eq!(
        dev_accounts()[0],
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse::<alloy_primitives::Address>().expect("address")
    );
    assert_eq!(provider.get_balance(addr(7)).await.expect("balance"), U256::ZERO);
    let _: serde_json::Value =
        provider.raw_request("anvil_mine".into(), (U256::from(3),)).await.expect("mine");
    let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await.expect("mine");
    assert_eq!(provider.get_block_number().await.expect("block"), 4);
    let block = provider.get_block_by_number(4.into()).await.expect("block").expect("mined");
    let parent = provider.get_block_by_number(3.into()).await.expect("block").expect("mined");
    assert_eq!(block.header.parent_hash, parent.header.hash);
    assert_eq!(block.header.timestamp, parent.header.timestamp + 12);
    assert!(provider.get_block_by_number(5.into()).await.expect("block").is_none());
    // State at an older block is refused, not answered from the latest state.
    let err = provider.get_balance(addr(7)).number(1).await.expect_err("historical state");
    assert!(err.to_string().contains("latest state"), "{err}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_method_is_refused_by_name() {
    let node = start().await;
    ccr_l1::tls::init();
    let provider = ProviderBuilder::new().connect_http(node.url().parse().expect("url"));
    let err = provider
        .raw_request::<_, serde_json::Value>("eth_getProof".into(), ())
        .await
        .expect_err("eth_getProof is not served");
    let RpcError::ErrorResp(payload) = err else { panic!("not an error response: {err}") };
    assert_eq!(payload.code, -32601);
    assert!(payload.message.contains("eth_getProof"), "{}", payload.message);
    node.stop().await;
}

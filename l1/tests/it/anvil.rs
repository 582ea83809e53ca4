//! The same rollup flow against anvil (`@foundry-rs/anvil`, pinned in `tools/js`), started on a
//! free loopback port by [`ccr_l1::anvil::Anvil`].

use ccr_l1::anvil::Anvil;

use crate::common::rollup_flow;

#[tokio::test(flavor = "multi_thread")]
async fn rollup_flow_on_anvil() {
    let anvil = Anvil::start().await.expect("anvil starts (scripts/deps installs it)");
    rollup_flow(anvil.url()).await;
}

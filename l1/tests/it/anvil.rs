//! The same rollup flow against anvil (`@foundry-rs/anvil`, pinned in `tools/js`), started on a
//! free loopback port.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alloy::providers::{Provider, ProviderBuilder};

use crate::common::rollup_flow;

/// A running anvil, killed on drop.
struct Anvil {
    child: Child,
    url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn anvil_binary() -> PathBuf {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tools/js/node_modules/@foundry-rs/anvil-{os}-{arch}/bin/anvil"));
    assert!(
        path.is_file(),
        "anvil is missing at {}: run `scripts/deps` (npm ci --prefix tools/js installs the pinned \
         @foundry-rs/anvil)",
        path.display()
    );
    path
}

async fn start_anvil() -> Anvil {
    let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let child = Command::new(anvil_binary())
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start anvil");
    let anvil = Anvil { child, url: format!("http://127.0.0.1:{port}") };
    let provider = ProviderBuilder::new().connect_http(anvil.url.parse().expect("url"));
    for _ in 0..100 {
        if provider.get_chain_id().await.is_ok() {
            return anvil;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("anvil did not answer on {} within 10 s", anvil.url);
}

#[tokio::test(flavor = "multi_thread")]
async fn rollup_flow_on_anvil() {
    let anvil = start_anvil().await;
    rollup_flow(&anvil.url).await;
}

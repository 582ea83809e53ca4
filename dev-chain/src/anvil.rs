//! anvil (Foundry's local Ethereum node, npm `@foundry-rs/anvil-linux-amd64` pinned in `tools/js`) as a
//! child process on a free loopback port: the "any Ethereum JSON-RPC node" of the tests and of
//! `ccr-devnet --anvil`. Its default development accounts are [`ccr_l1::DEV_KEYS`].

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alloy::providers::{Provider, ProviderBuilder};

use ccr_l1::L1Error;

/// A running anvil, killed when dropped.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `scripts/deps` installs anvil (`npm ci --prefix tools/js`), in this source tree.
pub fn anvil_binary() -> PathBuf {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tools/js/node_modules/@foundry-rs/anvil-{os}-{arch}/bin/anvil"))
}

impl Anvil {
    /// Starts anvil (the binary of [`anvil_binary`], or `$ANVIL` when set) on a free port of
    /// 127.0.0.1 and waits until it answers (10 s at most).
    ///
    /// # Errors
    ///
    /// [`L1Error::Anvil`] when the binary is missing (run `scripts/deps`), does not start or
    /// does not answer.
    pub async fn start() -> Result<Self, L1Error> {
        Self::spawn(&[]).await
    }

    /// As [`Anvil::start`], with chain id `chain_id` instead of anvil's 31337 (a stand-in for
    /// a public chain: deployments that must be refused off development chains).
    ///
    /// # Errors
    ///
    /// As [`Anvil::start`].
    pub async fn start_on_chain(chain_id: u64) -> Result<Self, L1Error> {
        Self::spawn(&["--chain-id", &chain_id.to_string()]).await
    }

    async fn spawn(extra_args: &[&str]) -> Result<Self, L1Error> {
        let binary = std::env::var_os("ANVIL").map(PathBuf::from).unwrap_or_else(anvil_binary);
        if !binary.is_file() {
            return Err(L1Error::Anvil(format!(
                "anvil is missing at {}: run `scripts/deps` (npm ci --prefix tools/js installs the pinned anvil for linux-x64) or set ANVIL to an anvil binary",
                binary.display()
            )));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| L1Error::Anvil(format!("no free loopback port: {e}")))?
            .port();
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--quiet"])
            .args(extra_args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| L1Error::Anvil(format!("starting {}: {e}", binary.display())))?;
        let anvil = Self { child, url: format!("http://127.0.0.1:{port}") };
        let url = anvil.url.parse().map_err(|e| L1Error::Anvil(format!("{}: {e}", anvil.url)))?;
        ccr_l1::tls::init();
        let provider = ProviderBuilder::new().connect_http(url);
        for _ in 0..100 {
            if provider.get_chain_id().await.is_ok() {
                return Ok(anvil);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(L1Error::Anvil(format!("anvil did not answer on {} within 10 s", anvil.url)))
    }

    /// Its JSON-RPC URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

//! Regenerates `src/Groth16Verifier.sol` for [`COMMITTED_VERIFIER_KEY`] (the insecure
//! development key of depth 24, 16 slots, seed `[0x42; 32]`), then prints the next
//! step. About 20 s in release:
//!
//! ```text
//! cargo run --release -p ccr-verifier-contracts --example generate_verifier
//! node tools/js/build-contracts.js
//! ```

use std::path::Path;
use std::time::Instant;

use ccr_verifier_contracts::COMMITTED_VERIFIER_KEY;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = COMMITTED_VERIFIER_KEY;
    let started = Instant::now();
    eprintln!("development setup of {:?} ...", key.params);
    let keypair = key.keypair()?;
    eprintln!("keys in {:.1} s", started.elapsed().as_secs_f64());
    let source = key.verifier_source(&keypair.vk, "Groth16Verifier")?;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/Groth16Verifier.sol");
    std::fs::write(&out, source)?;
    eprintln!("wrote {}; now run `node tools/js/build-contracts.js`", out.display());
    Ok(())
}

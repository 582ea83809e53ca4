//! `ccr-prover demo`: the whole cryptographic pipeline on one machine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::merkle::PRODUCTION_DEPTH;
use ccr_circuits::state::tx::{Deposit, Tx, UnsignedTx};
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_prover::batch::{batch_circuit_name, dev_setup_batch, prove_batch};
use ccr_prover::export::snarkjs::SnarkjsVerifyingKey;
use ccr_prover::export::{write_snarkjs_files, write_solidity_calldata};
use ccr_prover::{verify, ProofBundle};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::EXIT_OK;

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Depth of the account tree (production: 24).
    #[arg(long, default_value_t = PRODUCTION_DEPTH)]
    depth: usize,
    /// Transaction slots in the batch.
    #[arg(long, default_value_t = 8)]
    batch: usize,
    /// Members who open accounts by deposit.
    #[arg(long, default_value_t = 4)]
    members: u32,
    /// Where keys, the proof bundle and its snarkjs/Solidity exports are written.
    #[arg(long, default_value = "target/demo", value_name = "DIR")]
    out: PathBuf,
    /// Seed of the members' keys and of the transfers (the demo is reproducible).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("  {spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn done<T>(pb: ProgressBar, what: &str, started: Instant, value: T) -> T {
    pb.finish_and_clear();
    println!("  {what} in {:.1} s", started.elapsed().as_secs_f64());
    value
}

/// Runs the demo.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    // The demo's batch belongs to no deployment: keys do not depend on the domain.
    let params = RollupParams::new(args.depth, args.batch, ccr_circuits::state::Domain::NONE)?;
    if args.members < 2 || args.members as usize + 2 > args.batch {
        bail!("--members must be at least 2 and leave room for 2 transfers in --batch {}", args.batch);
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut rng = ChaCha20Rng::seed_from_u64(args.seed);

    println!("Community credit rollup demo: tree depth {}, {} slots per batch", args.depth, args.batch);
    let mut state = RollupState::new(params)?;
    let genesis = state.root();
    let keys: Vec<PrivateKey> = (0..args.members).map(|_| PrivateKey::from_bytes(rng.gen())).collect();

    println!("\n1. Members deposit on L1; the batch consumes the deposit queue and opens their accounts");
    let mut batch = BatchBuilder::new(&state);
    for (i, key) in keys.iter().enumerate() {
        let amount = rng.gen_range(100..1_000) * 1_000;
        let deposit = Deposit { index: i as u32, pubkey: Some(key.public_key()), amount };
        batch.push(&mut state, &Tx::Deposit(deposit))?;
        println!("   member {i}: deposit {amount:>7} → account {i}");
    }

    println!("\n2. Members sign transfers with their Baby Jubjub keys (EdDSA-Poseidon)");
    let n = args.members;
    let mut remaining = args.batch - batch.len();
    let mut i = 0;
    while remaining > 0 {
        let (from, to) = (i % n, (i + 1) % n);
        let nonce = state.account(from).map(|a| a.nonce).context("sender account")?;
        let amount = rng.gen_range(1..50) * 1_000;
        let tx = if remaining == 1 {
            UnsignedTx::exit(from, amount, nonce)?
        } else {
            UnsignedTx::transfer(from, to, amount, nonce)?
        };
        let signed =
            Tx::Signed(tx.with_signature(sign_poseidon(&keys[from as usize], tx.message(&params.domain))));
        batch.push(&mut state, &signed)?;
        if remaining == 1 {
            println!("   account {from}: exit {amount:>6} to L1");
        } else {
            println!("   account {from} → account {to}: {amount:>6}");
        }
        i += 1;
        remaining -= 1;
    }
    let witness = batch.finish_from(&state);
    let data = witness.tx_data();
    println!("\n3. The batch: {} bytes of transaction data for L1 (12 per transaction)", data.len());
    println!("   old root   {}", genesis);
    println!("   new root   {}", witness.new_root);
    println!("   commitment {}  (the proof's single public input)", witness.public_commitment());

    println!("\n4. Groth16 keys for the batch circuit (deterministic development setup: INSECURE, not for production)");
    let t = Instant::now();
    let pb = spinner("generating proving and verifying keys");
    let keypair = done(pb, "keys generated", t, dev_setup_batch(params, [0x42; 32])?);
    let (pk_file, vk_file) = keypair.into_key_files(batch_circuit_name(&params));
    pk_file.save(&args.out.join(ccr_prover::batch::PROVING_KEY_FILE))?;
    vk_file.save(&args.out.join(ccr_prover::batch::VERIFYING_KEY_FILE))?;
    println!("   verifying key hash {}", vk_file.key_hash()?);

    println!("\n5. Prove the batch");
    let t = Instant::now();
    let pb = spinner("proving");
    let prover = ccr_prover::batch::batch_prover(pk_file.key, params)?;
    let (proof, commitment) =
        done(pb, "proof generated", t, prove_batch(&prover, witness, &mut rand::rngs::OsRng)?);

    println!("\n6. Verify, as the L1 contract and any auditor do");
    let valid = verify(&vk_file.key, &[commitment], &proof)?;
    println!("   proof with the true commitment:     {}", if valid { "valid" } else { "INVALID" });
    let forged = verify(&vk_file.key, &[commitment + ccr_prover::Fr::from(1u64)], &proof)?;
    println!("   proof with a different commitment:  {}", if forged { "valid (!)" } else { "rejected" });
    if !valid || forged {
        bail!("verification did not behave as it must");
    }

    ProofBundle { proof: proof.clone(), public_inputs: vec![commitment] }.save(&args.out)?;
    write_snarkjs_files(&args.out, &SnarkjsVerifyingKey::from_key_file(&vk_file), &proof, &[commitment])?;
    write_solidity_calldata(&args.out, &proof, &[commitment])?;
    let out = args.out.display();
    println!("\n7. Written to {out}: keys, proof.bin + public.json, snarkjs JSON, Solidity calldata. Check it yourself:");
    println!("   cargo run --release -p ccr-prover -- verify --vk {out}/batch.vk --proof {out}/proof.bin --public {out}/public.json");
    println!("   node tools/js/node_modules/snarkjs/cli.js groth16 verify {out}/verification_key.json {out}/public.json {out}/proof.json");
    println!(
        "\nSummary: {} members, {} transactions proven from genesis to the new root; proof valid.",
        n, args.batch
    );
    Ok(ExitCode::from(EXIT_OK))
}

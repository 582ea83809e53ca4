//! `ccr-prover ceremony`: the multi-party setup's steps that are ours (the circuit's `.r1cs`,
//! the coordinator's check of each contribution, the import of the final `.zkey`), beside
//! snarkjs's (`zkey new`, `zkey contribute`, `zkey beacon`, `zkey verify`), and our own
//! snarkjs-compatible `contribute`, `beacon` and `verify` (seconds where snarkjs takes minutes).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use ccr_prover::atomic::write_atomic;
use ccr_prover::ceremony::snarkjs::Snarkjs;
use ccr_prover::ceremony::test_ceremony::{run_test_ceremony, Engine, TestCeremony};
use ccr_prover::ceremony::{
    check_extends, file_blake2b, import_zkey, phase2, ptau, ptau_power, r1cs, zkey, CeremonyCircuit,
    ContributionKind, Imported,
};
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};

use super::{EXIT_INVALID, EXIT_OK};

const CIRCUITS: &str = "\
CIRCUITS
  batch-d<depth>-n<slots>                          the batch circuit (production: batch-d24-n16)
  eligibility-<inputs>x<tiers>-d<depth>            the eligibility circuit of a policy shape
                                                   (production: eligibility-64x4-d24)
  vote-process-s<state>-v<vote>-b<messages>        a poll's message processing
  vote-tally-s<state>-v<vote>-t<ballots>           a poll's tally

THE FLOW (snarkjs 0.7: `npx snarkjs` or tools/js/node_modules/snarkjs/cli.js)
  coordinator   ccr-prover ceremony r1cs --circuit NAME
                snarkjs zkey new NAME.r1cs PHASE1.ptau NAME_0000.zkey
                  (PHASE1: the Perpetual Powers of Tau, powersOfTau28_hez_final_XX.ptau, XX at
                  least the power `r1cs` prints)
  contributor   snarkjs zkey contribute NAME_000i.zkey NAME_000j.zkey --name=WHO
                  (type random text; keep the contribution hash it prints; wipe the machine)
                or: ccr-prover ceremony contribute --zkey NAME_000i.zkey --out NAME_000j.zkey --name WHO
                  (the same file format, entropy from the operating system)
  coordinator   snarkjs zkey verify NAME.r1cs PHASE1.ptau NAME_000j.zkey
                  (or, once the initial key is verified: ccr-prover ceremony verify
                  --initial NAME_0000.zkey --zkey NAME_000j.zkey, seconds instead of minutes)
                ccr-prover ceremony check-contribution --previous NAME_000i.zkey --next NAME_000j.zkey
                  (accept only if both pass; otherwise NAME_000i stays the latest)
                snarkjs zkey beacon NAME_last.zkey NAME_final.zkey <PUBLIC RANDOM HEX> 10 --name=beacon
                ccr-prover ceremony import --circuit NAME --zkey NAME_final.zkey --ptau PHASE1.ptau
                  (publish NAME.vk and NAME.transcript.json; contributors find their hash in it)";

/// Arguments of `ccr-prover ceremony`.
#[derive(Debug, Args)]
pub struct CeremonyArgs {
    /// The step.
    #[command(subcommand)]
    step: Step,
}

#[derive(Debug, Subcommand)]
enum Step {
    /// Write a circuit's constraint system as circom's .r1cs (for `snarkjs zkey new`), and
    /// print its sizes and the powers-of-tau power it needs.
    #[command(after_long_help = CIRCUITS)]
    R1cs {
        /// The circuit, named as its key files name it (see CIRCUITS below).
        #[arg(long, value_name = "NAME")]
        circuit: String,
        /// Output file [default: NAME.r1cs].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The coordinator's check that an uploaded key extends the latest accepted one by exactly
    /// one contribution (exit 0 accept, 1 refuse). Run `snarkjs zkey verify` on it as well:
    /// that checks the contributions' cryptography, this that the contributor built on the
    /// latest key.
    #[command(name = "check-contribution", after_long_help = CIRCUITS)]
    CheckContribution {
        /// The latest accepted key.
        #[arg(long, value_name = "ZKEY")]
        previous: PathBuf,
        /// The uploaded key.
        #[arg(long, value_name = "ZKEY")]
        next: PathBuf,
    },
    /// Import a ceremony's final .zkey as our key files: checks that it is the circuit's key
    /// (counts and every coefficient of A and B; with --ptau, `snarkjs zkey verify` against our
    /// own .r1cs) with at least one contribution, then writes NAME.pk,
    /// NAME.vk and NAME.transcript.json (every contribution's hash, the beacon, the hashes of
    /// the .r1cs, the .zkey and the keys).
    #[command(after_long_help = CIRCUITS)]
    Import {
        /// The circuit, named as its key files name it.
        #[arg(long, value_name = "NAME")]
        circuit: String,
        /// The final key of the ceremony (after the beacon).
        #[arg(long, value_name = "ZKEY")]
        zkey: PathBuf,
        /// Where to write the key files and the transcript.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out_dir: PathBuf,
        /// The phase-1 .ptau of the ceremony: the key is then checked by `snarkjs zkey verify`
        /// against our own export of the circuit (C and every point, beyond the A and B
        /// coefficients the import compares), and the file's BLAKE2b-512 goes into the
        /// transcript, to compare with the checksum its ceremony published.
        #[arg(long, value_name = "FILE")]
        ptau: Option<PathBuf>,
    },
    /// INSECURE, tests only: a prepared powers of tau (.ptau) from one party's secret, in
    /// seconds. A real ceremony starts from a public phase 1 (the Perpetual Powers of Tau).
    #[command(name = "test-ptau")]
    TestPtau {
        /// log2 of the number of powers (the circuit's domain doubled: `r1cs` prints it).
        #[arg(long)]
        power: u32,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// A contribution (snarkjs's `zkey contribute`, in Rust): multiplies δ by a secret drawn
    /// from the operating system's generator, which is dropped when it returns. Prints the
    /// contribution hash: keep it, and find it in the final transcript.
    Contribute {
        /// The latest accepted key.
        #[arg(long, value_name = "ZKEY")]
        zkey: PathBuf,
        /// The new key to upload.
        #[arg(long, value_name = "ZKEY")]
        out: PathBuf,
        /// Your name as it will stand in the transcript (64 characters at most).
        #[arg(long)]
        name: Option<String>,
    },
    /// The closing random beacon (snarkjs's `zkey beacon`, in Rust): a contribution anyone can
    /// recompute from a public value fixed after the last contribution (a future block hash).
    Beacon {
        /// The key after the last contribution.
        #[arg(long, value_name = "ZKEY")]
        zkey: PathBuf,
        /// The final key.
        #[arg(long, value_name = "ZKEY")]
        out: PathBuf,
        /// The beacon's public value, hex.
        #[arg(long, value_name = "HEX")]
        hash: String,
        /// log2 of the SHA-256 iterations over it (10 to 63).
        #[arg(long, default_value_t = 10)]
        iterations_exp: u8,
    },
    /// Check a key against the ceremony's initial key (exit 0 valid, 1 invalid): every
    /// contribution's transcript and proof of knowledge, δ following them, the beacon
    /// recomputed, the circuit's sections unchanged, L and H divided by exactly the final δ.
    /// What `snarkjs zkey verify` checks, less recomputing the initial key from the .r1cs and
    /// the phase 1: verify that once with snarkjs.
    Verify {
        /// The initial key (`snarkjs zkey new`'s output).
        #[arg(long, value_name = "ZKEY")]
        initial: PathBuf,
        /// The key to check.
        #[arg(long, value_name = "ZKEY")]
        zkey: PathBuf,
    },
    /// TEST SIZE: a whole ceremony on this machine (a one-party phase 1, the contributions, a
    /// beacon, the final key verified, the import), writing the keys into DIR. Shows the flow;
    /// its keys are as insecure as the phase 1, and their files are flagged
    /// insecure_dev_setup.
    #[command(name = "test-run", after_long_help = CIRCUITS)]
    TestRun {
        /// The circuit.
        #[arg(long, value_name = "NAME")]
        circuit: String,
        /// Directory for the ceremony's files and the keys.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Contributions before the beacon.
        #[arg(long, default_value_t = 3)]
        contributions: usize,
        /// Verify every contribution, not only the final key (with snarkjs: `zkey verify`,
        /// about a minute per 2^14 constraints each).
        #[arg(long)]
        verify_each: bool,
        /// Who runs phase 2: `rust` (this program: seconds) or `snarkjs` (Node.js: minutes;
        /// every file of the flow is written, the .ptau and .r1cs included).
        #[arg(long, value_enum, default_value_t = EngineArg::Rust)]
        engine: EngineArg,
    },
}

/// `--engine`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum EngineArg {
    Rust,
    Snarkjs,
}

pub fn run(args: CeremonyArgs) -> anyhow::Result<ExitCode> {
    match args.step {
        Step::R1cs { circuit, out } => {
            let circuit = CeremonyCircuit::from_name(&circuit)?;
            let matrices = circuit.matrices()?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("{}.r1cs", circuit.name())));
            let bytes = r1cs::to_r1cs(&matrices);
            write_atomic(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            println!("  constraints     {}", matrices.num_constraints());
            println!("  public inputs   {}", matrices.num_instance_variables() - 1);
            println!(
                "  wires           {}",
                matrices.num_instance_variables() + matrices.num_witness_variables()
            );
            println!("  phase 1 power   {} or more", ptau_power(&matrices)?);
            println!("  sha256          {}", hex::encode(Sha256::digest(&bytes)));
            Ok(ExitCode::from(EXIT_OK))
        }
        Step::CheckContribution { previous, next } => {
            let previous = read_mpc(&previous)?;
            let next_mpc = read_mpc(&next)?;
            match check_extends(&previous, &next_mpc) {
                Ok(()) => {
                    let c = next_mpc.contributions.last().expect("one more than the previous");
                    let kind =
                        if c.kind == ContributionKind::Contributor { "contribution" } else { "beacon" };
                    println!(
                        "accepted: {kind} {} ({}), hash {}",
                        next_mpc.contributions.len(),
                        c.name.as_deref().unwrap_or("unnamed"),
                        hex::encode(c.hash())
                    );
                    Ok(ExitCode::from(EXIT_OK))
                }
                Err(e) => {
                    println!("REFUSED: {e}");
                    Ok(ExitCode::from(EXIT_INVALID))
                }
            }
        }
        Step::Import { circuit, zkey, out_dir, ptau } => {
            let circuit = CeremonyCircuit::from_name(&circuit)?;
            eprintln!("synthesizing {} ...", circuit.name());
            let matrices = circuit.matrices()?;
            let bytes = std::fs::read(&zkey).with_context(|| format!("reading {}", zkey.display()))?;
            let mut imported = import_zkey(&circuit, &matrices, &bytes)
                .with_context(|| format!("importing {}", zkey.display()))?;
            match ptau {
                Some(ptau) => {
                    // The import compares A and B; C and every point are what `zkey verify`
                    // checks, against our own export of the circuit.
                    let dir = tempfile::tempdir().context("a temporary directory")?;
                    let r1cs_path = dir.path().join(format!("{}.r1cs", circuit.name()));
                    write_atomic(&r1cs_path, &r1cs::to_r1cs(&matrices))?;
                    eprintln!("snarkjs zkey verify against our own {} ...", r1cs_path.display());
                    Snarkjs::locate()?.verify(&r1cs_path, &ptau, &zkey)?;
                    imported.transcript.phase1_blake2b = Some(file_blake2b(&ptau)?);
                }
                None => eprintln!(
                    "WARNING: without --ptau only the counts and the A and B coefficients were compared: \
                     run `snarkjs zkey verify` with `ccr-prover ceremony r1cs --circuit {}`'s file and the phase 1 \
                     (it covers C and every point)",
                    circuit.name()
                ),
            }
            save(&imported, &out_dir)
        }
        Step::TestPtau { power, out } => {
            eprintln!("WARNING: a one-party phase 1: whoever runs this can forge proofs under any key made over it. Tests only.");
            let bytes = ptau::test_ptau(power, &mut rand::rngs::OsRng)?;
            write_atomic(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {} (2^{power} powers)", out.display());
            Ok(ExitCode::from(EXIT_OK))
        }
        Step::Contribute { zkey, out, name } => {
            let bytes = std::fs::read(&zkey).with_context(|| format!("reading {}", zkey.display()))?;
            let (next, contribution) = phase2::contribute(&bytes, name.as_deref(), &mut rand::rngs::OsRng)
                .with_context(|| format!("contributing to {}", zkey.display()))?;
            write_atomic(&out, &next).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            println!("contribution hash (keep it; it must appear in the final transcript):");
            println!("  {}", hex::encode(contribution.hash()));
            Ok(ExitCode::from(EXIT_OK))
        }
        Step::Beacon { zkey, out, hash, iterations_exp } => {
            let value = hex::decode(hash.trim_start_matches("0x")).context("--hash: not hex")?;
            let bytes = std::fs::read(&zkey).with_context(|| format!("reading {}", zkey.display()))?;
            let (next, contribution) = phase2::beacon(&bytes, Some("beacon"), &value, iterations_exp)?;
            write_atomic(&out, &next).with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {} (beacon hash {})", out.display(), hex::encode(contribution.hash()));
            Ok(ExitCode::from(EXIT_OK))
        }
        Step::Verify { initial, zkey } => {
            let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
            let (init, key) = (read(&initial)?, read(&zkey)?);
            match phase2::verify_chain(&init, &key, &mut rand::rngs::OsRng) {
                Ok(()) => {
                    let mpc = zkey::read_mpc_params(&key)?;
                    println!(
                        "{}: valid, {} contributions over {}",
                        zkey.display(),
                        mpc.contributions.len(),
                        initial.display()
                    );
                    for (i, c) in mpc.contributions.iter().enumerate() {
                        println!(
                            "  #{} {:<16} {}",
                            i + 1,
                            c.name.as_deref().unwrap_or("-"),
                            hex::encode(c.hash())
                        );
                    }
                    Ok(ExitCode::from(EXIT_OK))
                }
                Err(ccr_prover::CeremonyError::Invalid(reason)) => {
                    eprintln!("INVALID: {reason}");
                    Ok(ExitCode::from(EXIT_INVALID))
                }
                Err(e) => Err(e.into()),
            }
        }
        Step::TestRun { circuit, dir, contributions, verify_each, engine } => {
            let circuit = CeremonyCircuit::from_name(&circuit)?;
            let engine = match engine {
                EngineArg::Rust => Engine::Rust,
                EngineArg::Snarkjs => Engine::Snarkjs(Snarkjs::locate()?),
            };
            eprintln!("TEST SIZE: the phase 1 is one party's (this process's): the keys are INSECURE.");
            let (imported, _) = run_test_ceremony(
                &engine,
                &circuit,
                &dir,
                TestCeremony { contributions, verify_each },
                &mut rand::rngs::OsRng,
                &mut |line| eprintln!("{line}"),
            )?;
            save(&imported, &dir)
        }
    }
}

fn read_mpc(path: &Path) -> anyhow::Result<zkey::MpcParams> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    zkey::read_mpc_params(&bytes).with_context(|| format!("reading {}", path.display()))
}

/// Writes `NAME.pk`, `NAME.vk` and `NAME.transcript.json` into `dir` and prints the transcript.
fn save(imported: &Imported, dir: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let t = &imported.transcript;
    let (pk, vk) = imported.keypair.clone().into_key_files(t.circuit.clone());
    let path = |ext: &str| dir.join(format!("{}.{ext}", t.circuit));
    pk.save(&path("pk")).with_context(|| format!("writing {}", path("pk").display()))?;
    vk.save(&path("vk")).with_context(|| format!("writing {}", path("vk").display()))?;
    let json = serde_json::to_vec_pretty(t)?;
    write_atomic(&path("transcript.json"), &json)
        .with_context(|| format!("writing {}", path("transcript.json").display()))?;
    println!("{}: imported", t.circuit);
    for c in &t.contributions {
        println!("  #{} {:<12} {:<16} {}", c.index, c.kind, c.name.as_deref().unwrap_or("-"), c.hash);
    }
    if let Some(hash) = &t.phase1_blake2b {
        println!("  phase 1   blake2b {hash}");
    }
    println!("  vk hash   {}", t.vk_hash);
    println!(
        "  wrote     {}, {}, {}",
        path("pk").display(),
        path("vk").display(),
        path("transcript.json").display()
    );
    Ok(ExitCode::from(EXIT_OK))
}

//! A whole test-size ceremony on one machine: a one-party phase 1, contributions, a beacon,
//! the checks a coordinator makes, the import. Phase 2 runs in snarkjs ([`Engine::Snarkjs`],
//! the tools every circom ceremony uses) or in Rust ([`Engine::Rust`],
//! [`crate::ceremony::phase2`]: the same files in seconds instead of minutes, which is what
//! lets the devnet make every key this way at start).

use std::path::{Path, PathBuf};

use ark_std::rand::{CryptoRng, RngCore};

use super::phase2;
use super::ptau::TestPhase1;
use super::snarkjs::Snarkjs;
use super::{check_extends, import_zkey, ptau_power, r1cs, zkey, CeremonyCircuit, Imported};
use crate::atomic::write_atomic;
use crate::error::ProverError;

/// Who runs phase 2.
#[derive(Clone, Debug)]
pub enum Engine {
    /// snarkjs: `zkey new` over a `.ptau` file, `zkey contribute`, `zkey beacon`, `zkey
    /// verify` of the final key against the `.r1cs` and the `.ptau`.
    Snarkjs(Snarkjs),
    /// [`crate::ceremony::phase2`]: the initial key from the phase's secrets (no `.ptau`
    /// file), contributions, the beacon and [`phase2::verify_chain`] of the final key against
    /// the initial one. Only the initial and the final keys are written.
    Rust,
}

/// The files of a test-size ceremony, in its directory.
#[derive(Clone, Debug)]
pub struct TestCeremonyFiles {
    /// The one-party phase 1 (`phase1.ptau`; snarkjs only).
    pub ptau: Option<PathBuf>,
    /// The circuit (`NAME.r1cs`; snarkjs only).
    pub r1cs: Option<PathBuf>,
    /// The keys in order: the initial one, (snarkjs: one per contribution,) the final one.
    pub zkeys: Vec<PathBuf>,
}

/// How a test-size ceremony runs.
#[derive(Clone, Copy, Debug)]
pub struct TestCeremony {
    /// Contributions before the beacon.
    pub contributions: usize,
    /// Verify every contribution as a coordinator does, not only the final key (which checks
    /// the whole chain again): with snarkjs, `zkey verify`, about a minute per 2¹⁴
    /// constraints each time; in Rust, [`phase2::verify_chain`].
    pub verify_each: bool,
}

/// **Test size.** A whole ceremony for `circuit`: a one-party phase 1 (INSECURE), the
/// contributions with entropy from `rng`, each checked by [`check_extends`] as a coordinator
/// would, a beacon, the final key verified, the import. The keys carry the
/// `insecure_dev_setup` flag (the phase 1 is one party's), so deployments off development
/// chains refuse them. `say` hears each step.
///
/// # Errors
///
/// Any step's error; a contribution refused stops the ceremony.
pub fn run_test_ceremony<R: RngCore + CryptoRng>(
    engine: &Engine,
    circuit: &CeremonyCircuit,
    dir: &Path,
    how: TestCeremony,
    rng: &mut R,
    say: &mut dyn FnMut(&str),
) -> Result<(Imported, TestCeremonyFiles), ProverError> {
    std::fs::create_dir_all(dir).map_err(|e| ProverError::io(dir, e))?;
    let started = std::time::Instant::now();
    let mut say = |line: &str| say(&format!("{line} [{:.1} s]", started.elapsed().as_secs_f64()));
    let name = circuit.name();
    say(&format!("{name}: synthesizing the constraint system"));
    let matrices = circuit.matrices()?;
    let power = ptau_power(&matrices)?;
    say(&format!(
        "{name}: {} constraints; phase 1 of 2^{power} powers (ONE PARTY: test only)",
        matrices.num_constraints()
    ));
    let phase1 = TestPhase1::random(power, rng)?;
    let zkey_path = |i: usize| dir.join(format!("{name}_{i:04}.zkey"));
    let final_path = zkey_path(how.contributions + 1);
    let mut files = TestCeremonyFiles { ptau: None, r1cs: None, zkeys: vec![zkey_path(0)] };
    let mut beacon = [0u8; 32];
    rng.fill_bytes(&mut beacon);
    let final_bytes = match engine {
        Engine::Snarkjs(snarkjs) => {
            let ptau_path = dir.join("phase1.ptau");
            write_atomic(&ptau_path, &phase1.ptau())?;
            drop(phase1);
            let r1cs_path = dir.join(format!("{name}.r1cs"));
            write_atomic(&r1cs_path, &r1cs::to_r1cs(&matrices))?;
            say(&format!("{name}: snarkjs zkey new"));
            snarkjs.zkey_new(&r1cs_path, &ptau_path, &files.zkeys[0])?;
            let mut accepted = read_mpc(&files.zkeys[0])?;
            for i in 1..=how.contributions {
                let mut entropy = [0u8; 32];
                rng.fill_bytes(&mut entropy);
                let next = zkey_path(i);
                let hash = snarkjs.contribute(
                    &files.zkeys[i - 1],
                    &next,
                    &format!("contributor {i}"),
                    &hex::encode(entropy),
                )?;
                if how.verify_each {
                    snarkjs.verify(&r1cs_path, &ptau_path, &next)?;
                }
                let mpc = read_mpc(&next)?;
                check_extends(&accepted, &mpc)?;
                say(&format!("{name}: contribution {i} accepted, hash {hash}"));
                accepted = mpc;
                files.zkeys.push(next);
            }
            let last = files.zkeys.last().expect("the initial key");
            snarkjs.beacon(last, &final_path, &hex::encode(beacon), 10)?;
            check_extends(&accepted, &read_mpc(&final_path)?)?;
            snarkjs.verify(&r1cs_path, &ptau_path, &final_path)?;
            say(&format!("{name}: beacon applied, final key verified by snarkjs"));
            files.ptau = Some(ptau_path);
            files.r1cs = Some(r1cs_path);
            std::fs::read(&final_path).map_err(|e| ProverError::io(&final_path, e))?
        }
        Engine::Rust => {
            say(&format!("{name}: zkey new (Rust, from the phase's secrets)"));
            let initial = phase2::new_zkey(&matrices, &phase1)?;
            drop(phase1);
            write_atomic(&files.zkeys[0], &initial)?;
            // The latest key; `None` while it is the initial one (not copied: hundreds of MB).
            let mut later: Option<Vec<u8>> = None;
            for i in 1..=how.contributions {
                let latest = later.as_deref().unwrap_or(&initial);
                let (next, contribution) =
                    phase2::contribute(latest, Some(&format!("contributor {i}")), rng)?;
                check_extends(&zkey::read_mpc_params(latest)?, &zkey::read_mpc_params(&next)?)?;
                if how.verify_each {
                    phase2::verify_chain(&initial, &next, rng)?;
                }
                say(&format!("{name}: contribution {i} accepted, hash {}", hex::encode(contribution.hash())));
                later = Some(next);
            }
            let latest = later.as_deref().unwrap_or(&initial);
            let (last, _) = phase2::beacon(latest, Some("beacon"), &beacon, 10)?;
            check_extends(&zkey::read_mpc_params(latest)?, &zkey::read_mpc_params(&last)?)?;
            drop(later);
            phase2::verify_chain(&initial, &last, rng)?;
            say(&format!("{name}: beacon applied, final key verified against the initial one"));
            write_atomic(&final_path, &last)?;
            last
        }
    };
    files.zkeys.push(final_path);
    let mut imported = import_zkey(circuit, &matrices, &final_bytes)?;
    say(&format!("{name}: imported"));
    if let Some(ptau) = &files.ptau {
        imported.transcript.phase1_blake2b = Some(super::file_blake2b(ptau)?);
    }
    // Its phase 1 is one party's: whoever ran it could have kept τ.
    imported.keypair.insecure_dev_setup = true;
    Ok((imported, files))
}

fn read_mpc(path: &Path) -> Result<zkey::MpcParams, ProverError> {
    let bytes = std::fs::read(path).map_err(|e| ProverError::io(path, e))?;
    Ok(zkey::read_mpc_params(&bytes)?)
}

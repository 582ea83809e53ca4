//! Driving snarkjs (Node.js) for phase 2, and a whole test-size ceremony on one machine.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use ark_std::rand::{CryptoRng, RngCore};

use super::{check_extends, import_zkey, ptau, r1cs, zkey, CeremonyCircuit, Imported};
use crate::atomic::write_atomic;
use crate::error::{CeremonyError, ProverError};

/// The environment variable that points at snarkjs's `cli.js` (otherwise the copy that
/// `scripts/deps` installs under `tools/js` of this source tree).
pub const SNARKJS_ENV: &str = "CCR_SNARKJS";

/// The snarkjs command line, run with `node`.
#[derive(Clone, Debug)]
pub struct Snarkjs {
    cli: PathBuf,
}

impl Snarkjs {
    /// snarkjs from [`SNARKJS_ENV`] or `tools/js/node_modules/snarkjs` of this source tree.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Snarkjs`] if neither exists.
    pub fn locate() -> Result<Self, CeremonyError> {
        let cli = match std::env::var_os(SNARKJS_ENV) {
            Some(path) => PathBuf::from(path),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js/node_modules/snarkjs/cli.js"),
        };
        if cli.is_file() {
            Ok(Self { cli })
        } else {
            Err(CeremonyError::Snarkjs {
                command: "(locate)".into(),
                reason: format!(
                    "{} not found: run scripts/deps (npm ci --prefix tools/js) or set {SNARKJS_ENV}",
                    cli.display()
                ),
            })
        }
    }

    /// Runs `snarkjs <args>`; returns its standard output.
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Snarkjs`] if it does not start or exits with a failure.
    pub fn run<I, S>(&self, args: I) -> Result<String, CeremonyError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let command = args.iter().take(2).map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
        let out = Command::new("node").arg(&self.cli).args(&args).output().map_err(|e| {
            CeremonyError::Snarkjs { command: command.clone(), reason: format!("starting node: {e}") }
        })?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        // snarkjs reports some failures (a bad zkey verify) with exit code 0 and a log line.
        if out.status.success() && !stdout.contains("[ERROR]") {
            Ok(stdout)
        } else {
            Err(CeremonyError::Snarkjs {
                command,
                reason: format!("{}\n{stdout}{}", out.status, String::from_utf8_lossy(&out.stderr)),
            })
        }
    }

    /// `snarkjs zkey new`: the initial key of `r1cs` over `ptau`.
    ///
    /// # Errors
    ///
    /// As [`Self::run`].
    pub fn zkey_new(&self, r1cs: &Path, ptau: &Path, out: &Path) -> Result<(), CeremonyError> {
        self.run([OsStr::new("zkey"), "new".as_ref(), r1cs.as_os_str(), ptau.as_os_str(), out.as_os_str()])
            .map(drop)
    }

    /// `snarkjs zkey contribute`, with `entropy` as the contributor's random text. Returns the
    /// contribution hash snarkjs prints. The entropy goes on snarkjs's command line, where other
    /// local users can read it: for test ceremonies; a real contributor types it into snarkjs.
    ///
    /// # Errors
    ///
    /// As [`Self::run`].
    pub fn contribute(
        &self,
        previous: &Path,
        next: &Path,
        name: &str,
        entropy: &str,
    ) -> Result<String, CeremonyError> {
        let out = self.run([
            OsStr::new("zkey"),
            "contribute".as_ref(),
            previous.as_os_str(),
            next.as_os_str(),
            format!("--name={name}").as_ref(),
            format!("-e={entropy}").as_ref(),
        ])?;
        Ok(printed_hash(&out))
    }

    /// `snarkjs zkey beacon` with the public value `beacon_hex` and `2^iterations_exp` hash
    /// iterations.
    ///
    /// # Errors
    ///
    /// As [`Self::run`].
    pub fn beacon(
        &self,
        previous: &Path,
        next: &Path,
        beacon_hex: &str,
        iterations_exp: u8,
    ) -> Result<(), CeremonyError> {
        self.run([
            OsStr::new("zkey"),
            "beacon".as_ref(),
            previous.as_os_str(),
            next.as_os_str(),
            beacon_hex.as_ref(),
            iterations_exp.to_string().as_ref(),
            "--name=beacon".as_ref(),
        ])
        .map(drop)
    }

    /// `snarkjs zkey verify`: the key was made from `r1cs` over `ptau` and every contribution
    /// in it is valid. Returns snarkjs's report (the contribution hashes).
    ///
    /// # Errors
    ///
    /// [`CeremonyError::Snarkjs`] if snarkjs does not answer `ZKey Ok!`.
    pub fn verify(&self, r1cs: &Path, ptau: &Path, zkey: &Path) -> Result<String, CeremonyError> {
        let out = self.run([
            OsStr::new("zkey"),
            "verify".as_ref(),
            r1cs.as_os_str(),
            ptau.as_os_str(),
            zkey.as_os_str(),
        ])?;
        if out.contains("ZKey Ok!") {
            Ok(out)
        } else {
            Err(CeremonyError::Snarkjs { command: "zkey verify".into(), reason: out })
        }
    }
}

/// The hash in snarkjs's `Contribution Hash:` lines (its hex words joined).
fn printed_hash(out: &str) -> String {
    let Some(start) = out.find("Contribution Hash:") else { return String::new() };
    out[start + "Contribution Hash:".len()..]
        .lines()
        .take(5)
        .flat_map(|line| {
            line.split_whitespace().filter(|w| w.len() == 8 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .collect()
}

/// The files of a test-size ceremony, in its directory.
#[derive(Clone, Debug)]
pub struct TestCeremonyFiles {
    /// The one-party phase 1 (`phase1.ptau`).
    pub ptau: PathBuf,
    /// The circuit (`NAME.r1cs`).
    pub r1cs: PathBuf,
    /// Every key in order: the initial one, one per contribution, the beacon's (the final).
    pub zkeys: Vec<PathBuf>,
}

/// How a test-size ceremony runs.
#[derive(Clone, Copy, Debug)]
pub struct TestCeremony {
    /// Contributions before the beacon.
    pub contributions: usize,
    /// Run `snarkjs zkey verify` on every contribution as a coordinator does, not only on the
    /// final key (which checks the whole chain again). It takes about a minute per 2¹⁴
    /// constraints each time.
    pub verify_each: bool,
}

/// **Test size.** A whole ceremony for `circuit` on this machine: a one-party phase 1
/// ([`ptau::test_ptau`], INSECURE), contributions with entropy from `rng`, each checked by
/// [`check_extends`] (and `snarkjs zkey verify` with [`TestCeremony::verify_each`]) as a
/// coordinator would, a beacon, `snarkjs zkey verify` of the final key, and the import. The
/// keys carry the `insecure_dev_setup` flag (the phase 1 is one party's), so deployments off
/// development chains refuse them. `say` hears each step.
///
/// # Errors
///
/// Any step's error; a contribution refused stops the ceremony.
pub fn run_test_ceremony<R: RngCore + CryptoRng>(
    snarkjs: &Snarkjs,
    circuit: &CeremonyCircuit,
    dir: &Path,
    how: TestCeremony,
    rng: &mut R,
    say: &mut dyn FnMut(&str),
) -> Result<(Imported, TestCeremonyFiles), ProverError> {
    let contributions = how.contributions;
    std::fs::create_dir_all(dir).map_err(|e| ProverError::io(dir, e))?;
    let name = circuit.name();
    say(&format!("{name}: synthesizing the constraint system"));
    let matrices = circuit.matrices()?;
    let power = super::ptau_power(&matrices)?;
    say(&format!(
        "{name}: {} constraints; phase 1 of 2^{power} powers (ONE PARTY: test only)",
        matrices.num_constraints()
    ));
    let ptau_path = dir.join("phase1.ptau");
    write_atomic(&ptau_path, &ptau::test_ptau(power, rng)?)?;
    let r1cs_path = dir.join(format!("{name}.r1cs"));
    write_atomic(&r1cs_path, &r1cs::to_r1cs(&matrices))?;

    let zkey_path = |i: usize| dir.join(format!("{name}_{i:04}.zkey"));
    let mut zkeys = vec![zkey_path(0)];
    say(&format!("{name}: snarkjs zkey new"));
    snarkjs.zkey_new(&r1cs_path, &ptau_path, &zkeys[0])?;
    let read_mpc = |path: &Path| -> Result<zkey::MpcParams, ProverError> {
        let bytes = std::fs::read(path).map_err(|e| ProverError::io(path, e))?;
        Ok(zkey::read_mpc_params(&bytes)?)
    };
    let mut accepted = read_mpc(&zkeys[0])?;
    for i in 1..=contributions {
        let mut entropy = [0u8; 32];
        rng.fill_bytes(&mut entropy);
        let next = zkey_path(i);
        let hash =
            snarkjs.contribute(&zkeys[i - 1], &next, &format!("contributor {i}"), &hex::encode(entropy))?;
        if how.verify_each {
            snarkjs.verify(&r1cs_path, &ptau_path, &next)?;
        }
        let mpc = read_mpc(&next)?;
        check_extends(&accepted, &mpc)?;
        say(&format!("{name}: contribution {i} accepted, hash {hash}"));
        accepted = mpc;
        zkeys.push(next);
    }
    let mut beacon = [0u8; 32];
    rng.fill_bytes(&mut beacon);
    let final_path = zkey_path(contributions + 1);
    snarkjs.beacon(zkeys.last().expect("the initial key"), &final_path, &hex::encode(beacon), 10)?;
    check_extends(&accepted, &read_mpc(&final_path)?)?;
    snarkjs.verify(&r1cs_path, &ptau_path, &final_path)?;
    zkeys.push(final_path.clone());
    say(&format!("{name}: beacon applied, final key verified by snarkjs"));
    let bytes = std::fs::read(&final_path).map_err(|e| ProverError::io(&final_path, e))?;
    let mut imported = import_zkey(circuit, &matrices, &bytes)?;
    imported.transcript.phase1_blake2b = Some(super::file_blake2b(&ptau_path)?);
    // Its phase 1 is one party's: whoever ran it could have kept τ.
    imported.keypair.insecure_dev_setup = true;
    Ok((imported, TestCeremonyFiles { ptau: ptau_path, r1cs: r1cs_path, zkeys }))
}

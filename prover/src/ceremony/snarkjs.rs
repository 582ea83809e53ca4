//! Driving snarkjs (Node.js) for phase 2.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::CeremonyError;

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

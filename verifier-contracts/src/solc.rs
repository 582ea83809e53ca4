//! Compiling Solidity at run time with the pinned solc-js, through `tools/js/build-contracts.js`
//! (the script that builds the committed artifacts, with the same settings).
//!
//! Used for verifiers of keys other than the committed one (test-size keys, a ceremony's key).
//! Needs Node.js and `npm ci --prefix tools/js`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::artifacts::Artifact;
use crate::error::{ArtifactError, SolcError};

/// `tools/js` of this source tree (where the pinned solc-js is installed).
pub fn js_tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/js")
}

#[derive(Deserialize)]
struct Output {
    contracts: BTreeMap<String, serde_json::Value>,
}

/// Compiles `sources` (`(file name, Solidity)`, each file `X.sol` defining a contract `X`) with
/// the build script in `js_tools`; returns the artifacts by contract name.
///
/// # Errors
///
/// [`SolcError::Spawn`] without node, [`SolcError::Failed`] on compiler errors or warnings,
/// [`SolcError::Output`] / [`SolcError::Artifact`] on unexpected output.
pub fn compile(js_tools: &Path, sources: &[(&str, &str)]) -> Result<BTreeMap<String, Artifact>, SolcError> {
    let script = js_tools.join("build-contracts.js");
    let spawn_error = |source| SolcError::Spawn { script: script.display().to_string(), source };
    let request = serde_json::json!({
        "sources": sources.iter().map(|(name, src)| (name.to_string(), src.to_string())).collect::<BTreeMap<_, _>>()
    });
    let mut child = Command::new("node")
        .arg(&script)
        .arg("--stdin")
        .current_dir(js_tools)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(request.to_string().as_bytes()).map_err(spawn_error)?;
    }
    let out = child.wait_with_output().map_err(spawn_error)?;
    if !out.status.success() {
        return Err(SolcError::Failed {
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let output: Output = serde_json::from_slice(&out.stdout)?;
    output
        .contracts
        .into_iter()
        .map(|(name, value)| {
            let artifact = Artifact::from_json(&name, &value.to_string())?;
            Ok((name, artifact))
        })
        .collect()
}

/// Compiles one contract `name` from `source` (the file `name.sol`).
///
/// # Errors
///
/// As [`compile`]; [`ArtifactError::Missing`] if the output lacks it.
pub fn compile_contract(js_tools: &Path, name: &str, source: &str) -> Result<Artifact, SolcError> {
    let file = format!("{name}.sol");
    compile(js_tools, &[(&file, source)])?
        .remove(name)
        .ok_or_else(|| ArtifactError::Missing(name.to_owned()).into())
}

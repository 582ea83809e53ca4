//! R1CS of the poll's message processing (MACI v2's `ProcessMessages`, with quadratic costs).
//!
//! - [`curve`]: complete Baby Jubjub arithmetic and the validity of a point as a bit.
//! - [`cipher`]: Poseidon decryption with its checks as a bit.
//! - [`signature`]: EdDSA-Poseidon verification as a bit.
//! - [`process`]: [`ProcessCircuit`], one batch of messages.
//! - [`tally`]: [`TallyCircuit`], one batch of ballots added to the tally.

pub mod cipher;
pub mod curve;
pub mod process;
pub mod signature;
pub mod tally;

pub use process::ProcessCircuit;
pub use tally::TallyCircuit;

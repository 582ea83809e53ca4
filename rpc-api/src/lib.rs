//! The JSON-RPC API of the community credit rollup's sequencer, apart from the sequencer: the
//! one `#[rpc]` trait ([`CcrApiServer`] for the node, [`CcrApiClient`] for every client), its
//! request and response types, its error codes ([`ErrorCode`]) and the wire format of signed
//! transactions ([`wire`]). A client (the wallet, a light client, a script) depends on this
//! crate and on a transport, never on the node: no RocksDB, no EVM.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The JSON-RPC trait shared by server and clients, its types and error codes.
pub mod api;
/// A bank's files named by their L1 commitments, as the node serves them.
pub mod bank_files;
/// Community health: signed indicator reports, bank health, the fund's table.
pub mod health;
/// Wire formats of transactions and field elements.
pub mod wire;

pub use crate::api::{CcrApiClient, CcrApiServer, ErrorCode};

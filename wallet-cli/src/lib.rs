//! `ccr-wallet`: the member's and auditor's side of the community credit rollup.
//!
//! Keys in an encrypted keystore ([`keystore`]), where the deployment is ([`network`]), the
//! sequencer's API ([`sequencer`]), the operations as library functions shared by the CLI and
//! scripted devnets ([`ops`] on L2, [`l1ops`] on L1), the auditor ([`audit`]), credit ([`credit`])
//! and bank polls ([`poll`], [`vote`]), and the command line: [`cli`] parses and dispatches, [`cmd`]
//! holds one module per command (its options and its `run`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod amount;
pub mod audit;
pub mod bank_files;
pub mod cli;
pub mod cmd;
pub mod credit;
pub mod error;
pub mod fsutil;
pub mod health;
pub mod keys;
pub mod keystore;
pub mod l1ops;
pub mod network;
pub mod ops;
pub mod poll;
pub mod sequencer;
pub mod vote;

pub use error::WalletError;
pub use keys::{L1Key, Password, WalletKeys};
pub use network::NetworkFile;

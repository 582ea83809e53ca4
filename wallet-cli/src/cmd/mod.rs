//! The commands, one module each: its clap options (`...Args`) and its `run`. A group of
//! subcommands (`key`, `bank`, `poll`, ...) is a directory whose `mod.rs` holds the
//! subcommand enum and its dispatch. [`crate::cli`] parses and dispatches to them.

pub mod account;
pub mod attester;
pub mod audit;
pub mod balance;
pub mod bank;
pub mod claim;
pub mod completions;
pub mod credit;
pub mod deploy;
pub mod deposit;
pub mod exit;
pub mod exit_mode;
pub mod force_exit;
pub mod health;
pub mod key;
pub mod loan;
pub mod poll;
pub mod repay;
pub mod status;
pub mod transfer;
pub mod upkeep;
pub mod vote;

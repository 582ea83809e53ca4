//! Integration tests of the L1 client (`ccr-l1`) against the development chains: the rollup
//! driven by `L1Client` over JSON-RPC, against the embedded L1 and against anvil; the poll
//! contract driven by `PollClient`.

mod anvil;
mod common;
mod embedded;
mod poll;

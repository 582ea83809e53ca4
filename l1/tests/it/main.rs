//! Integration tests of `ccr-l1`: the rollup driven by `L1Client` over JSON-RPC, against the
//! embedded L1 and against anvil; the poll contract driven by `PollClient`.

mod anvil;
mod common;
mod embedded;
mod poll;

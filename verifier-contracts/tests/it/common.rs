//! Shared fixtures: the test-size development key and its compiled verifier (built once per
//! test binary), a deployed rollup, members with keys, and batch helpers.

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::state::tx::{Tx, UnsignedTx};
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_prover::Keypair;
use ccr_verifier_contracts::rollup::RollupContracts;
use ccr_verifier_contracts::{solc, Artifact, DevKey, Evm};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The test-size key: depth 8, 4 slots, chain id 5, seed `[9; 32]`.
pub const KEY: DevKey = DevKey::TEST;
/// Its parameters.
pub const PARAMS: RollupParams = DevKey::TEST.params;

/// One gwei (one L2 unit) in wei.
pub fn gwei(n: u64) -> U256 {
    U256::from(n) * U256::from(1_000_000_000u64)
}

/// One ether in wei.
pub fn eth(n: u64) -> U256 {
    gwei(n) * U256::from(1_000_000_000u64)
}

/// A deterministic L1 address.
pub fn addr(n: u8) -> Address {
    Address::repeat_byte(n)
}

/// The L1 address that deploys and submits batches.
pub fn operator() -> Address {
    addr(0x0a)
}

/// The development keys of [`KEY`] (one setup per test binary).
pub fn keys() -> &'static Keypair {
    static KEYS: OnceLock<Keypair> = OnceLock::new();
    KEYS.get_or_init(|| KEY.keypair().expect("dev setup"))
}

/// The Solidity of the verifier of [`keys`].
pub fn verifier_source() -> String {
    KEY.verifier_source(&keys().vk, "Groth16Verifier").expect("generate verifier")
}

/// The verifier of [`keys`], compiled by the pinned solc-js (once per test binary).
pub fn verifier() -> &'static Artifact {
    static VERIFIER: OnceLock<Artifact> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        solc::compile_contract(&solc::js_tools_dir(), "Groth16Verifier", &verifier_source())
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// A stand-in verifier that accepts every proof: creation code returning the runtime
/// `PUSH1 1 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`. For tests of everything but the proof.
pub fn accept_all_verifier() -> Artifact {
    let runtime = hex::decode("600160005260206000f3").expect("hex");
    let creation =
        [&hex::decode("69").expect("hex")[..], &runtime, &hex::decode("600052600a6016f3").expect("hex")]
            .concat();
    Artifact {
        contract_name: "AcceptAll".into(),
        abi: serde_json::json!([]),
        bytecode: creation.into(),
        deployed_bytecode: runtime.into(),
    }
}

/// A seeded RNG.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A member: an L1 address and a Baby Jubjub key.
pub struct Member {
    pub l1: Address,
    pub key: PrivateKey,
}

impl Member {
    pub fn new(n: u8) -> Self {
        Self { l1: addr(n), key: PrivateKey::from_bytes([n; 32]) }
    }
}

/// A chain with the rollup deployed (verifier `verifier`, parameters [`PARAMS`]) and an empty
/// L2 state beside it.
pub struct World {
    pub evm: Evm,
    pub rollup: RollupContracts,
    pub state: RollupState,
}

impl World {
    pub fn new(verifier: &Artifact) -> Self {
        Self::with_params(verifier, PARAMS)
    }

    pub fn with_params(verifier: &Artifact, params: RollupParams) -> Self {
        let mut evm = Evm::new();
        let (rollup, _) = RollupContracts::deploy(&mut evm, operator(), verifier, &params).expect("deploy");
        Self { evm, rollup, state: RollupState::new(params).expect("state") }
    }

    /// Funds `m` with 100 ether.
    pub fn fund(&mut self, m: &Member) {
        self.evm.set_balance(m.l1, eth(100));
    }
}

/// A signed transfer of `amount` from account `from` (key `key`) to `to`.
pub fn transfer(state: &RollupState, key: &PrivateKey, from: u32, to: u32, amount: u64) -> Tx {
    let nonce = state.account(from).expect("sender").nonce;
    let u = UnsignedTx::transfer(from, to, amount, nonce).expect("amount");
    Tx::Signed(u.with_signature(sign_poseidon(key, u.message(PARAMS.chain_id))))
}

/// A signed exit of `amount` from account `from`.
pub fn exit(state: &RollupState, key: &PrivateKey, from: u32, amount: u64) -> Tx {
    let nonce = state.account(from).expect("sender").nonce;
    let u = UnsignedTx::exit(from, amount, nonce).expect("amount");
    Tx::Signed(u.with_signature(sign_poseidon(key, u.message(PARAMS.chain_id))))
}

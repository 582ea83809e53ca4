//! Shared fixtures: the test-size development key and its compiled verifier (built once per
//! test binary), a deployed rollup, members with keys, and batch helpers.

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::state::tx::{Tx, UnsignedTx};
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_prover::Keypair;
use ccr_verifier_contracts::bindings::TestToken;
use ccr_verifier_contracts::rollup::{deploy_test_token, DeployConfig, RollupContracts};
use ccr_verifier_contracts::{solc, Artifact, DevKey, Evm};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The test-size key: depth 8, 4 slots, chain id 5, seed `[9; 32]`.
pub const KEY: DevKey = DevKey::TEST;
/// Its parameters.
pub const PARAMS: RollupParams = DevKey::TEST.params;

/// Escape delay of the test rollups, in blocks.
pub const ESCAPE_DELAY: u64 = 20;

/// Base units of the test token per L2 unit: with 6 decimals, 1 L2 unit = 0.01 CST.
pub const TOKEN_UNIT: u64 = 10_000;

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

/// The batch prover of [`keys`]: its constraint matrices synthesized once per test binary.
pub fn prover() -> &'static ccr_prover::Prover {
    static PROVER: OnceLock<ccr_prover::Prover> = OnceLock::new();
    PROVER
        .get_or_init(|| ccr_prover::batch::batch_prover(keys().pk.clone(), KEY.params).expect("batch prover"))
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
    constant_verifier(true)
}

/// A stand-in verifier that rejects every proof (returns `false`), for the refusal paths.
pub fn reject_all_verifier() -> Artifact {
    constant_verifier(false)
}

/// A contract whose every call returns `answer` as one word.
fn constant_verifier(answer: bool) -> Artifact {
    let runtime = hex::decode(format!("60{:02x}60005260206000f3", u8::from(answer))).expect("hex");
    let creation =
        [&hex::decode("69").expect("hex")[..], &runtime, &hex::decode("600052600a6016f3").expect("hex")]
            .concat();
    Artifact {
        contract_name: if answer { "AcceptAll" } else { "RejectAll" }.into(),
        abi: serde_json::json!([]),
        bytecode: creation.into(),
        deployed_bytecode: runtime.into(),
    }
}

pub use ccr_verifier_contracts::dev::stand_in_eligibility_key;

/// The eligibility keys of the test rollups without credits: two shapes, 0 and 1, of
/// [`stand_in_eligibility_key`].
pub fn stand_in_eligibility_keys() -> Vec<VerifyingKey<Bn254>> {
    vec![stand_in_eligibility_key(0), stand_in_eligibility_key(1)]
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

/// A chain with the rollup deployed (verifier `verifier`, parameters [`PARAMS`], eligibility
/// keys [`stand_in_eligibility_keys`] unless said otherwise) and an empty L2 state beside it.
pub struct World {
    pub evm: Evm,
    pub rollup: RollupContracts,
    pub state: RollupState,
}

impl World {
    /// An ETH rollup (1 L2 unit = 1 gwei, escape delay [`ESCAPE_DELAY`]).
    pub fn new(verifier: &Artifact) -> Self {
        Self::with_params(verifier, PARAMS)
    }

    /// An ETH rollup with circuit parameters `params`.
    pub fn with_params(verifier: &Artifact, params: RollupParams) -> Self {
        let config = DeployConfig::eth().with_escape_delay(ESCAPE_DELAY);
        Self::deploy(Evm::new(), verifier, &stand_in_eligibility_keys(), params, config)
    }

    /// An ETH rollup whose policy shape `s` has the eligibility key `keys[s]`.
    pub fn with_eligibility_keys(verifier: &Artifact, keys: &[VerifyingKey<Bn254>]) -> Self {
        let config = DeployConfig::eth().with_escape_delay(ESCAPE_DELAY);
        Self::deploy(Evm::new(), verifier, keys, PARAMS, config)
    }

    /// A rollup of the test token (1 L2 unit = [`TOKEN_UNIT`] base units).
    pub fn with_token(verifier: &Artifact) -> Self {
        let mut evm = Evm::new();
        let (token, _) = deploy_test_token(&mut evm, operator()).expect("deploy token");
        let config = DeployConfig::erc20(token, U256::from(TOKEN_UNIT)).with_escape_delay(ESCAPE_DELAY);
        Self::deploy(evm, verifier, &stand_in_eligibility_keys(), PARAMS, config)
    }

    fn deploy(
        mut evm: Evm,
        verifier: &Artifact,
        keys: &[VerifyingKey<Bn254>],
        params: RollupParams,
        config: DeployConfig,
    ) -> Self {
        let (rollup, _) =
            RollupContracts::deploy(&mut evm, operator(), verifier, keys, &params, &config).expect("deploy");
        // The L2 state signs for this deployment.
        let params = RollupParams { domain: rollup.domain(&evm), ..params };
        Self { evm, rollup, state: RollupState::new(params).expect("state") }
    }

    /// The token, for a token rollup.
    pub fn token(&self) -> Address {
        self.rollup.config.token.expect("a token rollup")
    }

    /// Funds `m` with 100 ether, and for a token rollup with 10^12 base units of the token,
    /// approved to the rollup.
    pub fn fund(&mut self, m: &Member) {
        self.evm.set_balance(m.l1, eth(100));
        if let Some(token) = self.rollup.config.token {
            let mint = TestToken::mintCall { to: m.l1, amount: U256::from(10u64.pow(12)) };
            self.evm.transact_sol(m.l1, token, U256::ZERO, &mint).expect("mint");
            self.approve(m, U256::MAX);
        }
    }

    /// `m` approves the rollup for `amount` base units of the token.
    pub fn approve(&mut self, m: &Member, amount: U256) {
        let approve = TestToken::approveCall { spender: self.rollup.rollup, amount };
        self.evm.transact_sol(m.l1, self.token(), U256::ZERO, &approve).expect("approve");
    }

    /// Base units of the asset for `amount` L2 units.
    pub fn units(&self, amount: u64) -> U256 {
        self.rollup.config.base_units(amount)
    }

    /// The asset balance of `who`.
    pub fn asset_balance(&mut self, who: Address) -> U256 {
        self.rollup.asset_balance(&mut self.evm, who).expect("balance")
    }

    /// The rollup's asset balance is `l2Supply · unit + totalPending`.
    pub fn check_balance_invariant(&mut self) {
        let supply = self.rollup.l2_supply(&mut self.evm).expect("l2Supply");
        let pending = self.rollup.total_pending(&mut self.evm).expect("totalPending");
        let held = self.asset_balance(self.rollup.rollup);
        assert_eq!(held, supply * self.rollup.config.unit + pending, "balance = L2 supply · unit + pending");
    }
}

/// A signed transfer of `amount` from account `from` (key `key`) to `to`.
pub fn transfer(state: &RollupState, key: &PrivateKey, from: u32, to: u32, amount: u64) -> Tx {
    let nonce = state.account(from).expect("sender").nonce;
    let u = UnsignedTx::transfer(from, to, amount, nonce).expect("amount");
    Tx::Signed(u.with_signature(sign_poseidon(key, u.message(&state.params().domain))))
}

/// A signed exit of `amount` from account `from`.
pub fn exit(state: &RollupState, key: &PrivateKey, from: u32, amount: u64) -> Tx {
    let nonce = state.account(from).expect("sender").nonce;
    let u = UnsignedTx::exit(from, amount, nonce).expect("amount");
    Tx::Signed(u.with_signature(sign_poseidon(key, u.message(&state.params().domain))))
}

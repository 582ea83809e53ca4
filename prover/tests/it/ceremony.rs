//! The multi-party setup's files, checked against snarkjs 0.7.5 (tools/js): our `.r1cs` and
//! the coordinator's checks refuse a contribution that does not extend the chain, malformed keys
//! are refused by name. A whole test-size ceremony (snarkjs `zkey new`, contributions, a beacon,
//! `zkey verify`, the import, proofs under the key in our verifier, snarkjs and the rollup
//! contract) runs in `ccr-verifier-contracts`' tests, where L1 is.

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ccr_circuits::credit::EligibilityShape;
use ccr_prover::ceremony::zkey::read_zkey;
use ccr_prover::ceremony::{
    check_extends, r1cs::to_r1cs, CeremonyCircuit, Contribution, ContributionKind, MpcParams,
};
use ccr_prover::CeremonyError;

use crate::common::{node, show, snarkjs_cli};

const SMALL: CeremonyCircuit =
    CeremonyCircuit::Eligibility { shape: EligibilityShape { inputs: 2, tiers: 1 }, state_depth: 2 };

#[test]
fn circuit_names_round_trip_and_others_are_refused() {
    for name in ["batch-d24-n16", "eligibility-64x4-d24", "vote-process-s10-v3-b25", "vote-tally-s10-v3-t32"]
    {
        assert_eq!(CeremonyCircuit::from_name(name).unwrap().name(), name);
    }
    for bad in
        ["batch-d024-n16", "eligibility-64x4", "eligibility-64x4-d24x", "vote-tally-s1-v2", "plonk", ""]
    {
        assert!(matches!(CeremonyCircuit::from_name(bad), Err(CeremonyError::UnknownCircuit(_))), "{bad}");
    }
}

#[test]
fn snarkjs_reads_our_r1cs() {
    let matrices = SMALL.matrices().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.r1cs");
    std::fs::write(&path, to_r1cs(&matrices)).unwrap();
    let out = node([snarkjs_cli().as_os_str(), "r1cs".as_ref(), "info".as_ref(), path.as_os_str()]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let wires = matrices.num_instance_variables() + matrices.num_witness_variables();
    for line in [
        "Curve: bn-128".to_string(),
        format!("# of Wires: {wires}"),
        format!("# of Constraints: {}", matrices.num_constraints()),
        format!("# of Public Inputs: {}", matrices.num_instance_variables() - 1),
        "# of Outputs: 0".to_string(),
    ] {
        assert!(text.contains(&line), "{line} missing:\n{}", show(&out));
    }
}

fn contribution(delta: u64, name: &str) -> Contribution {
    let g1 = |k: u64| (G1Affine::generator() * Fr::from(k)).into_affine();
    Contribution {
        delta_after: g1(delta),
        g1_s: g1(2),
        g1_sx: g1(3),
        g2_spx: G2Affine::generator(),
        transcript: [delta as u8; 64],
        kind: ContributionKind::Contributor,
        name: Some(name.into()),
    }
}

#[test]
fn a_contribution_must_extend_the_accepted_chain_by_one() {
    let chain = |contributions: Vec<Contribution>| MpcParams { circuit_hash: [1; 64], contributions };
    let (a, b, c) = (contribution(5, "a"), contribution(6, "b"), contribution(7, "c"));
    check_extends(&chain(vec![]), &chain(vec![a.clone()])).unwrap();
    check_extends(&chain(vec![a.clone()]), &chain(vec![a.clone(), b.clone()])).unwrap();
    let refused = [
        (chain(vec![a.clone()]), chain(vec![b.clone()]), "made from another key than the latest"),
        (chain(vec![a.clone()]), chain(vec![b.clone(), c.clone()]), "rewrites an accepted contribution"),
        (chain(vec![a.clone()]), chain(vec![a.clone(), b.clone(), c.clone()]), "two at once"),
        (chain(vec![a.clone()]), chain(vec![a.clone()]), "none"),
        (chain(vec![a.clone()]), chain(vec![a.clone(), contribution(5, "same delta")]), "δ unchanged"),
        (chain(vec![]), MpcParams { circuit_hash: [2; 64], ..chain(vec![a.clone()]) }, "another circuit"),
    ];
    for (previous, next, why) in refused {
        let err = check_extends(&previous, &next).unwrap_err();
        assert!(matches!(err, CeremonyError::NotAnExtension(_)), "{why}: {err}");
    }
}

#[test]
fn malformed_zkeys_are_refused_by_name() {
    let cases: [(&[u8], &str); 3] = [
        (b"ptau\x01\0\0\0\0\0\0\0", "bad magic"),
        (b"zkey\x01\0\0\0\x01\0\0\0\x01\0\0\0\x08\0\0\0\0\0\0\0", "truncated"),
        (b"zkey\x01\0\0\0\x01\0\0\0\x01\0\0\0\x04\0\0\0\0\0\0\0\x02\0\0\0", "protocol 2"),
    ];
    for (bytes, want) in cases {
        let err = read_zkey(bytes).unwrap_err();
        assert!(matches!(err, CeremonyError::Format { file: "zkey", .. }), "{want}: {err}");
        assert!(err.to_string().contains(want), "{want}: {err}");
    }
}

/// The phase-1 checksum is plain BLAKE2b-512 of the file (what `b2sum` prints and the Perpetual
/// Powers of Tau files are published with): RFC 7693's vector for "abc".
#[test]
fn the_phase1_checksum_is_blake2b_512_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abc");
    std::fs::write(&path, b"abc").unwrap();
    assert_eq!(
        ccr_prover::ceremony::file_blake2b(&path).unwrap(),
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
         7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
    );
}

/// The Rust phase 2 and snarkjs make and accept the same files, at the production shape of the
/// eligibility circuit (a domain of 2¹⁵, past the 2¹⁴-point chunks snarkjs hashes H in): our
/// initial key is `snarkjs zkey new`'s byte for byte; a snarkjs contribution, then ours, then
/// our beacon pass `snarkjs zkey verify` and our own [`verify_chain`]; tampering with a
/// contribution, δ or the L section is refused.
#[test]
fn the_rust_phase2_is_snarkjs_compatible() {
    use ccr_prover::ceremony::phase2::{beacon, contribute, new_zkey, verify_chain};
    use ccr_prover::ceremony::ptau::TestPhase1;
    use ccr_prover::ceremony::snarkjs::Snarkjs;
    use ccr_prover::ceremony::zkey::read_mpc_params;
    use rand::SeedableRng;

    let circuit =
        CeremonyCircuit::Eligibility { shape: EligibilityShape { inputs: 64, tiers: 4 }, state_depth: 24 };
    let matrices = circuit.matrices().unwrap();
    let power = ccr_prover::ceremony::ptau_power(&matrices).unwrap();
    assert_eq!(power, 16, "a domain of 2^15");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let phase1 = TestPhase1::random(power, &mut rng).unwrap();
    std::fs::write(path("phase1.ptau"), phase1.ptau()).unwrap();
    std::fs::write(path("c.r1cs"), to_r1cs(&matrices)).unwrap();
    let snarkjs = Snarkjs::locate().unwrap();

    let ours = new_zkey(&matrices, &phase1).unwrap();
    drop(phase1);
    snarkjs.zkey_new(&path("c.r1cs"), &path("phase1.ptau"), &path("theirs.zkey")).unwrap();
    let theirs = std::fs::read(path("theirs.zkey")).unwrap();
    assert_eq!(ours.len(), theirs.len(), "the initial keys' sizes");
    assert!(
        ours == theirs,
        "our initial key differs from snarkjs's (first at byte {:?})",
        ours.iter().zip(&theirs).position(|(a, b)| a != b)
    );

    std::fs::write(path("k0.zkey"), &ours).unwrap();
    let printed =
        snarkjs.contribute(&path("k0.zkey"), &path("k1.zkey"), "snarkjs", "entropy of the test").unwrap();
    let k1 = std::fs::read(path("k1.zkey")).unwrap();
    let (k2, mine) = contribute(&k1, Some("rust"), &mut rng).unwrap();
    let (k3, last) = beacon(&k2, Some("beacon"), &[0x5a; 32], 10).unwrap();
    let mpc = |bytes: &[u8]| read_mpc_params(bytes).unwrap();
    check_extends(&mpc(&k1), &mpc(&k2)).unwrap();
    check_extends(&mpc(&k2), &mpc(&k3)).unwrap();
    assert!(printed.starts_with(&hex::encode(&mpc(&k3).contributions[0].hash()[..4])), "{printed}");
    assert_eq!(mpc(&k3).contributions[1..], [mine, last]);
    std::fs::write(path("k3.zkey"), &k3).unwrap();
    let verified = snarkjs.verify(&path("c.r1cs"), &path("phase1.ptau"), &path("k3.zkey")).unwrap();
    assert!(verified.contains("ZKey Ok!"), "{verified}");
    verify_chain(&ours, &k3, &mut rng).unwrap();

    // One value at a time, each refused.
    let refused = |bytes: &[u8], what: &str| {
        let err = verify_chain(&ours, bytes, &mut rand_chacha::ChaCha20Rng::seed_from_u64(1)).unwrap_err();
        assert!(matches!(err, CeremonyError::Invalid(_)), "{what}: {err}");
    };
    let flip = |at: usize| {
        let mut k = k3.clone();
        k[at] ^= 1;
        k
    };
    let section = |kind: u32| section(&k3, kind);
    // L: swap two points (each stays on the curve).
    refused(&with_l_swapped(&k3), "L points swapped");
    // The last contribution's transcript byte, and the A section.
    let (mpc_at, _) = section(10);
    refused(&flip(mpc_at + 64 + 4 + 64 * 3 + 128 + 5), "contribution 1's transcript");
    let (a_at, _) = section(5);
    let mut a = k3.clone();
    a[a_at..a_at + 64].copy_from_slice(&k3[a_at + 64..a_at + 128]);
    refused(&a, "A section");
    // The previous key's δ in this one's header.
    let (header_at, header_len) = section(2);
    let mut delta = k3.clone();
    delta[header_at..header_at + header_len].copy_from_slice(&k2[header_at..header_at + header_len]);
    refused(&delta, "the previous δ");
}

/// The ceremony commands as a coordinator and a contributor run them: a Rust test run writes
/// the initial and final keys and the transcript; a further contribution verifies against the
/// initial key (exit 0) and extends the final one; a key with its L section tampered is
/// INVALID (exit 1), and so is a key that skipped the chain.
#[test]
fn the_ceremony_commands_contribute_and_verify() {
    use std::process::Command;
    let run = |args: &[&std::ffi::OsStr]| {
        Command::new(env!("CARGO_BIN_EXE_ccr-prover")).args(args).output().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = SMALL.name();
    let out = run(&[
        "ceremony".as_ref(),
        "test-run".as_ref(),
        "--circuit".as_ref(),
        name.as_ref(),
        "--dir".as_ref(),
        d.as_os_str(),
        "--contributions".as_ref(),
        "1".as_ref(),
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let transcript: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join(format!("{name}.transcript.json"))).unwrap()).unwrap();
    assert_eq!(transcript["contributions"].as_array().unwrap().len(), 2, "a contribution and the beacon");
    let (initial, last) = (d.join(format!("{name}_0000.zkey")), d.join(format!("{name}_0002.zkey")));

    let contribute = |from: &std::path::Path, to: &std::path::Path| {
        let out = run(&[
            "ceremony".as_ref(),
            "contribute".as_ref(),
            "--zkey".as_ref(),
            from.as_os_str(),
            "--out".as_ref(),
            to.as_os_str(),
            "--name".as_ref(),
            "carol".as_ref(),
        ]);
        assert!(out.status.success(), "{}", show(&out));
        out
    };
    let check = |previous: &std::path::Path, next: &std::path::Path| {
        run(&[
            "ceremony".as_ref(),
            "check-contribution".as_ref(),
            "--previous".as_ref(),
            previous.as_os_str(),
            "--next".as_ref(),
            next.as_os_str(),
        ])
    };
    let next = d.join("next.zkey");
    let out = contribute(&last, &next);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let mpc = ccr_prover::ceremony::zkey::read_mpc_params(&std::fs::read(&next).unwrap()).unwrap();
    let carol = mpc.contributions.last().unwrap();
    assert_eq!(carol.name.as_deref(), Some("carol"));
    assert!(printed.contains(&hex::encode(carol.hash())), "{printed}");

    let verify = |zkey: &std::path::Path| {
        run(&[
            "ceremony".as_ref(),
            "verify".as_ref(),
            "--initial".as_ref(),
            initial.as_os_str(),
            "--zkey".as_ref(),
            zkey.as_os_str(),
        ])
    };
    let out = verify(&next);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid, 3 contributions"), "{}", show(&out));
    let accepted = check(&last, &next);
    assert_eq!(accepted.status.code(), Some(0), "{}", show(&accepted));

    // L's first two points swapped: every point still on the curve, the key no longer δ's.
    let bytes = with_l_swapped(&std::fs::read(&next).unwrap());
    let tampered = d.join("tampered.zkey");
    std::fs::write(&tampered, bytes).unwrap();
    let out = verify(&tampered);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("INVALID: the L section"), "{}", show(&out));
    // A contribution built on the initial key, not the latest: valid alone, not an extension.
    let skipped = d.join("skipped.zkey");
    contribute(&initial, &skipped);
    assert_eq!(verify(&skipped).status.code(), Some(0));
    let refused = check(&last, &skipped);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
}

/// `(offset, size)` of the section of type `kind` in a `.zkey`'s bytes.
fn section(bytes: &[u8], kind: u32) -> (usize, usize) {
    let mut at = 12;
    loop {
        let k = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        if k == kind {
            return (at + 12, size);
        }
        at += 12 + size;
    }
}

/// The key with its L section's first two points swapped: every point still on the curve, the
/// section no longer the initial one over δ.
fn with_l_swapped(key: &[u8]) -> Vec<u8> {
    let (at, size) = section(key, 8);
    assert!(size >= 128, "two L points");
    let mut out = key.to_vec();
    out[at..at + 64].copy_from_slice(&key[at + 64..at + 128]);
    out[at + 64..at + 128].copy_from_slice(&key[at..at + 64]);
    out
}

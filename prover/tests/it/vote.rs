//! The coordinator library at the test size (state depth 2, vote depth 2, B = 2, T = 2): every
//! proof of a poll verifies under the development keys with the public inputs `Poll.sol` would
//! compute, the `sb` and tally chains link up, and the results are the native ones.

use std::sync::OnceLock;

use ark_ff::{AdditiveGroup, Field};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::tally_witness::{tally_public_input, TallyParams};
use ccr_circuits::vote::trees::{initial_sb, VoteParams, PAD_MESSAGE};
use ccr_circuits::vote::witness::{coordinator_hash, process_public_input, ProcessPublic, WitnessError};
use ccr_circuits::vote::{
    chain_hash, process, results_commitment, Command, Message, OptionResult, Outcome, Poll, ProcessError,
    Rejection, SubmittedMessage, VoterState, EMPTY_CHAIN,
};
use ccr_prover::vote::{
    coordinate, dev_setup_process, dev_setup_tally, pad_messages, process_circuit_name, tally_circuit_name,
    Coordinated, CoordinatorStep, PollRun, ProofKind, VoteProverError,
};
use ccr_prover::{verify, Fr, Keypair, ProverError};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

const PARAMS: VoteParams = VoteParams::test(2);
const TALLY_BATCH: usize = 2;
const TALLY_PARAMS: TallyParams = TallyParams::test(TALLY_BATCH);
const PROCESS_SEED: [u8; 32] = [0x5e; 32];
const TALLY_SEED: [u8; 32] = [0x7a; 32];
const CREDITS: u64 = 100;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The two development key pairs, made once for the whole test binary.
fn keys() -> &'static (Keypair, Keypair) {
    static KEYS: OnceLock<(Keypair, Keypair)> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            dev_setup_process(PARAMS, PROCESS_SEED).expect("processing setup"),
            dev_setup_tally(TALLY_PARAMS, TALLY_SEED).expect("tally setup"),
        )
    })
}

fn coordinator() -> PrivateKey {
    PrivateKey::from_bytes([0xc0; 32])
}

fn voter_key(index: u64) -> PrivateKey {
    PrivateKey::random(&mut rng(700 + index))
}

fn poll() -> Poll {
    Poll {
        id: 3,
        options: 3,
        deadline: 1_900_000_000,
        voice_credits: CREDITS,
        coordinator: coordinator().public_key(),
    }
}

fn voters() -> Vec<VoterState> {
    (0..3).map(|i| poll().voter(voter_key(i).public_key())).collect()
}

/// Voter `index`'s command signed by `signer`, encrypted to the coordinator (ephemeral key from
/// `seq`), moving the voter to `new_key`.
#[allow(clippy::too_many_arguments)]
fn vote(
    seq: u64,
    index: u64,
    signer: &PrivateKey,
    new_key: &PrivateKey,
    option: u64,
    weight: u64,
    nonce: u64,
) -> Message {
    let command = Command {
        state_index: index,
        new_pubkey: new_key.public_key(),
        vote_option: option,
        new_vote_weight: weight,
        nonce,
        poll_id: poll().id,
        salt: Fr::from(3000 + seq),
    };
    Message::sign_and_encrypt(
        &command,
        signer,
        &PrivateKey::random(&mut rng(8000 + seq)),
        &poll().coordinator,
    )
    .expect("encrypt")
}

/// Five messages in submission order (processing runs last to first) with their outcomes: an
/// overspend, a vote change, a stranger's signature, and a key change followed by a vote under
/// the new key.
fn messages() -> Vec<(Message, Outcome)> {
    let (a, b, c) = (voter_key(0), voter_key(1), voter_key(2));
    let c_new = PrivateKey::from_bytes([0xcc; 32]);
    let stranger = PrivateKey::from_bytes([0x5a; 32]);
    vec![
        // C, under the new key, raises option 1 to 5 (nonce 2): processed after C's key change
        // below, so it is applied.
        (vote(7, 2, &c_new, &c_new, 1, 5, 2), Outcome::Applied),
        // C changes key (nonce 1) and votes 4 on option 1.
        (vote(0, 2, &c, &c_new, 1, 4, 1), Outcome::Applied),
        // B votes 6 on option 2 (applied after B's overspend, which kept the nonce).
        (vote(1, 1, &b, &b, 2, 6, 1), Outcome::Applied),
        // A's first vote, replaced by A's later vote (processed first, nonce 1 taken).
        (vote(2, 0, &a, &a, 0, 5, 1), Outcome::Ignored(Rejection::BadNonce { expected: 2, got: 1 })),
        // A's index signed by a stranger.
        (vote(3, 0, &stranger, &stranger, 1, 3, 2), Outcome::Ignored(Rejection::BadSignature)),
        // B overspends: 11² > 100.
        (
            vote(4, 1, &b, &b, 2, 11, 1),
            Outcome::Ignored(Rejection::InsufficientCredits { available: 100, cost: 121 }),
        ),
        // A votes 7 on option 0.
        (vote(5, 0, &a, &a, 0, 7, 1), Outcome::Applied),
        // C, under the new key, raises option 1 to 5 (nonce 2): processed before the key change, so
        // C's key is still the old one and it is refused.
        (vote(6, 2, &c_new, &c_new, 1, 5, 2), Outcome::Ignored(Rejection::BadSignature)),
    ]
}

/// Runs [`coordinate`] with the test keys, recording the progress steps.
fn run(messages: &[Message], voters: &[VoterState], seed: u64) -> (Coordinated, Vec<CoordinatorStep>) {
    let (process_keys, tally_keys) = keys();
    let coordinator = coordinator();
    let run = PollRun { poll: poll(), voters, messages, coordinator: &coordinator };
    let mut steps = Vec::new();
    let out =
        coordinate(&run, &process_keys.pk, PARAMS, &tally_keys.pk, TALLY_BATCH, &mut rng(seed), &mut |s| {
            steps.push(s)
        })
        .expect("coordinate");
    (out, steps)
}

/// What `Poll.sol` computes, checked against every proof: the processing statements from the
/// padded chain and the stored `sb` (the last batch first), the tally statements from `sbFinal`
/// and the stored tally (batch 0 first). Returns the final `sb`.
fn check_proofs_against_contract_statements(
    out: &Coordinated,
    published: &[Message],
    voters: &[VoterState],
) -> Fr {
    let (process_keys, tally_keys) = keys();
    let p = poll();
    let padded = pad_messages(published, PARAMS.batch_size);
    let chains: Vec<Fr> = std::iter::once(EMPTY_CHAIN)
        .chain(padded.iter().scan(EMPTY_CHAIN, |c, m| {
            *c = chain_hash(*c, m);
            Some(*c)
        }))
        .collect();
    let b = PARAMS.batch_size;
    let batches = padded.len() / b;
    assert_eq!(out.process.len(), batches);
    assert_eq!(
        out.process.iter().map(|s| s.batch).collect::<Vec<_>>(),
        (0..batches as u64).rev().collect::<Vec<_>>(),
        "submission order: the last batch first"
    );
    let mut sb = initial_sb(voters, &PARAMS).expect("initial sb");
    for step in &out.process {
        let j = step.batch as usize;
        let statement = process_public_input(&ProcessPublic {
            poll_id: p.id,
            coordinator_hash: coordinator_hash(&p.coordinator),
            options: p.options,
            voice_credits: p.voice_credits,
            voters: voters.len() as u32,
            first: j + 1 == batches,
            chain_start: chains[j * b],
            chain_end: chains[(j + 1) * b],
            sb_before: sb,
            sb_after: step.after,
        });
        assert_eq!(step.public_input, statement, "batch {j}: the contract's statement");
        assert!(verify(&process_keys.vk, &[statement], &step.proof).expect("verify"), "batch {j}");
        assert!(!verify(&process_keys.vk, &[statement + Fr::ONE], &step.proof).expect("verify"));
        sb = step.after;
    }
    assert_eq!(out.final_sb(), Some(sb));

    let tally_batches = TALLY_PARAMS.batches(voters.len());
    assert_eq!(
        out.tally.iter().map(|s| s.batch).collect::<Vec<_>>(),
        (0..tally_batches as u64).collect::<Vec<_>>()
    );
    let mut tally = Fr::ZERO;
    for step in &out.tally {
        let statement = tally_public_input(p.id, sb, step.batch, tally, step.after);
        assert_eq!(step.public_input, statement, "tally batch {}", step.batch);
        assert!(
            verify(&tally_keys.vk, &[statement], &step.proof).expect("verify"),
            "tally batch {}",
            step.batch
        );
        tally = step.after;
    }
    assert_eq!(tally, results_commitment(&out.results, out.salt), "publishResults accepts the results");
    assert_eq!(out.tally_commitment(), Some(tally));
    sb
}

#[test]
fn vote_coordinate_proves_every_batch_with_the_contract_statements() {
    let voters = voters();
    let cases = messages();
    let published: Vec<Message> = cases.iter().map(|(m, _)| *m).collect();
    let (out, steps) = run(&published, &voters, 1);

    // 8 messages: 4 processing proofs; 3 voters: 2 tally proofs.
    check_proofs_against_contract_statements(&out, &published, &voters);
    assert_eq!((out.process.len(), out.tally.len()), (4, 2));

    // Outcomes and results are the native specification's.
    let expected: Vec<Outcome> = cases.iter().map(|(_, o)| *o).collect();
    assert_eq!(out.outcomes, expected);
    let submitted: Vec<SubmittedMessage> =
        published.iter().map(|m| SubmittedMessage { message: *m, submitted_at: poll().deadline }).collect();
    let native = process(&poll(), &voters, &submitted, &coordinator(), Fr::ZERO).expect("native process");
    assert_eq!(out.outcomes, native.outcomes);
    assert_eq!(out.results, native.tally.results);
    assert_eq!(out.total_spent, native.tally.total_spent);
    let votes: Vec<u128> = out.results.iter().map(|r| r.votes).collect();
    assert_eq!(votes, vec![7, 5, 6]);
    assert_eq!(out.total_spent, 49 + 25 + 36);

    // Progress: each proof started then done, processing first; `completed` counts up to 6.
    assert_eq!(steps.len(), 12);
    let kinds: Vec<(ProofKind, usize, usize, bool)> =
        steps.iter().map(|s| (s.kind, s.i, s.n, s.done)).collect();
    assert_eq!(kinds[0], (ProofKind::Process, 1, 4, false));
    assert_eq!(kinds[1], (ProofKind::Process, 1, 4, true));
    assert_eq!(kinds[8], (ProofKind::Tally, 1, 2, false));
    assert_eq!(kinds[11], (ProofKind::Tally, 2, 2, true));
    assert_eq!(steps[0].batch, 3);
    assert!(steps.iter().all(|s| s.total == 6));
    assert_eq!(
        steps.iter().map(CoordinatorStep::completed).collect::<Vec<_>>(),
        vec![0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    );
    assert_eq!(steps[0].to_string(), "proving processing proof 1 of 4 (batch 3)");
}

#[test]
fn vote_coordinate_of_a_poll_without_messages_proves_one_padded_batch_and_a_zero_tally() {
    let voters = voters();
    let (out, _) = run(&[], &voters, 3);
    let final_sb = check_proofs_against_contract_statements(&out, &[], &voters);
    assert_eq!(out.process.len(), 1, "closePoll pads an empty chain to one batch");
    assert_eq!(out.process[0].batch, 0);
    assert!(out.outcomes.is_empty());
    assert_eq!(out.results, vec![OptionResult::default(); 3]);
    assert_eq!(out.total_spent, 0);
    // Nothing applied: the trees are the initial ones under a fresh salt.
    assert_ne!(final_sb, initial_sb(&voters, &PARAMS).expect("initial sb"));
    assert_eq!(out.tally.len(), 2);
}

#[test]
fn vote_pad_messages_pads_like_close_poll() {
    let m = messages()[0].0;
    assert_eq!(pad_messages(&[], 2), vec![PAD_MESSAGE; 2]);
    assert_eq!(pad_messages(&[m], 2), vec![m, PAD_MESSAGE]);
    assert_eq!(pad_messages(&[m, m], 2), vec![m, m]);
    assert_eq!(pad_messages(&[m; 3], 2).len(), 4);
}

#[test]
fn vote_dev_setup_is_deterministic_and_named() {
    let (process_keys, tally_keys) = keys();
    assert!(process_keys.insecure_dev_setup && tally_keys.insecure_dev_setup);
    assert_eq!(dev_setup_tally(TALLY_PARAMS, TALLY_SEED).expect("setup").vk, tally_keys.vk);
    assert_ne!(dev_setup_tally(TALLY_PARAMS, [1; 32]).expect("setup").vk, tally_keys.vk);
    assert_eq!(dev_setup_process(PARAMS, PROCESS_SEED).expect("setup").vk, process_keys.vk);
    assert_eq!(process_keys.vk.gamma_abc_g1.len(), 2, "one public input");
    assert_eq!(tally_keys.vk.gamma_abc_g1.len(), 2, "one public input");

    assert_eq!(process_circuit_name(&VoteParams::PRODUCTION), "vote-process-s10-v3-b25");
    assert_eq!(tally_circuit_name(&TallyParams::PRODUCTION), "vote-tally-s10-v3-t32");
    let err = dev_setup_tally(TallyParams::test(3), TALLY_SEED).expect_err("T = 3");
    assert!(matches!(err, ProverError::Params(_)), "{err}");
    assert!(err.to_string().contains("power of two"), "{err}");
}

#[test]
fn vote_debug_of_a_run_and_its_result_hides_the_secrets() {
    let voters = voters();
    let coordinator = coordinator();
    let run = PollRun { poll: poll(), voters: &voters, messages: &[], coordinator: &coordinator };
    let debug = format!("{run:?}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains(&coordinator.secret_scalar().to_string()), "{debug}");
    assert!(!debug.contains(&hex::encode(coordinator.expose_bytes())), "{debug}");
    assert!(!debug.contains("192, 192"), "{debug}");

    let (out, _) = run_small();
    check_proofs_against_contract_statements(&out, &[small_message()], &voters);
    assert_eq!(out.outcomes, vec![Outcome::Applied]);
    assert_ne!(out.salt, Fr::ZERO, "salts come from the rng");
    let debug = format!("{out:?}");
    assert!(!debug.contains(&out.salt.to_string()), "the tally salt stays secret until publication: {debug}");
}

/// One message from A (padded to a batch of 2): a cheap full run.
fn small_message() -> Message {
    let a = voter_key(0);
    vote(9, 0, &a, &a, 2, 3, 1)
}

fn run_small() -> (Coordinated, Vec<CoordinatorStep>) {
    run(&[small_message()], &voters(), 4)
}

#[test]
fn vote_coordinate_refuses_a_wrong_key_or_tally_size_before_proving() {
    let (process_keys, tally_keys) = keys();
    let voters = voters();
    let published: Vec<Message> = messages().iter().map(|(m, _)| *m).collect();
    let stranger = PrivateKey::from_bytes([0x5a; 32]);
    let mut steps = 0;

    let wrong = PollRun { poll: poll(), voters: &voters, messages: &published, coordinator: &stranger };
    let err =
        coordinate(&wrong, &process_keys.pk, PARAMS, &tally_keys.pk, TALLY_BATCH, &mut rng(5), &mut |_| {
            steps += 1
        })
        .expect_err("not the coordinator's key");
    assert!(
        matches!(err, VoteProverError::Process(WitnessError::Process(ProcessError::WrongCoordinatorKey))),
        "{err}"
    );

    let coordinator = coordinator();
    let ok = PollRun { poll: poll(), voters: &voters, messages: &published, coordinator: &coordinator };
    let err = coordinate(&ok, &process_keys.pk, PARAMS, &tally_keys.pk, 3, &mut rng(5), &mut |_| steps += 1)
        .expect_err("T = 3");
    assert!(matches!(err, VoteProverError::Tally(_)), "{err}");
    assert!(err.to_string().contains("power of two"), "{err}");
    assert_eq!(steps, 0, "no proof was started");

    // The keys swapped: the first processing proof fails on the key's shape.
    let err =
        coordinate(&ok, &tally_keys.pk, PARAMS, &process_keys.pk, TALLY_BATCH, &mut rng(5), &mut |_| {})
            .expect_err("swapped keys");
    match err {
        VoteProverError::Prove {
            kind: ProofKind::Process,
            batch: 3,
            source: ProverError::KeyShapeMismatch { .. },
        } => {}
        other => panic!("expected a key shape mismatch, got {other}"),
    }
}

/// Both circuits of a poll, proven on the same witnesses by arkworks' stock prover and by the
/// cached-matrix prover (matrices from a blank batch): both proofs verify.
#[test]
fn vote_stock_and_cached_matrix_proofs_both_verify() {
    use ark_groth16::Groth16;
    use ark_snark::SNARK;
    use ccr_circuits::vote::constraints::{ProcessCircuit, TallyCircuit};
    use ccr_circuits::vote::tally_witness::{tally_after_processing, TallyBatchWitness};
    use ccr_circuits::vote::witness::{process_witnesses, ProcessBatchWitness};
    use ccr_prover::{Bn254, Prover};

    let (process_keys, tally_keys) = keys();
    let voters = voters();
    let published: Vec<Message> = messages().iter().map(|(m, _)| *m).collect();
    let padded = pad_messages(&published, PARAMS.batch_size);
    let mut salts = rng(9);
    let mut salt = || <Fr as ark_std::UniformRand>::rand(&mut salts);
    let processing =
        process_witnesses(&poll(), &voters, &padded, &coordinator(), &PARAMS, &mut salt).unwrap();
    let tally = tally_after_processing(&poll(), &processing, TALLY_BATCH, &mut salt).unwrap();
    let (process_batch, tally_batch) = (&processing.batches[0], &tally.batches[0]);

    let stock =
        Groth16::<Bn254>::prove(&process_keys.pk, ProcessCircuit::new(process_batch.clone()), &mut rng(1))
            .unwrap();
    assert!(verify(&process_keys.vk, &[process_batch.public_input()], &stock).unwrap());
    let stock =
        Groth16::<Bn254>::prove(&tally_keys.pk, TallyCircuit::new(tally_batch.clone()), &mut rng(2)).unwrap();
    assert!(verify(&tally_keys.vk, &[tally_batch.public_input()], &stock).unwrap());

    let prover = Prover::new(
        process_keys.pk.clone(),
        ProcessCircuit::new(ProcessBatchWitness::blank(PARAMS).unwrap()),
    )
    .unwrap();
    let (cached, public) =
        prover.prove_with_public_inputs(ProcessCircuit::new(process_batch.clone()), &mut rng(3)).unwrap();
    assert_eq!(public, [process_batch.public_input()]);
    assert!(verify(&process_keys.vk, &public, &cached).unwrap());
    let prover = Prover::new(
        tally_keys.pk.clone(),
        TallyCircuit::new(TallyBatchWitness::blank(TALLY_PARAMS).unwrap()),
    )
    .unwrap();
    let (cached, public) =
        prover.prove_with_public_inputs(TallyCircuit::new(tally_batch.clone()), &mut rng(4)).unwrap();
    assert_eq!(public, [tally_batch.public_input()]);
    assert!(verify(&tally_keys.vk, &public, &cached).unwrap());
}

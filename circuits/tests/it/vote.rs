//! Private quadratic voting (MACI v2), native layer: known answers from circomlibjs and
//! `@zk-kit/poseidon-cipher` (tools/js/gen-vote-fixtures.js), the cipher's rejections, and a
//! whole poll whose every ignored message is ignored for the reason it was built to fail.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field};
use ark_std::UniformRand;
use ccr_circuits::babyjubjub::eddsa::{PrivateKey, Signature};
use ccr_circuits::babyjubjub::{Point, BASE8, GENERATOR};
use ccr_circuits::poseidon;
use ccr_circuits::vote::cipher::ciphertext_len;
use ccr_circuits::vote::tally::OptionResult;
use ccr_circuits::vote::{
    chain_hash, ecdh, poseidon_decrypt, poseidon_encrypt, process, results_commitment, CipherError, Command,
    CommandError, Message, MessageError, Outcome, Poll, ProcessError, Rejection, SubmittedMessage,
    VoterState, EMPTY_CHAIN,
};
use ccr_circuits::Fr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::{fixture, fr};
use crate::vote_common::{key, vote_message};

fn point(j: &serde_json::Value) -> Point {
    Point::new_unchecked(fr(j[0].as_str().unwrap()), fr(j[1].as_str().unwrap()))
}

fn frs(j: &serde_json::Value) -> Vec<Fr> {
    j.as_array().unwrap().iter().map(|v| fr(v.as_str().unwrap())).collect()
}

fn key_hex(j: &serde_json::Value) -> PrivateKey {
    PrivateKey::from_bytes(hex::decode(j.as_str().unwrap()).unwrap().try_into().unwrap())
}

#[test]
fn permutation_matches_zk_kit_and_the_hash() {
    let fx = fixture("vote_maci.json");
    for v in fx["permutation"].as_array().unwrap() {
        let mut state = frs(&v["input"]);
        poseidon::permute(&mut state).unwrap();
        assert_eq!(state, frs(&v["output"]));
    }
    // Poseidon(inputs) is the first output of the permutation of [0, inputs…], for every width.
    for n in 1..=poseidon::MAX_INPUTS {
        let inputs: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i * 7 + 3)).collect();
        let mut state = vec![Fr::ZERO];
        state.extend(&inputs);
        poseidon::permute(&mut state).unwrap();
        assert_eq!(state[0], poseidon::hash(&inputs).unwrap(), "width {}", n + 1);
    }
    assert_eq!(
        poseidon::permute(&mut [Fr::ONE]),
        Err(poseidon::PoseidonError::Arity { got: 0, max: poseidon::MAX_INPUTS })
    );
    assert!(poseidon::permute(&mut [Fr::ONE; poseidon::MAX_INPUTS + 2]).is_err());
}

#[test]
fn ecdh_matches_maci() {
    let fx = fixture("vote_maci.json");
    let vectors = fx["ecdh"].as_array().unwrap();
    assert_eq!(vectors.len(), 4);
    for v in vectors {
        let sk = key_hex(&v["private_key"]);
        let pk = point(&v["public_key"]);
        let shared = point(&v["shared_key"]);
        assert_eq!(ecdh(&sk, &pk), shared);
    }
    // Symmetric, and a point of the prime-order subgroup.
    let (a, b) = (key(1), key(2));
    let shared = ecdh(&a, &b.public_key());
    assert_eq!(shared, ecdh(&b, &a.public_key()));
    assert!(shared.is_in_correct_subgroup_assuming_on_curve() && !shared.is_zero());
    assert_ne!(shared, ecdh(&key(3), &b.public_key()));
}

#[test]
fn poseidon_cipher_matches_zk_kit() {
    let fx = fixture("vote_maci.json");
    let vectors = fx["cipher"].as_array().unwrap();
    assert_eq!(vectors.len(), 9);
    for v in vectors {
        let key: [Fr; 2] = frs(&v["key"]).try_into().unwrap();
        let nonce: u128 = v["nonce"].as_str().unwrap().parse().unwrap();
        let plaintext = frs(&v["plaintext"]);
        let ciphertext = frs(&v["ciphertext"]);
        assert_eq!(ciphertext.len(), ciphertext_len(plaintext.len()));
        assert_eq!(poseidon_encrypt(&plaintext, &key, nonce), ciphertext, "length {}", plaintext.len());
        assert_eq!(poseidon_decrypt(&ciphertext, &key, nonce, plaintext.len()), Ok(plaintext));
    }
}

#[test]
fn encryption_round_trips_for_every_length() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for len in 0..=10usize {
        let shared = ecdh(&key(10 + len as u64), &key(40).public_key());
        let key = [shared.x, shared.y];
        let plaintext: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
        let nonce = u128::from(len as u64) * 1_000_003;
        let ciphertext = poseidon_encrypt(&plaintext, &key, nonce);
        assert_eq!(ciphertext.len(), len.div_ceil(3) * 3 + 1);
        assert_eq!(poseidon_decrypt(&ciphertext, &key, nonce, len), Ok(plaintext));
    }
}

/// A fresh valid (ciphertext, key, nonce, length) of MACI's message length.
fn valid_ciphertext() -> (Vec<Fr>, [Fr; 2], u128, usize) {
    let shared = ecdh(&key(100), &key(101).public_key());
    let plaintext: Vec<Fr> = (1..=7u64).map(Fr::from).collect();
    let key = [shared.x, shared.y];
    (poseidon_encrypt(&plaintext, &key, 0), key, 0, plaintext.len())
}

#[test]
fn decryption_rejects_a_wrong_key_nonce_length_or_tampering() {
    let (c, k, n, len) = valid_ciphertext();
    assert!(poseidon_decrypt(&c, &k, n, len).is_ok());

    let (c, _, n, len) = valid_ciphertext();
    let wrong = ecdh(&key(100), &key(102).public_key());
    assert_eq!(poseidon_decrypt(&c, &[wrong.x, wrong.y], n, len), Err(CipherError::Padding));

    let (c, k, _, len) = valid_ciphertext();
    assert_eq!(poseidon_decrypt(&c, &k, 1, len), Err(CipherError::Padding));

    // Same ciphertext length, other plaintext length: the state's domain differs.
    let (c, k, n, _) = valid_ciphertext();
    assert_eq!(poseidon_decrypt(&c, &k, n, 8), Err(CipherError::Padding));
    // Without padding to check (a multiple of 3), a wrong key meets the tag.
    let shared = ecdh(&key(100), &key(101).public_key());
    let c9 = poseidon_encrypt(&[Fr::ONE; 9], &[shared.x, shared.y], 0);
    assert_eq!(poseidon_decrypt(&c9, &[wrong.x, wrong.y], 0, 9), Err(CipherError::Authentication));
    let (c, k, n, _) = valid_ciphertext();
    assert_eq!(
        poseidon_decrypt(&c, &k, n, 4),
        Err(CipherError::Length { plaintext: 4, expected: 7, got: 10 })
    );

    // Altering a block changes the state that decrypts every later block: the padding
    // (plaintext elements 7 and 8) stops being zero. Altering the last plaintext element or
    // the tag leaves the padding alone, and the tag notices.
    for i in 0..10 {
        let (mut c, k, n, len) = valid_ciphertext();
        c[i] += Fr::ONE;
        let want = if i == 6 || i == 9 { CipherError::Authentication } else { CipherError::Padding };
        assert_eq!(poseidon_decrypt(&c, &k, n, len), Err(want), "tampering element {i}");
    }
}

#[test]
fn messages_match_the_maci_layout() {
    let fx = fixture("vote_maci.json");
    let m = &fx["messages"];
    let coordinator = key_hex(&m["coordinator_private_key"]);
    assert_eq!(coordinator.public_key(), point(&m["coordinator_pubkey"]));
    let mut chain = EMPTY_CHAIN;
    let vectors = m["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        let c = &v["command"];
        let int = |j: &serde_json::Value| j.as_str().unwrap().parse::<u64>().unwrap();
        let command = Command {
            state_index: int(&c["state_index"]),
            new_pubkey: point(&c["new_pubkey"]),
            vote_option: int(&c["vote_option"]),
            new_vote_weight: int(&c["new_vote_weight"]),
            nonce: int(&c["nonce"]),
            poll_id: int(&c["poll_id"]),
            salt: fr(c["salt"].as_str().unwrap()),
        };
        let voter = key_hex(&v["voter_private_key"]);
        let ephemeral = key_hex(&v["ephemeral_private_key"]);
        let signature =
            Signature { r8: point(&v["signature"]["R8"]), s: fr(v["signature"]["S"].as_str().unwrap()) };

        assert_eq!(command.packed(), Ok(fr(v["packed"].as_str().unwrap())));
        assert_eq!(command.hash(), Ok(fr(v["command_hash"].as_str().unwrap())));
        assert_eq!(command.sign(&voter), Ok(signature));
        assert_eq!(ecdh(&ephemeral, &coordinator.public_key()), point(&v["shared_key"]));

        let message =
            Message::sign_and_encrypt(&command, &voter, &ephemeral, &coordinator.public_key()).unwrap();
        assert_eq!(message.data.to_vec(), frs(&v["data"]));
        assert_eq!(message.enc_pubkey, point(&v["enc_pubkey"]));
        assert_eq!(message.hash(), fr(v["message_hash"].as_str().unwrap()));
        chain = chain_hash(chain, &message);
        assert_eq!(chain, fr(v["chain_after"].as_str().unwrap()));

        assert_eq!(message.decrypt(&coordinator), Ok((command, signature)));
        assert!(matches!(message.decrypt(&voter), Err(MessageError::Cipher(_))));
    }
}

#[test]
fn commands_pack_fifty_bit_parts() {
    let command = Command {
        state_index: 1,
        new_pubkey: key(1).public_key(),
        vote_option: 2,
        new_vote_weight: 3,
        nonce: 4,
        poll_id: 5,
        salt: Fr::from(6u64),
    };
    let two50 = Fr::from(1u64 << 50);
    let expected = Fr::from(1u64)
        + Fr::from(2u64) * two50
        + Fr::from(3u64) * two50.pow([2])
        + Fr::from(4u64) * two50.pow([3])
        + Fr::from(5u64) * two50.pow([4]);
    assert_eq!(command.packed(), Ok(expected));
    assert_eq!(Command::unpack(expected, command.new_pubkey, command.salt), Ok(command));

    let wide = Command { new_vote_weight: 1 << 50, ..command };
    assert_eq!(wide.packed(), Err(CommandError::PartTooWide { part: "vote weight", value: 1 << 50 }));
    assert_eq!(
        Command::unpack(two50.pow([5]), command.new_pubkey, command.salt),
        Err(CommandError::PackedTooWide)
    );
    // A command is secret: its Debug shows no weight, option or salt.
    let shown = format!("{command:?}");
    assert!(!shown.contains("vote_option") && !shown.contains("salt"), "{shown}");
}

#[test]
fn a_message_with_an_ephemeral_key_outside_the_subgroup_is_unreadable() {
    let coordinator = key(50);
    let command = Command {
        state_index: 0,
        new_pubkey: key(1).public_key(),
        vote_option: 0,
        new_vote_weight: 1,
        nonce: 1,
        poll_id: 0,
        salt: Fr::ZERO,
    };
    let message = Message::sign_and_encrypt(&command, &key(1), &key(51), &coordinator.public_key()).unwrap();
    assert!(message.decrypt(&coordinator).is_ok());
    for bad in [GENERATOR, Point::zero(), Point::new_unchecked(Fr::from(1u64), Fr::from(2u64))] {
        let tampered = Message { enc_pubkey: bad, ..message };
        assert_eq!(tampered.decrypt(&coordinator), Err(MessageError::InvalidEphemeralKey));
    }
}

// ---------------------------------------------------------------- a whole poll

const POLL_ID: u64 = 3;
const DEADLINE: u64 = 1000;
const CREDITS: u64 = 100;

struct Voters {
    keys: Vec<PrivateKey>,
    /// D's key after her key change.
    d2: PrivateKey,
    /// A key that belongs to no voter.
    stranger: PrivateKey,
}

fn voters() -> Voters {
    Voters { keys: (0..5).map(|i| key(200 + i)).collect(), d2: key(300), stranger: key(301) }
}

const A: u64 = 0;
const B: u64 = 1;
const C: u64 = 2;
const D: u64 = 3;
const E: u64 = 4;

fn poll(coordinator: &PrivateKey) -> Poll {
    Poll {
        id: POLL_ID,
        options: 3,
        deadline: DEADLINE,
        voice_credits: CREDITS,
        coordinator: coordinator.public_key(),
    }
}

/// A message at `time` from voter `index`, signed by `signer`, setting `option` to `weight`
/// with `nonce` and new key `new_key`.
#[allow(clippy::too_many_arguments)]
fn vote(
    seq: u64,
    time: u64,
    index: u64,
    signer: &PrivateKey,
    new_key: Point,
    option: u64,
    weight: u64,
    nonce: u64,
    coordinator: &Point,
) -> SubmittedMessage {
    let message = vote_message(seq, index, signer, new_key, option, weight, nonce, POLL_ID, coordinator);
    SubmittedMessage { message, submitted_at: time }
}

/// The poll's 15 messages, in submission order, and the outcome each must have.
fn poll_messages(v: &Voters, coordinator: &Point) -> Vec<(SubmittedMessage, Outcome)> {
    let k = &v.keys;
    let own = |i: u64| k[i as usize].public_key();
    let applied = Outcome::Applied;
    let ignored = Outcome::Ignored;
    vec![
        // 0. B votes 6 on option 2: processed after B's overspending message 7, which did not
        //    consume the nonce.
        (vote(0, 5, B, &k[1], own(B), 2, 6, 1, coordinator), applied),
        // 1. A's first vote, replaced by A's message 12 (nonce 1 again, processed first).
        (
            vote(1, 10, A, &k[0], own(A), 0, 5, 1, coordinator),
            ignored(Rejection::BadNonce { expected: 3, got: 1 }),
        ),
        // 2. D, signed with D's new key before the key change was submitted: processed after it.
        (vote(2, 12, D, &v.d2, v.d2.public_key(), 0, 1, 2, coordinator), applied),
        // 3. C spends 49 more where 36 are left (C's message 8 cost 64).
        (
            vote(3, 15, C, &k[2], own(C), 1, 7, 2, coordinator),
            ignored(Rejection::InsufficientCredits { available: 36, cost: 49 }),
        ),
        // 4. A's message encrypted to someone else than the coordinator.
        (
            vote(4, 18, A, &k[0], own(A), 2, 1, 3, &v.stranger.public_key()),
            ignored(Rejection::Unreadable(MessageError::Cipher(CipherError::Padding))),
        ),
        // 5. A's second message (nonce 2) after A's last (nonce 1).
        (vote(5, 20, A, &k[0], own(A), 1, 4, 2, coordinator), applied),
        // 6. D's message under the key D later replaced.
        (vote(6, 25, D, &k[3], own(D), 2, 2, 2, coordinator), ignored(Rejection::BadSignature)),
        // 7. B overspends: 11² = 121 > 100.
        (
            vote(7, 30, B, &k[1], own(B), 2, 11, 1, coordinator),
            ignored(Rejection::InsufficientCredits { available: 100, cost: 121 }),
        ),
        // 8. C votes 8 on option 0 (64 credits).
        (vote(8, 40, C, &k[2], own(C), 0, 8, 1, coordinator), applied),
        // 9. E's index, a stranger's signature.
        (vote(9, 45, E, &v.stranger, own(E), 2, 1, 2, coordinator), ignored(Rejection::BadSignature)),
        // 10. D's key change, with a vote of 3 on option 1.
        (vote(10, 50, D, &k[3], v.d2.public_key(), 1, 3, 1, coordinator), applied),
        // 11. E votes 2 on option 1.
        (vote(11, 55, E, &k[4], own(E), 1, 2, 1, coordinator), applied),
        // 12. A changes the vote on option 0 to 7.
        (vote(12, 60, A, &k[0], own(A), 0, 7, 1, coordinator), applied),
        // 13. At the deadline exactly (accepted), an option the poll does not have.
        (
            vote(13, DEADLINE, C, &k[2], own(C), 3, 1, 1, coordinator),
            ignored(Rejection::InvalidVoteOption { option: 3, options: 3 }),
        ),
        // 14. After the deadline: it would have replaced E's vote.
        (
            vote(14, DEADLINE + 1, E, &k[4], own(E), 1, 9, 1, coordinator),
            ignored(Rejection::AfterDeadline { submitted_at: DEADLINE + 1, deadline: DEADLINE }),
        ),
    ]
}

#[test]
fn a_poll_applies_valid_messages_and_ignores_each_invalid_one() {
    let coordinator = key(400);
    let poll = poll(&coordinator);
    let v = voters();
    let starting: Vec<VoterState> = v.keys.iter().map(|k| poll.voter(k.public_key())).collect();
    let (messages, expected): (Vec<_>, Vec<_>) = poll_messages(&v, &poll.coordinator).into_iter().unzip();
    let salt = Fr::from(777u64);

    let processed = process(&poll, &starting, &messages, &coordinator, salt).unwrap();
    for (i, (got, want)) in processed.outcomes.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "message {i}");
    }
    assert_eq!(processed.outcomes.len(), 15);

    // Ballots and balances, worked out by hand from the rules.
    let ballots: Vec<(u64, Vec<u64>)> =
        processed.ballots.iter().map(|b| (b.nonce, b.votes.clone())).collect();
    assert_eq!(
        ballots,
        vec![
            (2, vec![7, 4, 0]),
            (1, vec![0, 0, 6]),
            (1, vec![8, 0, 0]),
            (2, vec![1, 3, 0]),
            (1, vec![0, 2, 0])
        ]
    );
    let balances: Vec<u64> = processed.voters.iter().map(|s| s.voice_credits).collect();
    assert_eq!(balances, vec![100 - 49 - 16, 100 - 36, 100 - 64, 100 - 9 - 1, 100 - 4]);
    // D's key is the new one; the others kept theirs.
    assert_eq!(processed.voters[D as usize].pubkey, v.d2.public_key());
    for i in [A, B, C, E] {
        assert_eq!(processed.voters[i as usize].pubkey, v.keys[i as usize].public_key());
    }

    // Per option: votes Σw and credits Σw².
    let tally = &processed.tally;
    let results = vec![
        OptionResult { votes: 7 + 8 + 1, spent: 49 + 64 + 1 },
        OptionResult { votes: 4 + 3 + 2, spent: 16 + 9 + 4 },
        OptionResult { votes: 6, spent: 36 },
    ];
    assert_eq!(tally.results, results);
    assert_eq!(tally.total_spent, 179);
    assert_eq!(tally.poll_id, POLL_ID);

    // The chain holds the 14 messages accepted before the deadline, in submission order.
    let chain = messages[..14].iter().fold(EMPTY_CHAIN, |c, m| chain_hash(c, &m.message));
    assert_eq!(tally.message_chain, chain);

    // The commitment, spelled out.
    let mut r = Fr::ZERO;
    for (votes, spent) in [(16u64, 114u64), (9, 29), (6, 36)] {
        r = poseidon::hash_n(&[r, Fr::from(votes), Fr::from(spent)]);
    }
    let commitment = poseidon::hash_n(&[r, Fr::from(179u64), salt]);
    assert_eq!(tally.commitment, commitment);
    assert_eq!(results_commitment(&results, salt), commitment);
    assert_ne!(results_commitment(&results, salt + Fr::ONE), commitment);

    // The witness stays out of Debug output.
    let shown = format!("{processed:?}");
    assert!(!shown.contains("ballots") && !shown.contains("outcomes"), "{shown}");
}

#[test]
fn without_the_key_change_the_old_key_message_counts() {
    // The same poll without D's key change (message 10): D's message 6 under D's sign-up key is
    // applied, and message 2 under the never-installed key is not.
    let coordinator = key(400);
    let poll = poll(&coordinator);
    let v = voters();
    let starting: Vec<VoterState> = v.keys.iter().map(|k| poll.voter(k.public_key())).collect();
    let mut messages: Vec<SubmittedMessage> =
        poll_messages(&v, &poll.coordinator).into_iter().map(|(m, _)| m).collect();
    messages.remove(10);
    let processed = process(&poll, &starting, &messages, &coordinator, Fr::ZERO).unwrap();
    // Message 6 is now D's first processed: its nonce 2 is one too many.
    assert_eq!(processed.outcomes[6], Outcome::Ignored(Rejection::BadNonce { expected: 1, got: 2 }));
    assert_eq!(processed.outcomes[2], Outcome::Ignored(Rejection::BadSignature));
    assert_eq!(processed.voters[D as usize].pubkey, v.keys[D as usize].public_key());
    assert_eq!(processed.ballots[D as usize].votes, vec![0, 0, 0]);
}

#[test]
fn process_refuses_a_wrong_coordinator_key_and_bad_polls() {
    let coordinator = key(400);
    let v = voters();
    let good = poll(&coordinator);
    let starting: Vec<VoterState> = v.keys.iter().map(|k| good.voter(k.public_key())).collect();
    assert_eq!(
        process(&good, &starting, &[], &key(401), Fr::ZERO).unwrap_err(),
        ProcessError::WrongCoordinatorKey
    );
    let no_options = Poll { options: 0, ..good };
    assert_eq!(
        process(&no_options, &starting, &[], &coordinator, Fr::ZERO).unwrap_err(),
        ProcessError::Options(0)
    );
    let wide = Poll { id: 1 << 50, ..good };
    assert_eq!(
        process(&wide, &starting, &[], &coordinator, Fr::ZERO).unwrap_err(),
        ProcessError::PollIdTooWide(1 << 50)
    );
    // No message: nothing spent, the empty chain.
    let empty = process(&good, &starting, &[], &coordinator, Fr::ZERO).unwrap();
    assert_eq!(empty.tally.total_spent, 0);
    assert_eq!(empty.tally.message_chain, EMPTY_CHAIN);
    assert!(empty.voters.iter().all(|s| s.voice_credits == CREDITS));
}

#[test]
fn a_command_for_another_poll_or_an_unknown_voter_is_ignored() {
    let coordinator = key(400);
    let poll = poll(&coordinator);
    let v = voters();
    let starting: Vec<VoterState> = v.keys.iter().map(|k| poll.voter(k.public_key())).collect();
    let other_poll = Command {
        state_index: A,
        new_pubkey: v.keys[0].public_key(),
        vote_option: 0,
        new_vote_weight: 1,
        nonce: 1,
        poll_id: POLL_ID + 1,
        salt: Fr::ONE,
    };
    let unknown = Command { state_index: 5, poll_id: POLL_ID, ..other_poll };
    let bad_key = Command { poll_id: POLL_ID, new_pubkey: GENERATOR, ..other_poll };
    let messages: Vec<SubmittedMessage> = [other_poll, unknown, bad_key]
        .iter()
        .enumerate()
        .map(|(i, c)| SubmittedMessage {
            message: Message::sign_and_encrypt(c, &v.keys[0], &key(600 + i as u64), &poll.coordinator)
                .unwrap(),
            submitted_at: 1,
        })
        .collect();
    let processed = process(&poll, &starting, &messages, &coordinator, Fr::ZERO).unwrap();
    assert_eq!(
        processed.outcomes,
        vec![
            Outcome::Ignored(Rejection::WrongPoll { got: POLL_ID + 1 }),
            Outcome::Ignored(Rejection::UnknownVoter { state_index: 5, voters: 5 }),
            Outcome::Ignored(Rejection::InvalidNewKey),
        ]
    );
    assert_eq!(processed.tally.total_spent, 0);
    // BASE8 generates the subgroup: a valid new key.
    let fine = Command {
        poll_id: POLL_ID,
        new_pubkey: (BASE8 * ccr_circuits::babyjubjub::ScalarField::from(5u64)).into_affine(),
        ..other_poll
    };
    let m = SubmittedMessage {
        message: Message::sign_and_encrypt(&fine, &v.keys[0], &key(700), &poll.coordinator).unwrap(),
        submitted_at: 1,
    };
    let processed = process(&poll, &starting, &[m], &coordinator, Fr::ZERO).unwrap();
    assert_eq!(processed.outcomes, vec![Outcome::Applied]);
    assert_eq!(processed.tally.total_spent, 1);
}

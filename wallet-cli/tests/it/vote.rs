//! The wallet's vote rules against the native processing: derived vote keys, the message a
//! `vote` builds, an override and a key change as the coordinator will see them, and the
//! refusals that never reach the network.

use alloy_primitives::Address;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::trees::{initial_sb, VoteParams};
use ccr_circuits::vote::{process, Outcome, Rejection, SubmittedMessage};
use ccr_circuits::Fr;
use ccr_wallet::vote::{build_vote, point_dec, vote_key, PollFile, RosterMember, VoteChoice, VoterPollState};
use ccr_wallet::WalletError;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from_bytes([seed; 32])
}

fn roster(members: &[PrivateKey], coordinator: &PrivateKey) -> PollFile {
    let mut file = PollFile {
        poll_contract: Address::repeat_byte(0x11),
        poll_id: 3,
        pool: 4,
        options: 2,
        deadline: 1_000,
        voice_credits: 100,
        coordinator: point_dec(&coordinator.public_key()),
        members: members
            .iter()
            .enumerate()
            .map(|(i, k)| RosterMember { account: 10 + i as u32, pubkey: point_dec(&k.public_key()) })
            .collect(),
        state_depth: 3,
        vote_depth: 1,
        initial_sb: String::new(),
        proposal: None,
        created_block: 1,
        tally: None,
    };
    file.initial_sb = file.computed_initial_sb().expect("sb").to_string();
    file
}

#[test]
fn vote_keys_are_derived_per_poll_and_generation() {
    let spending = key(7);
    assert_eq!(vote_key(&spending, 3, 0).public_key(), spending.public_key());
    let k1 = vote_key(&spending, 3, 1).public_key();
    assert_eq!(vote_key(&spending, 3, 1).public_key(), k1, "deterministic");
    assert_ne!(vote_key(&spending, 3, 2).public_key(), k1);
    assert_ne!(vote_key(&spending, 4, 1).public_key(), k1, "another poll");
    assert_ne!(vote_key(&key(8), 3, 1).public_key(), k1, "another member");
    assert_ne!(k1, spending.public_key());
}

#[test]
fn the_roster_commits_to_its_keys() {
    let members = [key(1), key(2), key(3)];
    let file = roster(&members, &key(9));
    let params = VoteParams { state_depth: 3, vote_depth: 1, batch_size: 1 };
    let voters: Vec<_> = members.iter().map(|k| file.poll().unwrap().voter(k.public_key())).collect();
    assert_eq!(file.computed_initial_sb().unwrap(), initial_sb(&voters, &params).unwrap());
    assert_eq!(file.voter_index(&members[2].public_key()), Some(2));
    assert_eq!(file.voter_index(&key(5).public_key()), None);
    let mut swapped = file.clone();
    swapped.members.swap(0, 1);
    assert_ne!(swapped.computed_initial_sb().unwrap(), file.computed_initial_sb().unwrap());
}

#[test]
fn an_override_and_a_key_change_count_as_the_coordinator_processes_them() {
    let members = [key(1), key(2), key(3)];
    let coordinator = key(9);
    let file = roster(&members, &coordinator);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut states: Vec<VoterPollState> = (0..3).map(|i| VoterPollState::new(&file, i)).collect();
    let mut chain = Vec::new();
    let mut send = |who: usize,
                    option: u64,
                    weight: u64,
                    new_key: bool,
                    chain: &mut Vec<SubmittedMessage>| {
        let (m, next) =
            build_vote(&file, &states[who], &members[who], VoteChoice { option, weight, new_key }, &mut rng)
                .expect("vote");
        states[who] = next;
        chain.push(SubmittedMessage { message: m, submitted_at: 500 });
    };
    send(0, 0, 2, false, &mut chain); // A against, overridden below
    send(1, 1, 2, false, &mut chain); // B for, voided by B's key change
    send(2, 0, 3, false, &mut chain); // C against
    send(0, 1, 4, false, &mut chain); // A for: the override
    send(1, 1, 5, true, &mut chain); // B's key change with 5 for
    let (decrypted, _) = chain[4].message.decrypt(&coordinator).expect("readable");
    assert_eq!(decrypted.nonce, 1);
    assert_eq!(decrypted.new_pubkey, vote_key(&members[1], 3, 1).public_key());
    assert_eq!(states[1].key_generation, 1);
    assert_eq!(states[1].votes.len(), 2);

    let poll = file.poll().unwrap();
    let p = process(&poll, &file.voters().unwrap(), &chain, &coordinator, Fr::from(0u64)).unwrap();
    assert_eq!(p.outcomes[0], Outcome::Ignored(Rejection::BadNonce { expected: 2, got: 1 }));
    assert_eq!(p.outcomes[1], Outcome::Ignored(Rejection::BadSignature));
    assert!(p.outcomes[2..].iter().all(|o| *o == Outcome::Applied), "{:?}", p.outcomes);
    let results: Vec<[u128; 2]> = p.tally.results.iter().map(|r| [r.votes, r.spent]).collect();
    assert_eq!(results, vec![[3, 9], [9, 41]]);
    assert_eq!(p.voters[1].pubkey, vote_key(&members[1], 3, 1).public_key());
}

#[test]
fn a_vote_outside_the_poll_or_the_credits_is_refused_before_sending() {
    let members = [key(1), key(2)];
    let file = roster(&members, &key(9));
    let state = VoterPollState::new(&file, 0);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let choice = |option, weight| VoteChoice { option, weight, new_key: false };
    let err = build_vote(&file, &state, &members[0], choice(2, 1), &mut rng).expect_err("option 2");
    assert!(matches!(&err, WalletError::Config(m) if m.contains("option 2")), "{err}");
    let err = build_vote(&file, &state, &members[0], choice(1, 11), &mut rng).expect_err("121 > 100");
    assert!(matches!(&err, WalletError::Config(m) if m.contains("at most 10")), "{err}");
    let err = build_vote(&file, &state, &key(5), choice(1, 1), &mut rng).expect_err("not a member");
    assert!(matches!(&err, WalletError::Config(m) if m.contains("roster")), "{err}");
    build_vote(&file, &state, &members[0], choice(1, 10), &mut rng).expect("100 credits suffice");
}

/// Every key and every string value of a JSON document, recursively.
fn json_words(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.push(k.clone());
                json_words(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_words(x, out)),
        serde_json::Value::String(s) => out.push(s.clone()),
        _ => {}
    }
}

/// A member votes twice (the first message is then ignored: its nonce no longer fits) and
/// another once; the coordinator records its tally in the roster file members fetch to verify.
/// That file must not say which message counted: with it, a briber who saw message 0 would know
/// the bribed vote was overridden (a vote receipt).
#[test]
fn attack_tally_file_reveals_vote_outcomes() {
    let members = [key(1), key(2)];
    let coordinator = key(9);
    let mut file = roster(&members, &coordinator);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let mut states: Vec<VoterPollState> = (0..2).map(|i| VoterPollState::new(&file, i)).collect();
    let mut chain = Vec::new();
    for (who, option, weight) in [(0usize, 0u64, 3u64), (1, 1, 2), (0, 1, 4)] {
        let choice = VoteChoice { option, weight, new_key: false };
        let (m, next) = build_vote(&file, &states[who], &members[who], choice, &mut rng).expect("vote");
        states[who] = next;
        chain.push(SubmittedMessage { message: m, submitted_at: 500 });
    }
    let poll = file.poll().unwrap();
    let p = process(&poll, &file.voters().unwrap(), &chain, &coordinator, Fr::from(0u64)).unwrap();
    assert_eq!(
        p.outcomes[0],
        Outcome::Ignored(Rejection::BadNonce { expected: 2, got: 1 }),
        "the bribed vote"
    );
    let proven = ccr_prover::vote::Coordinated {
        process: Vec::new(),
        tally: Vec::new(),
        results: p.tally.results.clone(),
        total_spent: p.tally.total_spent,
        salt: Fr::from(777u64),
        outcomes: p.outcomes.clone(),
    };
    // What `poll tally` writes into the roster file.
    file.tally = Some(ccr_wallet::poll::tally_record(&proven));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(PollFile::file_name(file.poll_id));
    file.save(&path).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let tally = json["tally"].as_object().expect("the tally record");
    let mut keys: Vec<&str> = tally.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["results", "salt", "totalSpent"], "only what L1 holds: {json}");
    let mut words = Vec::new();
    json_words(&json, &mut words);
    for w in &words {
        let w = w.to_lowercase();
        for leak in ["outcome", "applied", "ignored", "nonce", "signature", "voice credits"] {
            assert!(!w.contains(leak), "the published roster file says {w:?}: a vote receipt");
        }
    }
    // The results and the salt are there, as L1 has them.
    assert_eq!(json["tally"]["results"], serde_json::json!([["0", "0"], ["6", "20"]]));
    assert_eq!(json["tally"]["salt"], "777");
    // The coordinator's own value does not print the outcomes either.
    let shown = format!("{proven:?}");
    assert!(!shown.contains("BadNonce") && !shown.contains("Applied"), "{shown}");
}

#[test]
fn the_voters_state_file_is_secret() {
    let members = [key(1), key(2)];
    let file = roster(&members, &key(9));
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let state = VoterPollState::new(&file, 1);
    let choice = VoteChoice { option: 1, weight: 7, new_key: true };
    let (_, next) = build_vote(&file, &state, &members[1], choice, &mut rng).expect("vote");
    let dir = tempfile::tempdir().unwrap();
    let keystore = dir.path().join("bob.json");
    next.save(&keystore).unwrap();
    let path = VoterPollState::path_for(&keystore, file.poll_id);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the vote state is readable by others: {mode:o}");
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["secret"], ccr_wallet::vote::VOTER_STATE_LABEL);
    assert!(json["secret"].as_str().unwrap().starts_with("SECRET"));
    assert_eq!(json["votes"][0]["weight"], 7, "the file keeps the vote for the wallet itself");
    // No temporary file is left beside it (written atomically).
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // Reloaded, equal; and `Debug` shows neither the option nor the weight nor the key generation.
    let loaded = VoterPollState::load(&keystore, &file, 1).unwrap();
    assert_eq!(loaded, next);
    for shown in [format!("{loaded:?}"), format!("{:?}", loaded.votes[0])] {
        for leak in ["option", "weight", "generation", "7"] {
            assert!(!shown.contains(leak), "Debug shows {leak:?}: {shown}");
        }
        assert!(shown.contains("redacted") || shown.contains("SentVote"), "{shown}");
    }
}

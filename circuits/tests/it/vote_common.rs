//! What the vote tests share: seeded keys, a signed and encrypted vote, the padded chain.

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::vote::trees::PAD_MESSAGE;
use ccr_circuits::vote::{Command, Message};
use ccr_circuits::Fr;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A key from a seed (reproducible runs).
pub fn key(seed: u64) -> PrivateKey {
    PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

/// Message `seq` of a test: voter `index` (signing with `signer`) gives `weight` votes to
/// `option` with `nonce` and new key `new_key` in poll `poll_id`, encrypted to `to` under the
/// ephemeral key `key(5000 + seq)` (salt `1000 + seq`).
#[allow(clippy::too_many_arguments)]
pub fn vote_message(
    seq: u64,
    index: u64,
    signer: &PrivateKey,
    new_key: Point,
    option: u64,
    weight: u64,
    nonce: u64,
    poll_id: u64,
    to: &Point,
) -> Message {
    let command = Command {
        state_index: index,
        new_pubkey: new_key,
        vote_option: option,
        new_vote_weight: weight,
        nonce,
        poll_id,
        salt: Fr::from(1000 + seq),
    };
    Message::sign_and_encrypt(&command, signer, &key(5000 + seq), to).unwrap()
}

/// The chain padded to a multiple of `b`, as `closePoll` leaves it.
pub fn padded(messages: &[Message], b: usize) -> Vec<Message> {
    let mut out = messages.to_vec();
    while out.is_empty() || !out.len().is_multiple_of(b) {
        out.push(PAD_MESSAGE);
    }
    out
}

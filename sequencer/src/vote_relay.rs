//! Limits of the vote relay (`ccr_sendVote`): every relayed message is a `publishMessage`
//! transaction (≈ 352k gas) paid by the node's own L1 account, so the relay bounds what anyone
//! can make it spend.
//!
//! Three limits, checked together before anything is sent (a refused vote reserves nothing):
//!
//! - **per poll**: the poll's message count on L1 (`Poll.pollOf(id).messages`, read at every
//!   vote) plus the relays in flight stays below `min(poll_max, per_voter × voters)`. Read from
//!   L1, it survives a restart and needs no storage; messages others published directly (at
//!   their own cost) count too.
//! - **per encryption key**: at most `per_key` messages of one poll carry the same ephemeral
//!   public key. MACI messages carry no voter identity the relay can see (the command and its
//!   signature are encrypted to the coordinator), and wallets draw a fresh ephemeral key per
//!   message, so this limit stops replays of one message (or one key) and nothing more: an
//!   attacker with fresh keys is bounded by the per-poll and global limits only. The counts
//!   are seeded from the poll's `MessagePublished` events the first time a poll is seen after
//!   start-up, so they survive a restart too.
//! - **global**: at most `global_max` relays started within any sliding `window`. In memory:
//!   a restart starts an empty window (restarts are the operator's, not a client's, to make).
//!
//! Each refusal is [`SequencerError::VoteRelayLimit`] (`-32018`), counted in
//! [`VOTE_RELAY_REFUSED`](crate::metrics::VOTE_RELAY_REFUSED) by `limit`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ark_bn254::Fr;
use ccr_circuits::vote::Message;

use crate::error::SequencerError;

/// The relay's limits (`--vote-relay-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteRelayLimits {
    /// Messages per poll at most, whatever its number of voters.
    pub poll_max: u64,
    /// Messages per poll at most, per voter of the poll's roster.
    pub per_voter: u64,
    /// Messages of one poll with one ephemeral encryption key at most.
    pub per_key: u64,
    /// Relays started within any `window` at most, all polls together.
    pub global_max: u64,
    /// The global limit's sliding window.
    pub window: Duration,
}

impl Default for VoteRelayLimits {
    /// 1,024 messages per poll but at most 4 per voter (a vote, a key change and two changes
    /// of mind), one message per ephemeral key, 120 relays per hour (≈ 42M gas an hour).
    fn default() -> Self {
        Self { poll_max: 1024, per_voter: 4, per_key: 1, global_max: 120, window: Duration::from_secs(3600) }
    }
}

impl VoteRelayLimits {
    /// The per-poll limit of a poll of `voters` voters.
    pub fn poll_limit(&self, voters: u32) -> u64 {
        self.poll_max.min(self.per_voter.saturating_mul(u64::from(voters)))
    }
}

/// Which limit refused a vote (the `limit` label of the metric and of the error's `data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelayLimit {
    /// The poll's message limit.
    Poll,
    /// The per-encryption-key limit.
    Key,
    /// The global rate.
    Global,
}

impl RelayLimit {
    /// `"poll"`, `"key"`, `"global"`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Poll => "poll",
            Self::Key => "key",
            Self::Global => "global",
        }
    }
}

impl fmt::Display for RelayLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

type Key = (Fr, Fr);

#[derive(Debug, Default)]
struct PollState {
    /// The highest message count this node knows the poll reached on L1.
    known: u64,
    /// Relays admitted and not finished.
    in_flight: u64,
    /// Messages per ephemeral key: published (seeded from L1, then relayed) or in flight.
    keys: HashMap<Key, u64>,
}

#[derive(Debug, Default)]
struct State {
    polls: HashMap<u64, PollState>,
    /// When each relay of the current window started.
    recent: VecDeque<Instant>,
}

/// The relay's counters, shared by every request (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct VoteRelayLimiter {
    limits: VoteRelayLimits,
    state: Arc<Mutex<State>>,
}

/// One admitted relay: its slot in the poll's and the key's counts, released when dropped
/// (kept as published when [`RelayPermit::published`] was called).
#[derive(Debug)]
pub struct RelayPermit {
    state: Arc<Mutex<State>>,
    poll: u64,
    key: Key,
    published: Option<u64>,
}

impl VoteRelayLimiter {
    /// A limiter with no counts yet.
    pub fn new(limits: VoteRelayLimits) -> Self {
        Self { limits, state: Arc::default() }
    }

    /// Its limits.
    pub fn limits(&self) -> &VoteRelayLimits {
        &self.limits
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves counts that are still counts.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the per-key counts of `poll` are loaded.
    pub fn knows_poll(&self, poll: u64) -> bool {
        self.lock().polls.contains_key(&poll)
    }

    /// Loads the per-key counts of `poll` from its published messages (the first load wins:
    /// admissions after it already counted against it).
    pub fn seed(&self, poll: u64, published: &[Message]) {
        let mut st = self.lock();
        st.polls.entry(poll).or_insert_with(|| {
            let mut ps = PollState { known: published.len() as u64, ..PollState::default() };
            for m in published {
                *ps.keys.entry((m.enc_pubkey.x, m.enc_pubkey.y)).or_default() += 1;
            }
            ps
        });
    }

    /// Forgets `poll` (it no longer accepts votes).
    pub fn forget(&self, poll: u64) {
        self.lock().polls.remove(&poll);
    }

    /// Admits a relay of `message` to `poll`, which has `on_l1` messages on L1 and `voters`
    /// voters, at `now`; or says which limit refuses it. Counts nothing when it refuses.
    pub fn admit(
        &self,
        poll: u64,
        voters: u32,
        on_l1: u64,
        message: &Message,
        now: Instant,
    ) -> Result<RelayPermit, SequencerError> {
        let l = self.limits;
        let key = (message.enc_pubkey.x, message.enc_pubkey.y);
        let mut st = self.lock();
        while st.recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= l.window) {
            st.recent.pop_front();
        }
        let oldest = st.recent.front().copied();
        let window_used = st.recent.len() as u64;
        let ps = st.polls.entry(poll).or_default();
        ps.known = ps.known.max(on_l1);
        let refuse = |limit, max, detail: String| SequencerError::VoteRelayLimit {
            poll,
            limit,
            max,
            retry_after: None,
            detail,
        };
        let same_key = ps.keys.get(&key).copied().unwrap_or(0);
        if same_key >= l.per_key {
            return Err(refuse(
                RelayLimit::Key,
                l.per_key,
                format!(
                    "{same_key} message(s) of this poll already carry this encryption key (at most {}): encrypt each message with a fresh ephemeral key",
                    l.per_key
                ),
            ));
        }
        let poll_limit = l.poll_limit(voters);
        let counted = ps.known + ps.in_flight;
        if counted >= poll_limit {
            return Err(refuse(
                RelayLimit::Poll,
                poll_limit,
                format!(
                    "the poll holds {counted} message(s) (with those in flight), the relay's limit for a poll of {voters} voter(s) is {poll_limit} (min({}, {} per voter)); a voter may still publish on L1 directly",
                    l.poll_max, l.per_voter
                ),
            ));
        }
        if window_used >= l.global_max {
            let wait = oldest.map_or(l.window, |t| l.window.saturating_sub(now.saturating_duration_since(t)));
            return Err(SequencerError::VoteRelayLimit {
                poll,
                limit: RelayLimit::Global,
                max: l.global_max,
                retry_after: Some(wait.as_secs().max(1)),
                detail: format!(
                    "the node relayed {window_used} vote(s) in the last {} s (at most {}): retry in {} s",
                    l.window.as_secs(),
                    l.global_max,
                    wait.as_secs().max(1)
                ),
            });
        }
        ps.in_flight += 1;
        *ps.keys.entry(key).or_default() += 1;
        st.recent.push_back(now);
        Ok(RelayPermit { state: self.state.clone(), poll, key, published: None })
    }
}

impl RelayPermit {
    /// The message is on L1 at `index`: it stays counted.
    pub fn published(mut self, index: u64) {
        self.published = Some(index);
    }
}

impl Drop for RelayPermit {
    /// Releases the in-flight slot; an unpublished message gives its key's slot back. The
    /// global window keeps the attempt (an L1 failure may have cost gas).
    fn drop(&mut self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(ps) = st.polls.get_mut(&self.poll) else { return };
        ps.in_flight = ps.in_flight.saturating_sub(1);
        match self.published {
            Some(index) => ps.known = ps.known.max(index + 1),
            None => {
                if let Some(n) = ps.keys.get_mut(&self.key) {
                    *n = n.saturating_sub(1);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ccr_circuits::babyjubjub::Point;

    use super::*;

    fn msg(k: u64) -> Message {
        Message {
            data: [Fr::from(0u64); ccr_circuits::vote::message::MESSAGE_LEN],
            enc_pubkey: Point::new_unchecked(Fr::from(k), Fr::from(k + 1)),
        }
    }

    fn refused(r: Result<RelayPermit, SequencerError>) -> RelayLimit {
        match r {
            Err(SequencerError::VoteRelayLimit { limit, .. }) => limit,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn each_limit_refuses_and_counts_nothing_when_it_does() {
        let limits = VoteRelayLimits {
            poll_max: 3,
            per_voter: 2,
            per_key: 1,
            global_max: 4,
            window: Duration::from_secs(60),
        };
        let lim = VoteRelayLimiter::new(limits);
        let t0 = Instant::now();
        // A poll of 1 voter: 2 messages (per voter), not 3 (poll max).
        assert_eq!(limits.poll_limit(1), 2);
        assert_eq!(limits.poll_limit(9), 3);
        lim.admit(1, 1, 0, &msg(1), t0).unwrap().published(0);
        assert_eq!(refused(lim.admit(1, 1, 1, &msg(1), t0)), RelayLimit::Key);
        // In flight counts: the second is admitted, a third is not while it is.
        let p = lim.admit(1, 1, 1, &msg(2), t0).unwrap();
        assert_eq!(refused(lim.admit(1, 1, 1, &msg(3), t0)), RelayLimit::Poll);
        // A failed relay gives its poll and key slots back (not its global one).
        drop(p);
        let p = lim.admit(1, 1, 1, &msg(2), t0).unwrap();
        p.published(1);
        // A stale L1 count does not undercount what this node relayed.
        assert_eq!(refused(lim.admit(1, 1, 0, &msg(4), t0)), RelayLimit::Poll);
        // Global: four relays started (the failed one included): the window is full.
        lim.admit(2, 9, 0, &msg(5), t0).unwrap().published(0);
        let e = lim.admit(2, 9, 1, &msg(6), t0 + Duration::from_secs(10)).unwrap_err();
        match e {
            SequencerError::VoteRelayLimit {
                limit: RelayLimit::Global,
                retry_after: Some(50),
                max: 4,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        // The window slides.
        lim.admit(2, 9, 1, &msg(6), t0 + Duration::from_secs(61)).unwrap().published(1);
    }

    #[test]
    fn seeded_keys_survive_a_restart() {
        let lim = VoteRelayLimiter::new(VoteRelayLimits::default());
        assert!(!lim.knows_poll(5));
        lim.seed(5, &[msg(1), msg(2)]);
        assert!(lim.knows_poll(5));
        assert_eq!(refused(lim.admit(5, 4, 2, &msg(2), Instant::now())), RelayLimit::Key);
        lim.admit(5, 4, 2, &msg(3), Instant::now()).unwrap().published(2);
        // A later seed does not replace the counts.
        lim.seed(5, &[]);
        assert_eq!(refused(lim.admit(5, 4, 3, &msg(3), Instant::now())), RelayLimit::Key);
    }
}

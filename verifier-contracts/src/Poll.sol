// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @notice A Groth16 verifier over BN254 with one public input (`Groth16Verifier.sol`, generated
///         by `ccr_verifier_contracts::solidity_verifier`): here the message-processing and the
///         tally circuits.
interface IGroth16Verifier {
    /// @notice Whether the proof (a, b, c) is valid for the public input `input[0]`.
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[1] calldata input
    ) external view returns (bool);
}

/// @notice circomlib's Poseidon over 2 inputs (`circomlibjs` `poseidonContract.createCode(2)`).
interface IPoseidon2 {
    /// @notice Poseidon([input[0], input[1]]) with circomlib's parameters.
    function poseidon(uint256[2] calldata input) external pure returns (uint256);
}

/// @notice circomlib's Poseidon over 3 inputs (`circomlibjs` `poseidonContract.createCode(3)`).
interface IPoseidon3 {
    /// @notice Poseidon([input[0], input[1], input[2]]) with circomlib's parameters.
    function poseidon(uint256[3] calldata input) external pure returns (uint256);
}

/// @notice circomlib's Poseidon over 4 inputs (`circomlibjs` `poseidonContract.createCode(4)`).
interface IPoseidon4 {
    /// @notice Poseidon([input[0], ..., input[3]]) with circomlib's parameters.
    function poseidon(uint256[4] calldata input) external pure returns (uint256);
}

/// @notice circomlib's Poseidon over 5 inputs (`circomlibjs` `poseidonContract.createCode(5)`).
interface IPoseidon5 {
    /// @notice Poseidon([input[0], ..., input[4]]) with circomlib's parameters.
    function poseidon(uint256[5] calldata input) external pure returns (uint256);
}

/// @notice The rollup's bank registry (`Rollup.banks`): who owns a community bank.
interface IBankRegistry {
    /// @notice The bank of pool account `pool`: its owner (address(0) if none), policy shape,
    ///         policy hash and attester registry root.
    function banks(uint256 pool)
        external
        view
        returns (address owner, uint8 shape, uint256 policyHash, uint256 registryRoot);
}

/// @title Poll: quadratic-voting polls of the community banks, with private votes (after MACI v2)
///        and proven processing and tally.
/// @notice A bank's owner opens a poll over its registered members (their keys and voice credits
///         are committed in `initialSb`). Until the deadline anyone publishes messages: commands
///         encrypted to the poll's coordinator, kept as a Poseidon hash chain. After the deadline
///         anyone closes the poll (the chain is padded to whole batches); the coordinator then
///         proves the processing of the message batches, from the last batch down to the first
///         (MACI's reverse order), moving the state-and-ballot commitment `sb`; then proves the
///         tally of the ballots, batch by batch; finally anyone publishes the per-option results,
///         which must open the proven tally commitment.
/// @dev Mirrors the Rust specification `ccr_circuits::vote` (`Message::hash`, `chain_hash`,
///      `results_commitment`) and `ccr_verifier_contracts::poll` (`process_input`,
///      `tally_input`). The public input of a processing proof of batch j is
///      `uint256(sha256(pollId ‖ coordinatorHash ‖ options ‖ voiceCredits ‖ roster ‖ chain[j] ‖
///      chain[j+1] ‖ sbBefore ‖ sbAfter)) mod r` (`roster = voters + 2^32·first`) and of a tally
///      proof of batch k
///      `uint256(sha256(pollId ‖ sbFinal ‖ k ‖ tallyBefore ‖ tallyAfter)) mod r` (32-byte words).
contract Poll {
    /// @notice Order of the BN254 scalar field.
    uint256 public constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice The hash of the padding message `Message { data: [0; 10], enc_pubkey: (0, 1) }`
    ///         (the identity as ephemeral key: unreadable, so every circuit ignores it).
    uint256 public constant PAD_MESSAGE_HASH =
        10250870530975696774644270135404865265970333080013731832318709758083635004898;
    /// @notice Field elements of a message's ciphertext.
    uint256 public constant MESSAGE_LEN = 10;
    /// @notice Largest number of options of a poll (`ccr_circuits::vote::MAX_OPTIONS`).
    uint256 public constant MAX_OPTIONS = 1 << 10;
    /// @dev Results are sums of 64-bit weights and of their squares: below 2^128 (`u128`).
    uint256 internal constant RESULT_LIMIT = 1 << 128;
    /// @dev Baby Jubjub in iden3's twisted Edwards form: a·x² + y² = 1 + d·x²·y².
    uint256 internal constant BABYJUB_A = 168700;
    uint256 internal constant BABYJUB_D = 168696;

    /// @notice Where a poll is.
    enum Phase {
        /// No such poll.
        None,
        /// Accepting messages until the deadline (and after it until `closePoll`).
        Open,
        /// Closed; message batches are being processed, last to first.
        Processing,
        /// Every message is processed (`sb` is final); ballot batches are being tallied.
        Tallying,
        /// Every ballot is tallied; the results may be published.
        Tallied,
        /// The results are published (`resultOf`).
        Published
    }

    /// @notice A poll's parameters and progress: `messages` published (padding excluded),
    ///         `batches` of messages (set at closing), the next batches to process and to tally,
    ///         the coordinator's key and its hash, the message chain (padded once closed), the
    ///         state-and-ballot commitment `sb` (the initial one until processing starts) and the
    ///         tally commitment (0 before the first tally proof), and the bank proposal it decides
    ///         (0 for none; see `createPoll`).
    struct PollData {
        // One slot: what `publishMessage` and the proofs read.
        uint32 pool;
        uint32 options;
        uint32 voters;
        uint64 deadline;
        uint64 voiceCredits;
        Phase phase;
        // One slot: the counters.
        uint64 messages;
        uint64 batches;
        uint64 nextProcessBatch;
        uint64 nextTallyBatch;
        uint256 coordinatorHash;
        uint256 coordX;
        uint256 coordY;
        uint256 chain;
        uint256 sb;
        uint256 tally;
        bytes32 proposal;
    }

    /// @dev Published results: per option `votes | spent << 128`.
    struct Results {
        uint256 winner;
        uint256 totalSpent;
        uint256[] packed;
    }

    /// @notice The rollup whose banks open polls.
    IBankRegistry public immutable rollup;
    /// @notice Verifier of the message-processing circuit.
    IGroth16Verifier public immutable processVerifier;
    /// @notice Verifier of the tally circuit.
    IGroth16Verifier public immutable tallyVerifier;
    /// @notice Poseidon(2): the message chain and the coordinator's key hash.
    IPoseidon2 public immutable poseidon2;
    /// @notice Poseidon(3): the results commitment.
    IPoseidon3 public immutable poseidon3;
    /// @notice Poseidon(4): the message hash.
    IPoseidon4 public immutable poseidon4;
    /// @notice Poseidon(5): the message hash's two halves.
    IPoseidon5 public immutable poseidon5;
    /// @notice Messages per processing proof (the circuit's B).
    uint256 public immutable batchSize;
    /// @notice Ballots per tally proof (the circuit's T).
    uint256 public immutable tallyBatchSize;
    /// @notice Most voters of a poll: 2^stateDepth (the circuits' state tree).
    uint256 public immutable maxVoters;
    /// @notice Most options of a poll: 2^voteDepth (the circuits' vote tree), at most `MAX_OPTIONS`.
    uint256 public immutable maxOptions;

    /// @notice Polls created so far; poll ids are 1, 2, ...
    uint256 public pollCount;
    mapping(uint256 pollId => PollData) internal polls;
    /// @notice The message chain after `k · batchSize` messages (padding included);
    ///         `batchChain(pollId, 0)` is 0, the empty chain.
    mapping(uint256 pollId => mapping(uint256 k => uint256 chain)) public batchChain;
    mapping(uint256 pollId => Results) internal results;

    /// @notice Bank `pool`'s owner opened poll `pollId`: `options` options, messages until
    ///         `deadline` (inclusive), `voiceCredits` per voter, coordinator key (coordX, coordY),
    ///         `voters` voters committed in `initialSb`, deciding the bank proposal `proposal`
    ///         (0 for none).
    event PollCreated(
        uint256 indexed pollId,
        uint32 indexed pool,
        uint32 options,
        uint64 deadline,
        uint64 voiceCredits,
        uint256 coordX,
        uint256 coordY,
        uint256 initialSb,
        uint32 voters,
        bytes32 proposal
    );
    /// @notice Message `index` (0-based) of the poll; `chain` is the chain after it.
    event MessagePublished(
        uint256 indexed pollId, uint256 indexed index, uint256[10] data, uint256 encX, uint256 encY, uint256 chain
    );
    /// @notice The poll closed with `messages` messages, padded to `batches` batches; `chain` is
    ///         the padded chain.
    event PollClosed(uint256 indexed pollId, uint256 messages, uint256 batches, uint256 chain);
    /// @notice Message batch `batch` was proven to move `sb` from `sbBefore` to `sbAfter`;
    ///         `input` was the proof's public input.
    event MessagesProcessed(
        uint256 indexed pollId, uint256 batch, uint256 sbBefore, uint256 sbAfter, uint256 input
    );
    /// @notice Ballot batch `batch` was proven to move the tally commitment from `tallyBefore`
    ///         to `tallyAfter`; `input` was the proof's public input.
    event VotesTallied(
        uint256 indexed pollId, uint256 batch, uint256 tallyBefore, uint256 tallyAfter, uint256 input
    );
    /// @notice The poll's results: `votes` per option; `winner` has the most (the lowest index
    ///         among equals).
    event PollResult(uint256 indexed pollId, uint256 winner, uint256[] votes);

    /// @notice A constructor argument is out of range.
    error InvalidConfig();
    /// @notice Only the owner of bank `pool` (`Rollup.banks(pool).owner`) opens its polls.
    error NotBankOwner(uint256 pool, address owner);
    /// @notice A poll has 1..=`max` options (a poll deciding a proposal exactly 2: `max` = 2).
    error BadOptions(uint256 options, uint256 max);
    /// @notice A poll has 1..=`max` voters.
    error BadVoters(uint256 voters, uint256 max);
    /// @notice The deadline is before the current block's time.
    error DeadlineInPast(uint256 deadline, uint256 blockTime);
    /// @notice Voters need voice credits to vote.
    error ZeroVoiceCredits();
    /// @notice (x, y) is not a Baby Jubjub point with canonical coordinates (for a coordinator:
    ///         nor one of the two points with x = 0, of order 1 and 2).
    error InvalidPublicKey(uint256 x, uint256 y);
    /// @notice A value that must be a field element is `r` or more.
    error NonCanonical(uint256 value);
    /// @notice No poll has this id.
    error UnknownPoll(uint256 pollId);
    /// @notice The poll is in phase `phase`; the call needs `expected`.
    error WrongPhase(uint256 pollId, Phase phase, Phase expected);
    /// @notice Messages are accepted until `deadline` (inclusive); the block's time is `blockTime`.
    error VotingClosed(uint256 pollId, uint256 deadline, uint256 blockTime);
    /// @notice The poll can be closed only after its deadline.
    error VotingNotOver(uint256 pollId, uint256 deadline, uint256 blockTime);
    /// @notice The proof does not verify for the public input the contract computed.
    error InvalidProof(uint256 input);
    /// @notice The results have `votes` and `spent` entries; the poll has `options` options.
    error ResultLength(uint256 votes, uint256 spent, uint256 options);
    /// @notice A result of option `option` is 2^128 or more.
    error ResultOutOfRange(uint256 option);
    /// @notice `totalSpent` is not the sum `sum` of the per-option spent credits.
    error TotalSpentMismatch(uint256 sum, uint256 totalSpent);
    /// @notice The results and salt commit to `commitment`, not to the proven tally `tally`.
    error ResultsMismatch(uint256 commitment, uint256 tally);
    /// @notice The poll's results are not published yet.
    error ResultsNotPublished(uint256 pollId);

    /// @param rollup_ The rollup whose bank owners open polls.
    /// @param processVerifier_ Verifier of the message-processing circuit (B = `batchSize_`).
    /// @param tallyVerifier_ Verifier of the tally circuit (T = `tallyBatchSize_`).
    /// @param poseidon2_ circomlib Poseidon(2).
    /// @param poseidon3_ circomlib Poseidon(3).
    /// @param poseidon4_ circomlib Poseidon(4).
    /// @param poseidon5_ circomlib Poseidon(5).
    /// @param batchSize_ Messages per processing proof (1..=2^16).
    /// @param tallyBatchSize_ Ballots per tally proof: a power of two up to 2^stateDepth (a tally
    ///        batch is a subtree of the ballot tree).
    /// @param stateDepth Depth of the circuits' state and ballot trees (1..=32).
    /// @param voteDepth Depth of the circuits' vote trees (1..=10).
    constructor(
        IBankRegistry rollup_,
        IGroth16Verifier processVerifier_,
        IGroth16Verifier tallyVerifier_,
        IPoseidon2 poseidon2_,
        IPoseidon3 poseidon3_,
        IPoseidon4 poseidon4_,
        IPoseidon5 poseidon5_,
        uint256 batchSize_,
        uint256 tallyBatchSize_,
        uint256 stateDepth,
        uint256 voteDepth
    ) {
        if (
            address(rollup_) == address(0) || address(processVerifier_) == address(0)
                || address(tallyVerifier_) == address(0) || address(poseidon2_) == address(0)
                || address(poseidon3_) == address(0) || address(poseidon4_) == address(0)
                || address(poseidon5_) == address(0) || batchSize_ == 0 || batchSize_ > 1 << 16
                || stateDepth == 0 || stateDepth > 32 || voteDepth == 0 || voteDepth > 10
                || tallyBatchSize_ == 0 || tallyBatchSize_ > 1 << stateDepth
                || tallyBatchSize_ & (tallyBatchSize_ - 1) != 0
        ) revert InvalidConfig();
        rollup = rollup_;
        processVerifier = processVerifier_;
        tallyVerifier = tallyVerifier_;
        poseidon2 = poseidon2_;
        poseidon3 = poseidon3_;
        poseidon4 = poseidon4_;
        poseidon5 = poseidon5_;
        batchSize = batchSize_;
        tallyBatchSize = tallyBatchSize_;
        maxVoters = 1 << stateDepth;
        maxOptions = 1 << voteDepth;
    }

    // ---------------------------------------------------------------- the poll's life

    /// @notice Opens a poll of bank `pool` (only its owner may): `options` options, messages
    ///         accepted until `deadline` (unix seconds, inclusive), `voiceCredits` per voter,
    ///         messages encrypted to the coordinator's Baby Jubjub key (coordX, coordY);
    ///         `initialSb = Poseidon3(stateRoot, ballotRoot, 0)` commits the `voters` voters'
    ///         keys and credits (state leaf i = Poseidon3(pk.x, pk.y, voiceCredits)) and their
    ///         empty ballots. The proofs bind both to this call: the first processing proof
    ///         checks that the ballot tree holds exactly `voters` fresh ballots, commands for an
    ///         index at or above `voters` are ignored, and a voter's balance is `voiceCredits`
    ///         until their first applied message whatever their leaf holds. `proposal` = 0: a poll with no action. Otherwise the poll decides a
    ///         change of the bank's parameters, `proposal = keccak256(abi.encode(uint256(shape),
    ///         uint256 policyHash, uint256 registryRoot))`: the policy's shape (a `uint8`,
    ///         encoded as one word), hash and attester registry, never a key
    ///         (`Rollup.executeProposal` adopts them if it passes: see `proposalOf`); it must
    ///         have exactly 2 options,
    ///         0 = against and 1 = for.
    /// @return pollId The new poll's id (1, 2, ...).
    function createPoll(
        uint32 pool,
        uint32 options,
        uint64 deadline,
        uint64 voiceCredits,
        uint256 coordX,
        uint256 coordY,
        uint256 initialSb,
        uint32 voters,
        bytes32 proposal
    ) external returns (uint256 pollId) {
        (address owner,,,) = rollup.banks(pool);
        if (owner == address(0) || owner != msg.sender) revert NotBankOwner(pool, owner);
        if (options == 0 || options > maxOptions) revert BadOptions(options, maxOptions);
        if (proposal != 0 && options != 2) revert BadOptions(options, 2);
        if (voters == 0 || voters > maxVoters) revert BadVoters(voters, maxVoters);
        if (deadline < block.timestamp) revert DeadlineInPast(deadline, block.timestamp);
        if (voiceCredits == 0) revert ZeroVoiceCredits();
        if (coordX == 0 || !isPublicKey(coordX, coordY)) revert InvalidPublicKey(coordX, coordY);
        if (initialSb >= SNARK_SCALAR_FIELD) revert NonCanonical(initialSb);
        pollId = ++pollCount;
        PollData storage p = polls[pollId];
        p.pool = pool;
        p.options = options;
        p.voters = voters;
        p.deadline = deadline;
        p.voiceCredits = voiceCredits;
        p.phase = Phase.Open;
        p.coordinatorHash = poseidon2.poseidon([coordX, coordY]);
        p.coordX = coordX;
        p.coordY = coordY;
        p.sb = initialSb;
        p.proposal = proposal;
        _emitCreated(pollId, p);
    }

    /// @dev `PollCreated` from the stored poll (a separate frame: fewer stack slots).
    function _emitCreated(uint256 pollId, PollData storage p) internal {
        emit PollCreated(
            pollId, p.pool, p.options, p.deadline, p.voiceCredits, p.coordX, p.coordY, p.sb, p.voters, p.proposal
        );
    }

    /// @notice Publishes a message (a command encrypted to the coordinator under the ephemeral
    ///         key (encX, encY)) until the deadline: chain = Poseidon2(chain, messageHash).
    ///         Anyone may; the coordinator ignores what it cannot read or is not validly signed.
    /// @return index The message's position in the poll (0-based).
    function publishMessage(uint256 pollId, uint256[10] calldata data, uint256 encX, uint256 encY)
        external
        returns (uint256 index)
    {
        PollData storage p = polls[pollId];
        Phase phase = p.phase;
        if (phase == Phase.None) revert UnknownPoll(pollId);
        // A poll closes only after its deadline: before it, the phase is `Open`.
        if (block.timestamp > p.deadline) revert VotingClosed(pollId, p.deadline, block.timestamp);
        for (uint256 i = 0; i < MESSAGE_LEN; ++i) {
            if (data[i] >= SNARK_SCALAR_FIELD) revert NonCanonical(data[i]);
        }
        if (!isPublicKey(encX, encY)) revert InvalidPublicKey(encX, encY);
        uint256 chain = poseidon2.poseidon([p.chain, messageHash(data, encX, encY)]);
        p.chain = chain;
        index = p.messages;
        uint256 n = index + 1;
        p.messages = uint64(n);
        if (n % batchSize == 0) batchChain[pollId][n / batchSize] = chain;
        emit MessagePublished(pollId, index, data, encX, encY, chain);
    }

    /// @notice Closes the poll after its deadline (anyone may): pads the chain with
    ///         `PAD_MESSAGE_HASH` to a whole number of batches (a poll without messages gets one
    ///         batch of padding), and starts the processing at the last batch.
    function closePoll(uint256 pollId) external {
        PollData storage p = polls[pollId];
        _requirePhase(pollId, p.phase, Phase.Open);
        if (block.timestamp <= p.deadline) revert VotingNotOver(pollId, p.deadline, block.timestamp);
        uint256 b = batchSize;
        uint256 n = p.messages;
        uint256 padded = n == 0 ? b : ((n + b - 1) / b) * b;
        uint256 batches = padded / b;
        uint256 chain = p.chain;
        if (padded != n) {
            for (uint256 i = n; i < padded; ++i) {
                chain = poseidon2.poseidon([chain, PAD_MESSAGE_HASH]);
            }
            p.chain = chain;
            batchChain[pollId][batches] = chain;
        }
        p.batches = uint64(batches);
        p.nextProcessBatch = uint64(batches - 1);
        p.phase = Phase.Processing;
        emit PollClosed(pollId, n, batches, chain);
    }

    /// @notice Moves `sb` over the next message batch (the last one first) with a proof of the
    ///         processing circuit; after batch 0 the poll goes to tallying. Anyone may submit:
    ///         the proof is the authority.
    function processMessages(uint256 pollId, uint256 sbAfter, uint256[8] calldata proof) external {
        PollData storage p = polls[pollId];
        _requirePhase(pollId, p.phase, Phase.Processing);
        if (sbAfter >= SNARK_SCALAR_FIELD) revert NonCanonical(sbAfter);
        uint256 j = p.nextProcessBatch;
        uint256 sbBefore = p.sb;
        uint256 input = _processInput(pollId, p, j, sbAfter);
        _verify(processVerifier, proof, input);
        p.sb = sbAfter;
        if (j == 0) p.phase = Phase.Tallying;
        else p.nextProcessBatch = uint64(j - 1);
        emit MessagesProcessed(pollId, j, sbBefore, sbAfter, input);
    }

    /// @notice Moves the tally commitment over the next ballot batch (0, 1, ...) with a proof of
    ///         the tally circuit; after the last (`tallyBatches`) the results may be published.
    function tallyVotes(uint256 pollId, uint256 tallyAfter, uint256[8] calldata proof) external {
        PollData storage p = polls[pollId];
        _requirePhase(pollId, p.phase, Phase.Tallying);
        if (tallyAfter >= SNARK_SCALAR_FIELD) revert NonCanonical(tallyAfter);
        uint256 k = p.nextTallyBatch;
        uint256 tallyBefore = p.tally;
        uint256 input = tallyInput(pollId, p.sb, k, tallyBefore, tallyAfter);
        _verify(tallyVerifier, proof, input);
        p.tally = tallyAfter;
        p.nextTallyBatch = uint64(k + 1);
        if (k + 1 == tallyBatches(p.voters)) p.phase = Phase.Tallied;
        emit VotesTallied(pollId, k, tallyBefore, tallyAfter, input);
    }

    /// @notice Publishes the results (anyone may): `votes[i]` and `spent[i]` (Σ weight and
    ///         Σ weight² on option i), `totalSpent = Σ spent` and the coordinator's `salt` must
    ///         open the proven tally: `Poseidon3(r, totalSpent, salt) == tally` with
    ///         r = Poseidon3(r, votes[i], spent[i]) over the options from r = 0
    ///         (`ccr_circuits::vote::results_commitment`).
    function publishResults(
        uint256 pollId,
        uint256[] calldata votes,
        uint256[] calldata spent,
        uint256 totalSpent,
        uint256 salt
    ) external {
        PollData storage p = polls[pollId];
        _requirePhase(pollId, p.phase, Phase.Tallied);
        uint256 options = p.options;
        if (votes.length != options || spent.length != options) {
            revert ResultLength(votes.length, spent.length, options);
        }
        if (salt >= SNARK_SCALAR_FIELD) revert NonCanonical(salt);
        Results storage res = results[pollId];
        (uint256 r, uint256 winner) = _storeResults(res, votes, spent, totalSpent);
        uint256 commitment = poseidon3.poseidon([r, totalSpent, salt]);
        if (commitment != p.tally) revert ResultsMismatch(commitment, p.tally);
        res.winner = winner;
        res.totalSpent = totalSpent;
        p.phase = Phase.Published;
        emit PollResult(pollId, winner, votes);
    }

    /// @dev Stores the per-option results packed, checks their range and `totalSpent`; returns
    ///      the chain r = Poseidon3(r, votes[i], spent[i]) and the winner.
    function _storeResults(
        Results storage res,
        uint256[] calldata votes,
        uint256[] calldata spent,
        uint256 totalSpent
    ) internal returns (uint256 r, uint256 winner) {
        uint256 sum;
        for (uint256 i = 0; i < votes.length; ++i) {
            uint256 v = votes[i];
            uint256 s = spent[i];
            if (v >= RESULT_LIMIT || s >= RESULT_LIMIT) revert ResultOutOfRange(i);
            r = poseidon3.poseidon([r, v, s]);
            // At most 2^10 terms below 2^128: no overflow.
            sum += s;
            if (v > votes[winner]) winner = i;
            res.packed.push(v | (s << 128));
        }
        if (sum != totalSpent) revert TotalSpentMismatch(sum, totalSpent);
    }

    // ---------------------------------------------------------------- views

    /// @notice The published results: the winner (most votes, lowest index among equals), votes
    ///         and spent voice credits per option, and their total.
    function resultOf(uint256 pollId)
        external
        view
        returns (uint256 winner, uint256[] memory votes, uint256[] memory spent, uint256 totalSpent)
    {
        if (polls[pollId].phase != Phase.Published) revert ResultsNotPublished(pollId);
        Results storage res = results[pollId];
        uint256 n = res.packed.length;
        votes = new uint256[](n);
        spent = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 w = res.packed[i];
            votes[i] = w & (RESULT_LIMIT - 1);
            spent[i] = w >> 128;
        }
        return (res.winner, votes, spent, res.totalSpent);
    }

    /// @notice The bank proposal poll `pollId` decides: the bank `pool`, the `proposal` hash (0 for
    ///         a poll with no action) and whether it `passed`: the results are published and
    ///         option 1 (for) has more quadratic votes than option 0 (against); a tie rejects.
    ///         Always false for a poll without a proposal.
    function proposalOf(uint256 pollId) external view returns (uint32 pool, bytes32 proposal, bool passed) {
        PollData storage p = polls[pollId];
        Phase phase = p.phase;
        if (phase == Phase.None) revert UnknownPoll(pollId);
        pool = p.pool;
        proposal = p.proposal;
        if (proposal != 0 && phase == Phase.Published) {
            // A proposal's poll has 2 options: packed[0] is against, packed[1] for.
            uint256[] storage packed = results[pollId].packed;
            passed = (packed[1] & (RESULT_LIMIT - 1)) > (packed[0] & (RESULT_LIMIT - 1));
        }
    }

    /// @notice Poll `pollId`'s parameters and progress (all zero, phase `None`, for no such poll).
    function pollOf(uint256 pollId) external view returns (PollData memory) {
        return polls[pollId];
    }

    /// @notice Poll `pollId`'s voting deadline (0 for no such poll): `Rollup.executeProposal`
    ///         counts a passed proposal's expiry from it.
    function deadlineOf(uint256 pollId) external view returns (uint64) {
        return polls[pollId].deadline;
    }

    /// @notice Tally proofs a poll of `voters` voters needs: ⌈voters / tallyBatchSize⌉.
    function tallyBatches(uint256 voters) public view returns (uint256) {
        return (voters + tallyBatchSize - 1) / tallyBatchSize;
    }

    // ---------------------------------------------------------------- pure helpers

    /// @notice MACI v2's message hash, `Poseidon4(Poseidon5(data[0..5]), Poseidon5(data[5..10]),
    ///         encX, encY)` (`ccr_circuits::vote::Message::hash`).
    function messageHash(uint256[10] calldata data, uint256 encX, uint256 encY) public view returns (uint256) {
        uint256 left = poseidon5.poseidon([data[0], data[1], data[2], data[3], data[4]]);
        uint256 right = poseidon5.poseidon([data[5], data[6], data[7], data[8], data[9]]);
        return poseidon4.poseidon([left, right, encX, encY]);
    }

    /// @notice The public input of the processing proof of one message batch:
    ///         `uint256(sha256(pollId ‖ coordinatorHash ‖ options ‖ voiceCredits ‖ roster ‖
    ///         chainStart ‖ chainEnd ‖ sbBefore ‖ sbAfter)) mod r`, each a 32-byte word, with
    ///         `roster = voters + 2^32·first` (`first`: the poll's last batch, proven first from
    ///         `initialSb`, whose ballots the circuit checks are exactly `voters` fresh ones).
    function processInput(
        uint256 pollId,
        uint256 coordinatorHash,
        uint256 options,
        uint256 voiceCredits,
        uint256 roster,
        uint256 chainStart,
        uint256 chainEnd,
        uint256 sbBefore,
        uint256 sbAfter
    ) public pure returns (uint256) {
        bytes memory words = abi.encode(pollId, coordinatorHash, options, voiceCredits, roster);
        return uint256(sha256(abi.encodePacked(words, chainStart, chainEnd, sbBefore, sbAfter))) % SNARK_SCALAR_FIELD;
    }

    /// @notice The `roster` word of a processing proof: `voters + 2^32·first`.
    function rosterWord(uint256 voters, bool first) public pure returns (uint256) {
        return voters | (first ? 1 << 32 : 0);
    }

    /// @notice The public input of the tally proof of ballot batch `k`:
    ///         `uint256(sha256(pollId ‖ sbFinal ‖ k ‖ tallyBefore ‖ tallyAfter)) mod r`.
    function tallyInput(uint256 pollId, uint256 sbFinal, uint256 k, uint256 tallyBefore, uint256 tallyAfter)
        public
        pure
        returns (uint256)
    {
        return uint256(sha256(abi.encodePacked(pollId, sbFinal, k, tallyBefore, tallyAfter))) % SNARK_SCALAR_FIELD;
    }

    /// @notice Whether (x, y) has canonical coordinates and satisfies 168700·x² + y² =
    ///         1 + 168696·x²·y² mod r (iden3's Baby Jubjub).
    function isPublicKey(uint256 x, uint256 y) public pure returns (bool) {
        uint256 r = SNARK_SCALAR_FIELD;
        if (x >= r || y >= r) return false;
        uint256 xx = mulmod(x, x, r);
        uint256 yy = mulmod(y, y, r);
        uint256 lhs = addmod(mulmod(BABYJUB_A, xx, r), yy, r);
        uint256 rhs = addmod(1, mulmod(BABYJUB_D, mulmod(xx, yy, r), r), r);
        return lhs == rhs;
    }

    /// @dev `processInput` of message batch `j` of the stored poll, from its current `sb`.
    function _processInput(uint256 pollId, PollData storage p, uint256 j, uint256 sbAfter)
        internal
        view
        returns (uint256)
    {
        mapping(uint256 => uint256) storage chains = batchChain[pollId];
        uint256 roster = rosterWord(p.voters, j + 1 == p.batches);
        return processInput(
            pollId, p.coordinatorHash, p.options, p.voiceCredits, roster, chains[j], chains[j + 1], p.sb, sbAfter
        );
    }

    /// @dev Reverts unless the poll exists and is in phase `expected`.
    function _requirePhase(uint256 pollId, Phase phase, Phase expected) internal pure {
        if (phase == Phase.None) revert UnknownPoll(pollId);
        if (phase != expected) revert WrongPhase(pollId, phase, expected);
    }

    /// @dev Reverts with `InvalidProof(input)` unless `proof` (a, b, c as `uint256[8]`, G2
    ///      imaginary part first) verifies for `input` under `verifier`.
    function _verify(IGroth16Verifier verifier, uint256[8] calldata proof, uint256 input) internal view {
        bool valid = verifier.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [input]
        );
        if (!valid) revert InvalidProof(input);
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import {VkStore} from "./VkStore.sol";

/// @title BatchVerifier
/// @notice Many Groth16 proofs (BN254) of one verifying key checked with ONE call to the pairing
///         precompile: n proofs cost n + 3 pairs instead of 4n, and the public inputs' ecMul
///         count is N + 1 per batch instead of N per proof.
/// @dev For proof i with public inputs x_i, Groth16 accepts iff
///          e(-A_i, B_i) · e(alpha, beta) · e(vk_x_i, gamma) · e(C_i, delta) = 1,
///          vk_x_i = IC_0 + Σ_j x_ij · IC_j.
///      With coefficients r_i (r_0 = 1), the batch is accepted iff
///          Π_i e(-r_i·A_i, B_i) · e((Σ_i r_i)·alpha, beta) · e(Σ_i r_i·vk_x_i, gamma)
///            · e(Σ_i r_i·C_i, delta) = 1,
///      the product of the n equations each raised to r_i (bilinearity; the pairing precompile
///      checks that every G2 point is in the order-r subgroup and every G1 point on the curve,
///      and BN254's G1 has cofactor 1, so all the factors live in groups of prime order r).
///
///      Soundness. Let E_i ∈ G_T be proof i's left-hand side. The check is Π E_i^{r_i} = 1. If
///      some E_k ≠ 1 with k ≥ 1, then for any fixed choice of the other factors only one value of
///      r_k mod r satisfies it: probability 1/r over a uniform r_k. If only E_0 ≠ 1, the product
///      is E_0 ≠ 1 whatever the others: so r_0 = 1 loses nothing (standard small-exponent
///      batching needs n − 1 random coefficients) and saves two ecMul. The r_i are Fiat–Shamir
///      challenges over EVERYTHING the check covers: the key's pointer (whose code is immutable,
///      so it binds the key), n, and every proof and every public input, in order
///      (`keccak256(vk ‖ n ‖ A_0 B_0 C_0 x_0 ‖ ... ‖ A_{n-1} B_{n-1} C_{n-1} x_{n-1})`, an
///      injective encoding since N is fixed by the key and checked for each proof;
///      r_i = keccak256(seed ‖ i) mod r). A prover who could choose a proof after seeing the
///      coefficients could cancel one invalid equation with another; binding the coefficients
///      to all of them leaves grinding, which succeeds with probability about (hashes tried)/r,
///      r ≈ 2^254.
///
///      Scalars first: Σ_i r_i·vk_x_i = (Σ_i r_i)·IC_0 + Σ_j (Σ_i r_i·x_ij mod r)·IC_j, an
///      identity in a group of order r, so the public inputs are combined in the scalar field
///      (one mulmod and one addmod each) and then cost N + 1 ecMul for the whole batch. An extra
///      proof costs 2 ecMul (r_i·A_i, r_i·C_i), 1 ecAdd (into Σ r_i·C_i) and 1 pairing pair.
///
///      Canonical encodings: every public input must be below r and every proof coordinate
///      below q (else `verifyBatch` returns false), so a proof's encoding is unique: x and x + r
///      can never both verify, which matters when an input is a nullifier.
///
///      Duplicates: the same valid proof twice is two valid proofs (each gets its own r_i) and
///      the batch is accepted; rejecting a repeated statement (e.g. a spent nullifier) is the
///      caller's job.
library BatchVerifier {
    /// @notice `proofs` and `inputs` differ in length.
    error BatchLengthMismatch(uint256 proofs, uint256 inputs);
    /// @notice Proof number `proof` comes with `got` public inputs; the key takes `expected`.
    error BatchInputCount(uint256 proof, uint256 got, uint256 expected);

    /// @dev Order of the scalar field: public inputs must be below it.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Order of the base field: proof coordinates must be below it.
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice Whether every `proofs[i]` is a valid Groth16 proof for the public inputs
    ///         `inputs[i]` under the key stored at `vk` (`VkStore.write`). A proof is
    ///         `[A.x, A.y, B.x.im, B.x.re, B.y.im, B.y.re, C.x, C.y]`, as a single-proof
    ///         verifier's `(a, b, c)` flattened. True for an empty batch (no precompile called).
    ///         Returns false on an input not below r, a coordinate not below q, a point off its
    ///         curve or outside its subgroup, or a failed pairing check. A and C are checked on
    ///         the curve here, before any precompile call; a bad B (off the twist or outside
    ///         the subgroup) is found by the pairing precompile, whose failure burns the gas it
    ///         was given (63/64 of what is left, as in every snarkjs-style verifier).
    ///         Reverts `BatchLengthMismatch`, `BatchInputCount`, or `VkStore.VkPointerInvalid`
    ///         on a malformed call.
    function verifyBatch(address vk, uint256[8][] calldata proofs, uint256[][] calldata inputs)
        internal
        view
        returns (bool ok)
    {
        if (inputs.length != proofs.length) revert BatchLengthMismatch(proofs.length, inputs.length);
        if (proofs.length == 0) return true;
        uint256 m = VkStore.inputCount(vk);
        for (uint256 i; i < proofs.length; ++i) {
            // Also checks that the ABI offsets and lengths lie inside the calldata.
            uint256 got = inputs[i].length;
            if (got != m) revert BatchInputCount(i, got, m);
        }
        assembly ("memory-safe") {
            // Memory past the free pointer p (never allocated: scratch only; the stack is too
            // small for the layout, so it lives in a header):
            //   [p, p + 128)        ecMul/ecAdd operands
            //   [p + 128, p + 192)  Σ r_i·C_i
            //   p + 192             the seed
            //   p + 224             m, the number of public inputs per proof
            //   p + 256             s, the address of the m scalars Σ_i r_i·x_ij
            //   p + 288             t, the address of the transcript: vk, n, then per proof its
            //                       8 words and its m inputs
            //   p + 320             e, the address of the n + 3 pairs of ecPairing, 192 bytes each
            //   p + 352             the transcript's stride per proof, (8 + m)·32
            //   v = p + 416         the key's 16 + 2m words (its code's leading 0x00 at v − 1),
            // then the regions at s, t and e, in this order.

            /// acc += k·(px, py) (ecMul skipped for k = 1, both skipped for k = 0), with the 128
            /// bytes at `w` as scratch.
            function mulAdd(acc, px, py, k, w) -> success {
                success := 1
                if k {
                    mstore(add(w, 64), px)
                    mstore(add(w, 96), py)
                    if iszero(eq(k, 1)) {
                        mstore(w, px)
                        mstore(add(w, 32), py)
                        mstore(add(w, 64), k)
                        success := staticcall(gas(), 0x07, w, 96, add(w, 64), 64)
                    }
                    if success {
                        mstore(w, mload(acc))
                        mstore(add(w, 32), mload(add(acc, 32)))
                        success := staticcall(gas(), 0x06, w, 128, acc, 64)
                    }
                }
            }

            /// Whether (x, y), coordinates below Q, is on y² = x³ + 3 or the point at infinity
            /// (0, 0): what ecMul and ecAdd accept, checked first so that a bad proof costs no
            /// failed precompile call (which would burn all the gas it was given).
            function onCurve(x, y) -> b {
                b := or(and(iszero(x), iszero(y)), eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q)))
            }

            /// Copies the key, lays out memory, writes the transcript; stores its hash, the seed.
            function setup(p, key, cnt, n, proofsAt, inputsAt) {
                let v := add(p, 416)
                let words := add(16, mul(2, cnt))
                extcodecopy(key, sub(v, 1), 0, add(1, mul(words, 32)))
                let s := add(v, mul(words, 32))
                let t := add(s, mul(cnt, 32))
                let stride := mul(add(8, cnt), 32)
                mstore(add(p, 224), cnt)
                mstore(add(p, 256), s)
                mstore(add(p, 288), t)
                mstore(add(p, 320), add(add(t, 64), mul(n, stride)))
                mstore(add(p, 352), stride)
                for { let j := 0 } lt(j, cnt) { j := add(j, 1) } {
                    mstore(add(s, mul(j, 32)), 0)
                }
                mstore(t, key)
                mstore(add(t, 32), n)
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let dst := add(add(t, 64), mul(i, stride))
                    calldatacopy(dst, add(proofsAt, mul(i, 256)), 256)
                    let arr := add(inputsAt, calldataload(add(inputsAt, mul(i, 32))))
                    calldatacopy(add(dst, 256), add(arr, 32), mul(cnt, 32))
                }
                mstore(add(p, 192), keccak256(t, sub(mload(add(p, 320)), t)))
            }

            /// s_j += r·x_j for the m inputs at x; whether all are below R.
            function absorbInputs(s, x, cnt, r) -> good {
                good := 1
                for { let j := 0 } lt(j, cnt) { j := add(j, 1) } {
                    let xj := mload(add(x, mul(j, 32)))
                    good := and(good, lt(xj, R))
                    let sj := add(s, mul(j, 32))
                    mstore(sj, addmod(mload(sj), mulmod(r, xj, R), R))
                }
            }

            /// Proof i: its coefficient r_i, its inputs into s, pair i = (−r_i·A_i, B_i), and
            /// r_i·C_i into the sum; whether its words are canonical and the precompiles accepted.
            function absorbProof(p, i) -> good, r {
                let src := add(add(mload(add(p, 288)), 64), mul(i, mload(add(p, 352))))
                good := 1
                for { let k := 0 } lt(k, 256) { k := add(k, 32) } {
                    good := and(good, lt(mload(add(src, k)), Q))
                }
                good := and(good, onCurve(mload(src), mload(add(src, 32))))
                good := and(good, onCurve(mload(add(src, 192)), mload(add(src, 224))))
                r := 1
                if i {
                    mstore(0, mload(add(p, 192)))
                    mstore(32, i)
                    r := mod(keccak256(0, 64), R)
                }
                good := and(good, absorbInputs(mload(add(p, 256)), add(src, 256), mload(add(p, 224)), r))
                if iszero(good) { leave }
                let pair := add(mload(add(p, 320)), mul(i, 192))
                switch i
                case 0 {
                    mstore(pair, mload(src))
                    mstore(add(pair, 32), mload(add(src, 32)))
                    mstore(add(p, 128), mload(add(src, 192)))
                    mstore(add(p, 160), mload(add(src, 224)))
                }
                default {
                    mstore(p, mload(src))
                    mstore(add(p, 32), mload(add(src, 32)))
                    mstore(add(p, 64), r)
                    good := staticcall(gas(), 0x07, p, 96, pair, 64)
                    if good {
                        good := mulAdd(add(p, 128), mload(add(src, 192)), mload(add(src, 224)), r, p)
                    }
                }
                mstore(add(pair, 32), mod(sub(Q, mload(add(pair, 32))), Q))
                mcopy(add(pair, 64), add(src, 64), 128)
            }

            /// The last three pairs, from Σ r_i = sum, and the pairing check of all n + 3.
            function finish(p, n, sum) -> good {
                let v := add(p, 416)
                let cnt := mload(add(p, 224))
                let s := mload(add(p, 256))
                // ((Σ r_i)·alpha, beta)
                let pa := add(mload(add(p, 320)), mul(n, 192))
                mstore(pa, 0)
                mstore(add(pa, 32), 0)
                good := mulAdd(pa, mload(v), mload(add(v, 32)), sum, p)
                if iszero(good) { leave }
                mcopy(add(pa, 64), add(v, 64), 128)
                // ((Σ r_i)·IC_0 + Σ_j s_j·IC_j, gamma)
                let pg := add(pa, 192)
                mstore(pg, 0)
                mstore(add(pg, 32), 0)
                good := mulAdd(pg, mload(add(v, 448)), mload(add(v, 480)), sum, p)
                for { let j := 0 } lt(j, cnt) { j := add(j, 1) } {
                    if iszero(good) { leave }
                    let ic := add(v, add(512, mul(j, 64)))
                    good := mulAdd(pg, mload(ic), mload(add(ic, 32)), mload(add(s, mul(j, 32))), p)
                }
                if iszero(good) { leave }
                mcopy(add(pg, 64), add(v, 192), 128)
                // (Σ r_i·C_i, delta)
                let pd := add(pg, 192)
                mstore(pd, mload(add(p, 128)))
                mstore(add(pd, 32), mload(add(p, 160)))
                mcopy(add(pd, 64), add(v, 320), 128)
                good := staticcall(gas(), 0x08, mload(add(p, 320)), mul(add(n, 3), 192), 0, 32)
                good := and(good, eq(mload(0), 1))
            }

            let p := mload(0x40)
            setup(p, vk, m, proofs.length, proofs.offset, inputs.offset)
            // Stops at the first failure: a failed precompile call burns all the gas it was given
            // (63/64 of what is left), so at most one is ever made.
            ok := 1
            let sum := 0
            for { let i := 0 } lt(i, proofs.length) { i := add(i, 1) } {
                let good, r := absorbProof(p, i)
                if iszero(good) {
                    ok := 0
                    break
                }
                sum := addmod(sum, r, R)
            }
            if ok { ok := finish(p, proofs.length, sum) }
        }
    }
}

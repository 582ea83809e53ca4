// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title VkStore
/// @notice Groth16 verifying keys (BN254) stored as immutable data contracts (the SSTORE2
///         pattern): written once with CREATE, read with EXTCODECOPY for ~2.6k gas plus 3 gas per
///         word, instead of one cold SLOAD (2,100 gas) per word.
/// @dev A key for N public inputs is 16 + 2N words, in this order:
///      alpha (x, y), beta (x.im, x.re, y.im, y.re), gamma (same), delta (same),
///      IC[0..=N] (x, y each); G2 coordinates imaginary part first (EIP-197), as the precompiles
///      and `snarkjs zkey export soliditycalldata` take them. The data contract's runtime code is
///      `0x00 ‖ words` (abi-packed): the leading STOP makes a call to it a no-op, and, having no
///      SELFDESTRUCT, its code never changes, so its address binds the key.
///      The words are not validated here (the pairing precompile rejects points that are off
///      their curve or, for G2, outside the subgroup): write only keys you trust.
library VkStore {
    /// @notice `words` is not 16 + 2N words long for some N.
    error VkWordCount(uint256 words);
    /// @notice CREATE of the data contract failed (out of gas, or above the 24,576-byte code size
    ///         limit: at most 375 public inputs).
    error VkStoreFailed();
    /// @notice `pointer` holds no verifying key written by `write` (no code, or code of another
    ///         shape).
    error VkPointerInvalid(address pointer);

    /// @dev Words before the IC points: alpha (2), beta (4), gamma (4), delta (4).
    uint256 internal constant FIXED_WORDS = 14;

    /// @notice Stores `words` (a verifying key, see the contract's @dev) in a new data contract;
    ///         returns its address, the key's pointer.
    function write(uint256[] memory words) internal returns (address pointer) {
        uint256 n = words.length;
        if (n < FIXED_WORDS + 2 || n % 2 != 0) revert VkWordCount(n);
        // Creation code (10 bytes): PUSH2 size DUP1 PUSH1 0x0a RETURNDATASIZE CODECOPY
        // RETURNDATASIZE RETURN: copies the runtime that follows it to memory 0 and returns it.
        uint256 size = 1 + 32 * n;
        if (size > type(uint16).max) revert VkStoreFailed();
        bytes memory code = abi.encodePacked(hex"61", uint16(size), hex"80600a3d393df3", hex"00", words);
        assembly ("memory-safe") {
            pointer := create(0, add(code, 32), mload(code))
        }
        if (pointer == address(0)) revert VkStoreFailed();
    }

    /// @notice The number N of public inputs of the key at `pointer`; reverts `VkPointerInvalid`
    ///         unless its code is `0x00` followed by 16 + 2N words.
    function inputCount(address pointer) internal view returns (uint256) {
        uint256 size = pointer.code.length;
        if (size < 1 + 32 * (FIXED_WORDS + 2) || (size - 1) % 64 != 0) revert VkPointerInvalid(pointer);
        uint256 first;
        assembly ("memory-safe") {
            extcodecopy(pointer, 0, 0, 1)
            first := byte(0, mload(0))
        }
        if (first != 0) revert VkPointerInvalid(pointer);
        return ((size - 1) / 32 - FIXED_WORDS - 2) / 2;
    }

    /// @notice The words of the key at `pointer` (as given to `write`).
    function read(address pointer) internal view returns (uint256[] memory words) {
        uint256 n = FIXED_WORDS + 2 + 2 * inputCount(pointer);
        words = new uint256[](n);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(words, 32), 1, mul(n, 32))
        }
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import {BatchVerifier} from "./BatchVerifier.sol";
import {VkStore} from "./VkStore.sol";

/// @title BatchVerifierHarness
/// @notice Exposes the `BatchVerifier` and `VkStore` libraries as external functions, for tests
///         and gas measurements. Contracts that verify batches call the libraries directly
///         (their functions are internal: inlined, no extra call).
contract BatchVerifierHarness {
    /// @notice Stores a verifying key's words (`VkStore.write`); returns its pointer.
    function storeVk(uint256[] calldata words) external returns (address pointer) {
        return VkStore.write(words);
    }

    /// @notice The words of the key at `pointer` (`VkStore.read`).
    function readVk(address pointer) external view returns (uint256[] memory words) {
        return VkStore.read(pointer);
    }

    /// @notice The number of public inputs of the key at `pointer` (`VkStore.inputCount`).
    function vkInputCount(address pointer) external view returns (uint256) {
        return VkStore.inputCount(pointer);
    }

    /// @notice `BatchVerifier.verifyBatch(vk, proofs, inputs)`.
    function verifyBatch(address vk, uint256[8][] calldata proofs, uint256[][] calldata inputs)
        external
        view
        returns (bool)
    {
        return BatchVerifier.verifyBatch(vk, proofs, inputs);
    }
}

// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title TestToken: "Community Stable Token" (CST), a minimal ERC-20 for tests and devnets.
/// @notice Anyone may mint: it is worth nothing. Transfers that the balance or allowance cannot
///         cover return `false` instead of reverting (as ERC-20 permits, and as some deployed
///         tokens do), so callers must check the return value.
contract TestToken {
    /// @notice The token's name.
    string public constant name = "Community Stable Token";
    /// @notice The token's symbol.
    string public constant symbol = "CST";
    /// @notice Decimals of the display unit (like most stable tokens).
    uint8 public constant decimals = 6;

    /// @notice Tokens in existence.
    uint256 public totalSupply;
    /// @notice Tokens each address holds.
    mapping(address owner => uint256 amount) public balanceOf;
    /// @notice Tokens `spender` may move from `owner`.
    mapping(address owner => mapping(address spender => uint256 amount)) public allowance;

    /// @notice `amount` tokens moved from `from` to `to` (from address(0): minted).
    event Transfer(address indexed from, address indexed to, uint256 amount);
    /// @notice `owner` allowed `spender` to move `amount` tokens.
    event Approval(address indexed owner, address indexed spender, uint256 amount);

    /// @notice Creates `amount` tokens for `to` (open to anyone: a test token).
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Allows `spender` to move up to `amount` of the sender's tokens.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Moves `amount` of the sender's tokens to `to`; false if the balance is too low.
    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    /// @notice Moves `amount` of `from`'s tokens to `to` under the sender's allowance; false if
    ///         the allowance or the balance is too low.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount || balanceOf[from] < amount) return false;
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        return _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) internal returns (bool) {
        uint256 balance = balanceOf[from];
        if (balance < amount) return false;
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        return true;
    }
}

//! The wallet's secrets: the L2 (Baby Jubjub EdDSA) key, the L1 (secp256k1) key and the
//! keystore password. Each redacts itself in `Debug` and is wiped from memory when dropped.

use std::fmt;
use std::path::Path;

use alloy_primitives::{Address, B256};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::Point;
use rand::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::error::WalletError;

/// An L1 (Ethereum, secp256k1) private key: 32 bytes, a scalar in `1..n`.
#[derive(Clone, PartialEq, Eq)]
pub struct L1Key([u8; 32]);

impl fmt::Debug for L1Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("L1Key(<redacted>)")
    }
}

impl Drop for L1Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl L1Key {
    /// The key with these bytes, if they are a valid secp256k1 scalar (not 0, below `n`).
    pub fn from_bytes(bytes: [u8; 32]) -> Option<Self> {
        k256::ecdsa::SigningKey::from_bytes(&bytes.into()).ok().map(|_| Self(bytes))
    }

    /// A key from a `0x`-optional hex string (e.g. a dev-chain account's key).
    ///
    /// # Errors
    ///
    /// [`WalletError::InvalidKey`] if it is not 32 bytes of hex or not a valid scalar.
    pub fn from_hex(s: &str) -> Result<Self, WalletError> {
        let raw = Zeroizing::new(
            hex::decode(s.trim().trim_start_matches("0x"))
                .map_err(|_| WalletError::InvalidKey("an L1 key must be 32 bytes of hex".into()))?,
        );
        let bytes: [u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| WalletError::InvalidKey("an L1 key must be 32 bytes of hex".into()))?;
        Self::from_bytes(bytes)
            .ok_or_else(|| WalletError::InvalidKey("not a valid secp256k1 private key".into()))
    }

    /// A fresh key from a cryptographic random number generator.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            if let Some(k) = Self::from_bytes(bytes) {
                return k;
            }
        }
    }

    /// The key's bytes, for a signer. Do not print them.
    pub fn expose_b256(&self) -> B256 {
        B256::from(self.0)
    }

    /// The Ethereum address of the key.
    pub fn address(&self) -> Address {
        match k256::ecdsa::SigningKey::from_bytes(&self.0.into()) {
            Ok(sk) => Address::from_private_key(&sk),
            // Checked at construction.
            Err(_) => Address::ZERO,
        }
    }
}

/// Both keys of a wallet.
#[derive(Debug, Clone)]
pub struct WalletKeys {
    /// The L2 key: signs transfers and exits; its public key identifies the account.
    pub l2: PrivateKey,
    /// The L1 key: sends deposits, claims and escape-hatch calls to the rollup contract.
    pub l1: L1Key,
}

impl WalletKeys {
    /// Fresh keys; the L1 key is `l1` when given (e.g. a devnet's funded account).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R, l1: Option<L1Key>) -> Self {
        let l2 = PrivateKey::random(rng);
        let l1 = l1.unwrap_or_else(|| L1Key::random(rng));
        Self { l2, l1 }
    }

    /// The L2 public key (iden3 coordinates).
    pub fn l2_public(&self) -> Point {
        self.l2.public_key()
    }

    /// The L1 address.
    pub fn l1_address(&self) -> Address {
        self.l1.address()
    }

    /// The 64-byte plaintext of the keystore: L2 seed ‖ L1 key.
    pub(crate) fn to_plaintext(&self) -> Zeroizing<[u8; 64]> {
        let mut out = Zeroizing::new([0u8; 64]);
        out[..32].copy_from_slice(self.l2.expose_bytes());
        out[32..].copy_from_slice(&self.l1.0);
        out
    }

    /// Parses the keystore's plaintext; `None` if it has the wrong length or an invalid L1 key.
    pub(crate) fn from_plaintext(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 64 {
            return None;
        }
        let mut l2 = Zeroizing::new([0u8; 32]);
        l2.copy_from_slice(&bytes[..32]);
        let mut l1 = Zeroizing::new([0u8; 32]);
        l1.copy_from_slice(&bytes[32..]);
        Some(Self { l2: PrivateKey::from_bytes(*l2), l1: L1Key::from_bytes(*l1)? })
    }
}

/// A keystore password. Never printed; wiped on drop.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// A password held in memory (tests, scripted devnets).
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// The bytes the key derivation takes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Reads the first line of `path` (without its line ending).
    ///
    /// # Errors
    ///
    /// [`WalletError::Password`] if the file cannot be read or its first line is empty.
    pub fn from_file(path: &Path) -> Result<Self, WalletError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            WalletError::Password(format!("cannot read the password file {}: {e}", path.display()))
        })?);
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(WalletError::Password(format!(
                "the password file {} is empty: write the password on its first line",
                path.display()
            )));
        }
        Ok(Self::new(line))
    }

    /// Prompts on the terminal without echo; with `confirm`, asks twice and compares.
    ///
    /// # Errors
    ///
    /// [`WalletError::Password`] with no terminal, an empty password, or a mismatch.
    pub fn prompt(confirm: bool) -> Result<Self, WalletError> {
        let no_tty = |e: std::io::Error| {
            WalletError::Password(format!(
                "cannot read a password from the terminal ({e}): pass --password-file FILE"
            ))
        };
        let first = Self::new(rpassword::prompt_password("Keystore password: ").map_err(no_tty)?);
        if first.0.is_empty() {
            return Err(WalletError::Password("the password must not be empty".into()));
        }
        if confirm {
            let again = Self::new(rpassword::prompt_password("Repeat the password: ").map_err(no_tty)?);
            if again.0 != first.0 {
                return Err(WalletError::Password("the two passwords differ: try again".into()));
            }
        }
        Ok(first)
    }
}

//! Key files: a small self-describing header, then the arkworks serialization of the key.
//!
//! # Format (version 1)
//!
//! All integers little-endian.
//!
//! | offset   | size | field                                                            |
//! |----------|------|------------------------------------------------------------------|
//! | 0        | 8    | magic `CCRG16KF`                                                 |
//! | 8        | 2    | format version, `1`                                              |
//! | 10       | 1    | key kind: `1` proving key, `2` verifying key                     |
//! | 11       | 1    | flags: bit 0 `insecure_dev_setup`; other bits must be 0          |
//! | 12       | 1    | payload encoding: `0` arkworks compressed, `1` uncompressed      |
//! | 13       | 2    | length `n` of the circuit name                                   |
//! | 15       | n    | circuit name, UTF-8                                              |
//! | 15+n     | 32   | SHA-256 of the payload (the *content hash*, see [`key_hash`])   |
//! | 47+n     | 8    | payload length `len`                                             |
//! | 55+n     | len  | payload: `CanonicalSerialize` of the key; nothing may follow     |
//!
//! Proving keys are stored uncompressed and loaded with `Validate::No` (no curve or subgroup
//! checks, which would dominate load time): this is sound only because the content hash is
//! checked first, so the points are the ones the setup wrote. Verifying keys are small, stored
//! compressed and fully validated on load.
//!
//! The content hash covers the payload only, so the hash of a verifying key does not depend on
//! the circuit name or the flag: [`key_hash`] of a [`VerifyingKey`] in memory, of a verifying
//! key file, and of the same key imported from snarkjs JSON are equal. The header fields are
//! checked structurally (known kind, known flag bits, UTF-8 name, exact length).

use std::path::Path;

use ark_bn254::Bn254;
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha256};

use crate::{
    atomic::write_atomic,
    error::{KeyFileError, ProverError},
};

/// The first 8 bytes of every key file.
pub const MAGIC: [u8; 8] = *b"CCRG16KF";
/// The key-file format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

const FLAG_INSECURE_DEV_SETUP: u8 = 0b0000_0001;
const ENCODING_COMPRESSED: u8 = 0;
const ENCODING_UNCOMPRESSED: u8 = 1;
/// Length of the header before the circuit name.
const FIXED_PREFIX: usize = 8 + 2 + 1 + 1 + 1 + 2;
/// Length of the header after the circuit name.
const FIXED_SUFFIX: usize = 32 + 8;

/// A key file: a Groth16 key over BN254 with what the header says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyFile<K> {
    /// Circuit name and setup provenance.
    pub metadata: KeyMetadata,
    /// The key itself.
    pub key: K,
}

/// A proving key file.
pub type ProvingKeyFile = KeyFile<ProvingKey<Bn254>>;
/// A verifying key file.
pub type VerifyingKeyFile = KeyFile<VerifyingKey<Bn254>>;

/// What a key file says about its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMetadata {
    /// Name of the circuit the key was made for (free text, at most 65535 bytes of UTF-8).
    pub circuit_name: String,
    /// The key comes from [`crate::setup::dev_setup`], whose toxic waste is derivable from a
    /// seed: proofs checked against it prove nothing. Verification tools warn about it.
    pub insecure_dev_setup: bool,
}

/// Which key a key file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A Groth16 proving key.
    Proving,
    /// A Groth16 verifying key.
    Verifying,
}

impl KeyKind {
    fn byte(self) -> u8 {
        match self {
            Self::Proving => 1,
            Self::Verifying => 2,
        }
    }

    fn from_byte(byte: u8) -> Result<Self, KeyFileError> {
        match byte {
            1 => Ok(Self::Proving),
            2 => Ok(Self::Verifying),
            other => Err(KeyFileError::UnknownKind(other)),
        }
    }

    /// `"proving key"` or `"verifying key"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Proving => "proving key",
            Self::Verifying => "verifying key",
        }
    }
}

/// A key type that can be stored in a key file (sealed: the Groth16 proving and verifying
/// keys over BN254).
pub trait StoredKey: CanonicalSerialize + CanonicalDeserialize + sealed::Sealed {
    /// The kind byte of its files.
    const KIND: KeyKind;
    /// How its payload is encoded.
    const COMPRESS: Compress;
    /// Whether loading checks its points (only after the content hash matched).
    const VALIDATE: Validate;
}

impl StoredKey for ProvingKey<Bn254> {
    const KIND: KeyKind = KeyKind::Proving;
    const COMPRESS: Compress = Compress::No;
    // Sound only because `KeyFile::from_bytes` checks the content hash first.
    const VALIDATE: Validate = Validate::No;
}

impl StoredKey for VerifyingKey<Bn254> {
    const KIND: KeyKind = KeyKind::Verifying;
    const COMPRESS: Compress = Compress::Yes;
    const VALIDATE: Validate = Validate::Yes;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for ark_groth16::ProvingKey<ark_bn254::Bn254> {}
    impl Sealed for ark_groth16::VerifyingKey<ark_bn254::Bn254> {}
}

/// The header of a key file, read and checked against its payload without deserializing the
/// key (see [`KeyHeader::read`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHeader {
    /// Which key the file holds.
    pub kind: KeyKind,
    /// Circuit name and setup provenance.
    pub metadata: KeyMetadata,
    /// SHA-256 of the payload, checked.
    pub content_hash: [u8; 32],
}

impl KeyHeader {
    /// Parses the header of a key file and checks the payload against the content hash;
    /// returns the header and the payload.
    ///
    /// # Errors
    ///
    /// [`ProverError::KeyFile`] with [`KeyFileError::BadMagic`],
    /// [`KeyFileError::UnsupportedVersion`], [`KeyFileError::HashMismatch`], ...
    pub fn read(bytes: &[u8]) -> Result<(Self, &[u8]), ProverError> {
        let (header, payload) = Self::parse(bytes)?;
        header.check_hash(payload)?;
        Ok((header, payload))
    }

    /// The content hash as lowercase hex.
    pub fn key_hash(&self) -> String {
        hex::encode(self.content_hash)
    }

    /// Which key a key file holds, from its header alone (the content hash is not checked).
    pub(crate) fn peek_kind(bytes: &[u8]) -> Result<KeyKind, KeyFileError> {
        Self::parse(bytes).map(|(header, _)| header.kind)
    }

    fn check_hash(&self, payload: &[u8]) -> Result<(), KeyFileError> {
        let got: [u8; 32] = Sha256::digest(payload).into();
        if got == self.content_hash {
            Ok(())
        } else {
            Err(KeyFileError::HashMismatch {
                expected: hex::encode(self.content_hash),
                got: hex::encode(got),
            })
        }
    }

    /// Parses and checks the header structurally; the content hash is not checked.
    fn parse(bytes: &[u8]) -> Result<(Self, &[u8]), KeyFileError> {
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(KeyFileError::BadMagic);
        }
        let mut r = Reader { bytes, pos: 8 };
        let version = u16::from_le_bytes(r.array()?);
        if version != FORMAT_VERSION {
            return Err(KeyFileError::UnsupportedVersion { got: version, expected: FORMAT_VERSION });
        }
        let [kind] = r.array()?;
        let kind = KeyKind::from_byte(kind)?;
        let [flags] = r.array()?;
        if flags & !FLAG_INSECURE_DEV_SETUP != 0 {
            return Err(KeyFileError::UnknownFlags(flags));
        }
        let [encoding] = r.array()?;
        if encoding != encoding_byte(kind) {
            return Err(KeyFileError::UnsupportedEncoding(encoding));
        }
        let name_len = usize::from(u16::from_le_bytes(r.array()?));
        let circuit_name =
            std::str::from_utf8(r.take(name_len)?).map_err(|_| KeyFileError::BadCircuitName)?.to_owned();
        let content_hash: [u8; 32] = r.array()?;
        let payload_len = u64::from_le_bytes(r.array()?);
        let payload_len = usize::try_from(payload_len)
            .map_err(|_| KeyFileError::Truncated { needed: usize::MAX, available: bytes.len() })?;
        let payload = r.take(payload_len)?;
        if r.pos != bytes.len() {
            return Err(KeyFileError::TrailingBytes(bytes.len() - r.pos));
        }
        let header = Self {
            kind,
            metadata: KeyMetadata { circuit_name, insecure_dev_setup: flags & FLAG_INSECURE_DEV_SETUP != 0 },
            content_hash,
        };
        Ok((header, payload))
    }
}

impl<K: StoredKey> KeyFile<K> {
    /// Serializes the key file (header and payload).
    ///
    /// # Errors
    ///
    /// [`KeyFileError::CircuitNameTooLong`], or an arkworks serialization error.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ProverError> {
        let name = self.metadata.circuit_name.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| KeyFileError::CircuitNameTooLong(name.len()))?;
        let payload = serialize_payload(&self.key)?;
        let mut out = Vec::with_capacity(FIXED_PREFIX + name.len() + FIXED_SUFFIX + payload.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(K::KIND.byte());
        out.push(if self.metadata.insecure_dev_setup { FLAG_INSECURE_DEV_SETUP } else { 0 });
        out.push(encoding_byte(K::KIND));
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&Sha256::digest(&payload));
        // usize -> u64 never truncates on supported targets (at most 64-bit).
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Parses a key file, checking magic, version, kind and content hash before deserializing.
    ///
    /// # Errors
    ///
    /// [`ProverError::KeyFile`]: [`KeyFileError::HashMismatch`] for a corrupted file,
    /// [`KeyFileError::WrongKind`] for the other kind of key, etc.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProverError> {
        let (header, payload) = KeyHeader::parse(bytes)?;
        if header.kind != K::KIND {
            return Err(KeyFileError::WrongKind { got: header.kind.name(), expected: K::KIND.name() }.into());
        }
        header.check_hash(payload)?;
        let key =
            K::deserialize_with_mode(payload, K::COMPRESS, K::VALIDATE).map_err(KeyFileError::Payload)?;
        Ok(Self { metadata: header.metadata, key })
    }

    /// Writes the key file crash-safely (temp file, fsync, rename).
    ///
    /// # Errors
    ///
    /// As [`Self::to_bytes`], and [`ProverError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), ProverError> {
        write_atomic(path, &self.to_bytes()?)
    }

    /// Reads and checks a key file (see [`Self::from_bytes`]).
    ///
    /// # Errors
    ///
    /// As [`Self::from_bytes`], and [`ProverError::Io`].
    pub fn load(path: &Path) -> Result<Self, ProverError> {
        let bytes = std::fs::read(path).map_err(|e| ProverError::io(path, e))?;
        Self::from_bytes(&bytes)
    }

    /// The content hash of the key (lowercase hex SHA-256 of its payload), the value to pin in
    /// snapshots.
    ///
    /// # Errors
    ///
    /// An arkworks serialization error.
    pub fn key_hash(&self) -> Result<String, ProverError> {
        key_hash(&self.key)
    }
}

impl ProvingKeyFile {
    /// The verifying key file that goes with this proving key file (same metadata).
    pub fn verifying_key_file(&self) -> VerifyingKeyFile {
        KeyFile { metadata: self.metadata.clone(), key: self.key.vk.clone() }
    }
}

/// Lowercase hex SHA-256 of the key's payload as stored in a key file: arkworks compressed for
/// a verifying key, uncompressed for a proving key.
///
/// # Errors
///
/// An arkworks serialization error.
pub fn key_hash<K: StoredKey>(key: &K) -> Result<String, ProverError> {
    Ok(hex::encode(Sha256::digest(serialize_payload(key)?)))
}

fn serialize_payload<K: StoredKey>(key: &K) -> Result<Vec<u8>, ProverError> {
    let mut payload = Vec::with_capacity(key.serialized_size(K::COMPRESS));
    key.serialize_with_mode(&mut payload, K::COMPRESS)?;
    Ok(payload)
}

fn encoding_byte(kind: KeyKind) -> u8 {
    match kind {
        KeyKind::Proving => ENCODING_UNCOMPRESSED,
        KeyKind::Verifying => ENCODING_COMPRESSED,
    }
}

/// A cursor over the header that reports truncation instead of panicking.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], KeyFileError> {
        let end = self.pos.saturating_add(len);
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(KeyFileError::Truncated { needed: end, available: self.bytes.len() })?;
        self.pos = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], KeyFileError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
}

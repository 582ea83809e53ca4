//! The binary form of a batch witness, as the job API carries it to a worker.
//!
//! Every field in order, integers big-endian, field elements as 32 canonical big-endian bytes,
//! points as their two coordinates (not checked against the curve: the circuit checks what it
//! needs, and a witness that does not satisfy it yields no proof). A leading version byte lets
//! the format change without a worker misreading it.

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ccr_circuits::babyjubjub::eddsa::Signature;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::batch::BatchWitness;
use ccr_circuits::merkle::MerkleProof;
use ccr_circuits::state::account::Account;
use ccr_circuits::state::encoding::{EncodedSlot, SLOT_BYTES};
use ccr_circuits::state::tx::{Deposit, ForcedExit};
use ccr_circuits::state::{Domain, RollupParams, SlotWitness};

/// The format's version byte.
pub const WITNESS_FORMAT: u8 = 1;

/// A witness that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessCodecError {
    /// The bytes end early.
    #[error("the witness ends early (at byte {0})")]
    Truncated(usize),
    /// A value out of range.
    #[error("invalid witness: {0}")]
    Invalid(String),
    /// Bytes left after the witness.
    #[error("{0} bytes after the witness")]
    Trailing(usize),
}

/// Encodes `w`.
pub fn encode_witness(w: &BatchWitness) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + w.slots.len() * (4 + w.params.depth) * 32 * 2);
    out.push(WITNESS_FORMAT);
    put_u32(&mut out, w.params.depth as u32);
    put_u32(&mut out, w.params.batch_size as u32);
    put_u64(&mut out, w.params.domain.chain_id);
    out.extend_from_slice(&w.params.domain.rollup);
    for x in [&w.old_root, &w.new_root, &w.queue_before, &w.queue_after] {
        put_fr(&mut out, x);
    }
    put_u32(&mut out, w.epoch);
    put_u32(&mut out, w.slots.len() as u32);
    for s in &w.slots {
        out.extend_from_slice(&s.encoded.to_bytes());
        put_account(&mut out, &s.sender);
        put_proof(&mut out, &s.sender_proof);
        match &s.receiver {
            Some(a) => {
                out.push(1);
                put_account(&mut out, a);
            }
            None => out.push(0),
        }
        put_proof(&mut out, &s.receiver_proof);
        put_point(&mut out, &s.signature.r8);
        put_fr(&mut out, &s.signature.s);
        put_u32(&mut out, s.deposit.index);
        match &s.deposit.pubkey {
            Some(p) => {
                out.push(1);
                put_point(&mut out, p);
            }
            None => out.push(0),
        }
        put_u64(&mut out, s.deposit.amount);
        put_u32(&mut out, s.forced_exit.index);
        put_u64(&mut out, s.forced_exit.amount);
    }
    out
}

/// Decodes a witness [`encode_witness`] wrote.
pub fn decode_witness(bytes: &[u8]) -> Result<BatchWitness, WitnessCodecError> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u8()?;
    if version != WITNESS_FORMAT {
        return Err(WitnessCodecError::Invalid(format!(
            "format {version}, this build reads format {WITNESS_FORMAT}"
        )));
    }
    let depth = r.u32()? as usize;
    let batch_size = r.u32()? as usize;
    let chain_id = r.u64()?;
    let rollup: [u8; 20] = r.take(20)?.try_into().map_err(|_| WitnessCodecError::Truncated(r.at))?;
    let params = RollupParams::new(depth, batch_size, Domain::new(chain_id, rollup))
        .map_err(|e| WitnessCodecError::Invalid(e.to_string()))?;
    let (old_root, new_root, queue_before, queue_after) = (r.fr()?, r.fr()?, r.fr()?, r.fr()?);
    let epoch = r.u32()?;
    let n = r.u32()? as usize;
    if n != batch_size {
        return Err(WitnessCodecError::Invalid(format!("{n} slots in a batch of {batch_size}")));
    }
    let mut slots = Vec::with_capacity(n);
    for i in 0..n {
        let enc: &[u8; SLOT_BYTES] =
            r.take(SLOT_BYTES)?.try_into().map_err(|_| WitnessCodecError::Truncated(r.at))?;
        let encoded =
            EncodedSlot::from_bytes(i, enc).map_err(|e| WitnessCodecError::Invalid(e.to_string()))?;
        let sender = r.account()?;
        let sender_proof = r.proof(depth)?;
        let receiver = if r.flag()? { Some(r.account()?) } else { None };
        let receiver_proof = r.proof(depth)?;
        let signature = Signature { r8: r.point()?, s: r.fr()? };
        let index = r.u32()?;
        let pubkey = if r.flag()? { Some(r.point()?) } else { None };
        let deposit = Deposit { index, pubkey, amount: r.u64()? };
        let forced_exit = ForcedExit { index: r.u32()?, amount: r.u64()? };
        slots.push(SlotWitness {
            encoded,
            sender,
            sender_proof,
            receiver,
            receiver_proof,
            signature,
            deposit,
            forced_exit,
        });
    }
    if r.at != bytes.len() {
        return Err(WitnessCodecError::Trailing(bytes.len() - r.at));
    }
    Ok(BatchWitness { params, old_root, new_root, queue_before, queue_after, epoch, slots })
}

fn put_u32(out: &mut Vec<u8>, x: u32) {
    out.extend_from_slice(&x.to_be_bytes());
}

fn put_u64(out: &mut Vec<u8>, x: u64) {
    out.extend_from_slice(&x.to_be_bytes());
}

fn put_fr(out: &mut Vec<u8>, x: &Fr) {
    out.extend_from_slice(&x.into_bigint().to_bytes_be());
}

fn put_point(out: &mut Vec<u8>, p: &Point) {
    put_fr(out, &p.x);
    put_fr(out, &p.y);
}

/// Encodes an account as the witness does (the node's saved state uses it too).
pub fn encode_account(a: &Account) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * 3 + 8 * 4);
    put_account(&mut out, a);
    out
}

/// Decodes an account [`encode_account`] wrote.
pub fn decode_account(bytes: &[u8]) -> Result<Account, WitnessCodecError> {
    let mut r = Reader { bytes, at: 0 };
    let a = r.account()?;
    match bytes.len() - r.at {
        0 => Ok(a),
        n => Err(WitnessCodecError::Trailing(n)),
    }
}

fn put_account(out: &mut Vec<u8>, a: &Account) {
    put_point(out, &a.pubkey);
    put_u64(out, a.balance);
    put_u32(out, a.nonce);
    put_u32(out, a.bank);
    put_u64(out, a.debt);
    put_u64(out, a.voice_credits);
    put_fr(out, &a.loan);
}

fn put_proof(out: &mut Vec<u8>, p: &MerkleProof) {
    put_u64(out, p.index);
    for s in &p.siblings {
        put_fr(out, s);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WitnessCodecError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(WitnessCodecError::Truncated(self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, WitnessCodecError> {
        Ok(self.take(1)?[0])
    }

    fn flag(&mut self) -> Result<bool, WitnessCodecError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(WitnessCodecError::Invalid(format!("option tag {b} at byte {}", self.at - 1))),
        }
    }

    fn u32(&mut self) -> Result<u32, WitnessCodecError> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_be_bytes(a))
    }

    fn u64(&mut self) -> Result<u64, WitnessCodecError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }

    fn fr(&mut self) -> Result<Fr, WitnessCodecError> {
        let at = self.at;
        let b = self.take(32)?;
        ccr_circuits::field::from_be_bytes(b)
            .map_err(|_| WitnessCodecError::Invalid(format!("non-canonical field element at byte {at}")))
    }

    fn point(&mut self) -> Result<Point, WitnessCodecError> {
        Ok(Point::new_unchecked(self.fr()?, self.fr()?))
    }

    fn account(&mut self) -> Result<Account, WitnessCodecError> {
        Ok(Account {
            pubkey: self.point()?,
            balance: self.u64()?,
            nonce: self.u32()?,
            bank: self.u32()?,
            debt: self.u64()?,
            voice_credits: self.u64()?,
            loan: self.fr()?,
        })
    }

    fn proof(&mut self, depth: usize) -> Result<MerkleProof, WitnessCodecError> {
        let index = self.u64()?;
        let siblings = (0..depth).map(|_| self.fr()).collect::<Result<_, _>>()?;
        Ok(MerkleProof { index, siblings })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ccr_circuits::babyjubjub::eddsa::PrivateKey;
    use ccr_circuits::batch::BatchBuilder;
    use ccr_circuits::state::tx::{Tx, UnsignedTx};
    use ccr_circuits::state::RollupState;

    use super::*;

    /// A batch with a deposit opening an account, a top-up, a transfer, a forced exit and a
    /// no-op: every optional field both ways.
    fn witness() -> BatchWitness {
        let domain = Domain::new(31337, [9; 20]);
        let params = RollupParams::new(4, 5, domain).unwrap();
        let mut state = RollupState::new(params).unwrap();
        let (a, b) = (PrivateKey::from_bytes([1; 32]), PrivateKey::from_bytes([2; 32]));
        let mut builder = BatchBuilder::new(&state);
        let u = UnsignedTx::transfer(0, 1, 30, 0).unwrap();
        let txs = [
            Tx::Deposit(Deposit { index: 0, pubkey: Some(a.public_key()), amount: 100 }),
            Tx::Deposit(Deposit { index: 1, pubkey: Some(b.public_key()), amount: 5 }),
            Tx::Signed(u.with_signature(a.sign_poseidon(u.message(&domain)))),
            Tx::ForcedExit(ForcedExit { index: 1, amount: 10 }),
        ];
        for tx in &txs {
            builder.push(&mut state, tx).unwrap();
        }
        builder.finish_from(&state)
    }

    #[test]
    fn a_witness_survives_the_wire() {
        let w = witness();
        let bytes = encode_witness(&w);
        let back = decode_witness(&bytes).unwrap();
        assert_eq!(back.params, w.params);
        assert_eq!(
            (back.old_root, back.new_root, back.queue_before, back.queue_after, back.epoch),
            (w.old_root, w.new_root, w.queue_before, w.queue_after, w.epoch)
        );
        assert_eq!(back.slots, w.slots);
        assert_eq!(back.public_commitment(), w.public_commitment());
        assert_eq!(encode_witness(&back), bytes);
    }

    #[test]
    fn malformed_witnesses_are_refused() {
        let bytes = encode_witness(&witness());
        for cut in [0, 1, 40, bytes.len() - 1] {
            assert!(
                matches!(decode_witness(&bytes[..cut]), Err(WitnessCodecError::Truncated(_))),
                "cut {cut}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(decode_witness(&long).unwrap_err(), WitnessCodecError::Trailing(1));
        let mut version = bytes.clone();
        version[0] = 2;
        assert!(matches!(decode_witness(&version), Err(WitnessCodecError::Invalid(_))));
        // The old root (after the 37-byte header) set to the field's order: not canonical.
        let mut big = bytes.clone();
        big[37..69].copy_from_slice(&Fr::MODULUS.to_bytes_be());
        assert!(matches!(decode_witness(&big), Err(WitnessCodecError::Invalid(_))));
        // A slot count that is not the batch size.
        let mut count = bytes;
        count[37 + 128 + 4..37 + 128 + 8].copy_from_slice(&4u32.to_be_bytes());
        assert!(matches!(decode_witness(&count), Err(WitnessCodecError::Invalid(_))));
    }
}

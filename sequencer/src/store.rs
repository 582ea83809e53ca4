//! RocksDB storage: one directory per node, every state change one atomic, synced write batch.
//!
//! # Layout
//!
//! | column family | key                          | value                                        |
//! |---------------|------------------------------|----------------------------------------------|
//! | `txs`         | sequence number (u64 BE)     | [`TxRecord`](crate::records::TxRecord): the transaction, its hash, its status |
//! | `tx_hashes`   | transaction hash (32 bytes)  | sequence number (u64 BE)                     |
//! | `batches`     | batch number (u64 BE)        | [`BatchRecord`](crate::records::BatchRecord): roots, queue range, tx_data, commitment, proof |
//! | `deposits`    | L1 queue position (u64 BE)   | sequence number of its log entry, then the deposit |
//! | `credits`     | sequence number (u64 BE)     | [`CreditProofRecord`](crate::records::CreditProofRecord): a credit's eligibility proof, its inputs, its state batch |
//! | `fund_moves`  | the solidarity fund's move log position (u64 BE) | [`FundMoveRecord`](crate::records::FundMoveRecord): the sequence number of its log entry, its table's epoch, the move, how its slot carried it out |
//! | `meta`        | name (UTF-8)                 | `schema_version`, `params`, `next_seq`, `next_batch`, `deposits_seen`, `fund_moves`, `batches_settled`, `epoch`, `snapshot` |
//! | `state`       | account index (u32 BE)       | the account after the last sealed batch (the *snapshot*) |
//! | `witnesses`   | batch number (u64 BE)        | the witness of a sealed batch without a proof (deleted with its proof) |
//! | `roots`       | state root (32 bytes BE)     | its L1 batch number (u64 BE): the roots an eligibility proof may be over |
//! | `nullifiers`  | nullifier (32 bytes BE)      | sequence number of the credit that spent it (deleted if the credit is dropped) |
//! | `health_reports` | epoch (u32 BE), bioregion (u32 BE), attester's packed key (32 bytes) | a signed indicator report, its API wire form in JSON ([`crate::health_reports`]); never deleted |
//!
//! `fund_moves` came after schema version 6 without changing it: a database written before has
//! no fund move, and opening it creates the column family empty (`fund_moves` in `meta`
//! absent is 0).
//!
//! Big-endian keys make RocksDB's byte order the numeric order, so iteration replays in order.
//! The `txs` column family is an append-only log: entries are never deleted, only their status
//! changes (pending → in batch, or pending → rejected). Writes go through [`StoreWrite`](crate::store::StoreWrite) and
//! [`Store::commit`](crate::store::Store::commit), which applies one `WriteBatch` with `sync = true`: after `commit`
//! returns, the change survives a crash of the process or of the machine.
//!
//! The snapshot (`state`, and `snapshot` in `meta`: how many batches it covers and where the
//! unsealed tail of the log begins) is written in the same write batch as the batch that
//! changes it, so start-up loads the state instead of replaying the log
//! ([`crate::invariants`]).

use std::path::Path;

use std::collections::HashMap;

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ccr_circuits::batch::BatchWitness;
use ccr_circuits::state::account::Account;
use ccr_circuits::state::tx::QueueEntry;
use ccr_circuits::state::RollupParams;
use rocksdb::{ColumnFamily, ColumnFamilyDescriptor, IteratorMode, Options, WriteBatch, WriteOptions, DB};
use tracing::debug;

use crate::fleet::codec::{
    decode_account, decode_witness, encode_account, encode_witness, WitnessCodecError,
};
use crate::records::{
    decode_queue_record, encode_queue_record, BatchRecord, CodecError, CreditProofRecord, FundMoveRecord,
    TxRecord, TxStatus,
};

/// Column family of the accepted-transaction log.
pub const CF_TXS: &str = "txs";
/// Column family of the hash → sequence number index.
pub const CF_TX_HASHES: &str = "tx_hashes";
/// Column family of sealed batches.
pub const CF_BATCHES: &str = "batches";
/// Column family of the L1 deposits seen.
pub const CF_DEPOSITS: &str = "deposits";
/// Column family of the credits' eligibility proofs.
pub const CF_CREDITS: &str = "credits";
/// Column family of counters and parameters.
pub const CF_META: &str = "meta";
/// Column family of the sealed state's accounts (the snapshot).
pub const CF_STATE: &str = "state";
/// Column family of the witnesses of sealed batches without a proof.
pub const CF_WITNESSES: &str = "witnesses";
/// Column family of the state roots L1 holds or will hold.
pub const CF_ROOTS: &str = "roots";
/// Column family of the spent nullifiers.
pub const CF_NULLIFIERS: &str = "nullifiers";
/// Column family of the signed health indicator reports.
pub const CF_HEALTH_REPORTS: &str = "health_reports";
/// Column family of the solidarity fund's moves taken into the log.
pub const CF_FUND_MOVES: &str = "fund_moves";
/// Every column family.
pub const COLUMN_FAMILIES: [&str; 12] = [
    CF_TXS,
    CF_TX_HASHES,
    CF_BATCHES,
    CF_DEPOSITS,
    CF_CREDITS,
    CF_META,
    CF_STATE,
    CF_WITNESSES,
    CF_ROOTS,
    CF_NULLIFIERS,
    CF_HEALTH_REPORTS,
    CF_FUND_MOVES,
];

/// The write-ahead log's size at most, before RocksDB flushes the memtables holding it.
const MAX_WAL_BYTES: u64 = 64 << 20;

/// Version of the layout above; start-up refuses another, except
/// [`UPGRADABLE_SCHEMA_VERSION`].
pub const SCHEMA_VERSION: u32 = 6;

/// The version before the snapshot: start-up replays it once and writes the snapshot.
pub const UPGRADABLE_SCHEMA_VERSION: u32 = 5;

const META_SCHEMA: &[u8] = b"schema_version";
const META_PARAMS: &[u8] = b"params";
const META_NEXT_SEQ: &[u8] = b"next_seq";
const META_NEXT_BATCH: &[u8] = b"next_batch";
const META_DEPOSITS_SEEN: &[u8] = b"deposits_seen";
const META_FUND_MOVES: &[u8] = b"fund_moves";
const META_BATCHES_SETTLED: &[u8] = b"batches_settled";
const META_EPOCH: &[u8] = b"epoch";
const META_PROVER_LEASES: &[u8] = b"prover_leases";
const META_SNAPSHOT: &[u8] = b"snapshot";

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB failed (I/O, lock held by another process, corruption it detected).
    #[error("RocksDB: {0}")]
    Db(#[from] rocksdb::Error),
    /// A column family is missing from an open database.
    #[error("column family `{0}` is missing")]
    MissingColumnFamily(&'static str),
    /// A saved account or witness does not decode.
    #[error("corrupt value in `{cf}` at key {key}: {source}")]
    CorruptState {
        /// Column family.
        cf: &'static str,
        /// Key, hex.
        key: String,
        /// Why.
        source: WitnessCodecError,
    },
    /// A stored value does not decode.
    #[error("corrupt value in `{cf}` at key {key}: {source}")]
    Corrupt {
        /// Column family.
        cf: &'static str,
        /// Key, hex.
        key: String,
        /// Why.
        source: CodecError,
    },
}

/// Counters kept in `meta`, updated in the same write batch as the records they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Next sequence number of the log (= entries in `txs`).
    pub next_seq: u64,
    /// Next batch number (= entries in `batches`).
    pub next_batch: u64,
    /// L1 deposits recorded (= entries in `deposits`).
    pub deposits_seen: u64,
    /// Moves of the solidarity fund's log taken into the log (= entries in `fund_moves`): the
    /// log position of the next move to take.
    pub fund_moves: u64,
    /// Batches settled on L1 (a prefix of the batches: `0..batches_settled`).
    pub batches_settled: u64,
    /// The epoch of pending transactions and of the next batch (L1's, as last observed).
    pub epoch: u32,
}

/// What the snapshot covers, kept in `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// The `state` column family is the state after batches `0..batches`.
    pub batches: u64,
    /// No log entry before this one is pending: start-up reads the log from here.
    pub scan_from: u64,
}

fn fr_key(x: &Fr) -> Vec<u8> {
    x.into_bigint().to_bytes_be()
}

/// A raw key and value.
pub type RawEntry = (Box<[u8]>, Box<[u8]>);

/// The node's database.
pub struct Store {
    db: DB,
}

impl Drop for Store {
    /// Flushes the memtables on a clean close, so the next start has no log to replay (after
    /// a crash it replays at most 64 MiB of log). Best effort: the log has everything.
    fn drop(&mut self) {
        for name in COLUMN_FAMILIES {
            if let Some(cf) = self.db.cf_handle(name) {
                if let Err(e) = self.db.flush_cf(cf) {
                    debug!(target: "sequencer::store", cf = name, error = %e, "flush at close failed");
                }
            }
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.db.path()).finish()
    }
}

fn corrupt(cf: &'static str, key: &[u8], source: CodecError) -> StoreError {
    StoreError::Corrupt { cf, key: hex::encode(key), source }
}

fn be_u64(cf: &'static str, key: &[u8], bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] =
        bytes.try_into().map_err(|_| corrupt(cf, key, CodecError::Invalid("8-byte big-endian integer")))?;
    Ok(u64::from_be_bytes(arr))
}

impl Store {
    /// Opens (or creates) the database in `path` with every column family.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        // Opening replays the write-ahead log since the oldest unflushed memtable. `meta` takes
        // a few bytes per operation and would keep its memtable (and so every log file) for
        // ever: bound the log, so that a restart replays at most this much.
        opts.set_max_total_wal_size(MAX_WAL_BYTES);
        let cfs = COLUMN_FAMILIES.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, cfs)?;
        debug!(target: "sequencer::store", path = %path.display(), "database open");
        Ok(Self { db })
    }

    fn cf(&self, name: &'static str) -> Result<&ColumnFamily, StoreError> {
        self.db.cf_handle(name).ok_or(StoreError::MissingColumnFamily(name))
    }

    fn get(&self, cf: &'static str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf)?, key)?)
    }

    fn meta_u64(&self, key: &[u8]) -> Result<Option<u64>, StoreError> {
        self.get(CF_META, key)?.map(|v| be_u64(CF_META, key, &v)).transpose()
    }

    /// The stored schema version, `None` for a new database.
    pub fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        self.get(CF_META, META_SCHEMA)?
            .map(|v| {
                let arr: [u8; 4] = v
                    .as_slice()
                    .try_into()
                    .map_err(|_| corrupt(CF_META, META_SCHEMA, CodecError::Invalid("schema version")))?;
                Ok(u32::from_be_bytes(arr))
            })
            .transpose()
    }

    /// The stored rollup parameters, `None` for a new database.
    pub fn params(&self) -> Result<Option<RollupParams>, StoreError> {
        let Some(v) = self.get(CF_META, META_PARAMS)? else { return Ok(None) };
        let bad = || corrupt(CF_META, META_PARAMS, CodecError::Invalid("parameters"));
        if v.len() != 36 {
            return Err(bad());
        }
        let word = |i: usize| u32::from_be_bytes([v[i], v[i + 1], v[i + 2], v[i + 3]]);
        let mut chain_id = [0u8; 8];
        chain_id.copy_from_slice(&v[8..16]);
        let mut rollup = [0u8; 20];
        rollup.copy_from_slice(&v[16..36]);
        let domain = ccr_circuits::state::Domain::new(u64::from_be_bytes(chain_id), rollup);
        RollupParams::new(word(0) as usize, word(4) as usize, domain).map(Some).map_err(|_| bad())
    }

    /// The counters; zeros for a new database.
    pub fn counters(&self) -> Result<Counters, StoreError> {
        Ok(Counters {
            next_seq: self.meta_u64(META_NEXT_SEQ)?.unwrap_or(0),
            next_batch: self.meta_u64(META_NEXT_BATCH)?.unwrap_or(0),
            deposits_seen: self.meta_u64(META_DEPOSITS_SEEN)?.unwrap_or(0),
            fund_moves: self.meta_u64(META_FUND_MOVES)?.unwrap_or(0),
            batches_settled: self.meta_u64(META_BATCHES_SETTLED)?.unwrap_or(0),
            epoch: match self.meta_u64(META_EPOCH)?.unwrap_or(0) {
                e if e <= u64::from(ccr_circuits::state::loan::MAX_EPOCH) => e as u32,
                _ => return Err(corrupt(CF_META, META_EPOCH, CodecError::Invalid("epoch"))),
            },
        })
    }

    /// The log entry `seq`.
    pub fn tx(&self, seq: u64) -> Result<Option<TxRecord>, StoreError> {
        let key = seq.to_be_bytes();
        self.get(CF_TXS, &key)?
            .map(|v| TxRecord::decode(&v).map_err(|e| corrupt(CF_TXS, &key, e)))
            .transpose()
    }

    /// The sequence number of the transaction with this hash.
    pub fn seq_by_hash(&self, hash: &[u8; 32]) -> Result<Option<u64>, StoreError> {
        self.get(CF_TX_HASHES, hash)?.map(|v| be_u64(CF_TX_HASHES, hash, &v)).transpose()
    }

    /// Sealed batch `n`.
    pub fn batch(&self, n: u64) -> Result<Option<BatchRecord>, StoreError> {
        let key = n.to_be_bytes();
        self.get(CF_BATCHES, &key)?
            .map(|v| BatchRecord::decode(&v).map_err(|e| corrupt(CF_BATCHES, &key, e)))
            .transpose()
    }

    /// The eligibility proof of the credit at log entry `seq`.
    pub fn credit(&self, seq: u64) -> Result<Option<CreditProofRecord>, StoreError> {
        let key = seq.to_be_bytes();
        self.get(CF_CREDITS, &key)?
            .map(|v| CreditProofRecord::decode(&v).map_err(|e| corrupt(CF_CREDITS, &key, e)))
            .transpose()
    }

    /// The latest credit (by sequence number) whose proof names `account` as borrower and
    /// whose transaction was not dropped: the credit of the account's current loan, if it has
    /// one. Scans the credits from the newest.
    pub fn latest_credit_of(&self, account: u32) -> Result<Option<(u64, CreditProofRecord)>, StoreError> {
        for item in self.db.iterator_cf(self.cf(CF_CREDITS)?, IteratorMode::End) {
            let (k, v) = item?;
            let seq = be_u64(CF_CREDITS, &k, &k)?;
            let rec = CreditProofRecord::decode(&v).map_err(|e| corrupt(CF_CREDITS, &k, e))?;
            if rec.account() != Some(u64::from(account)) {
                continue;
            }
            if matches!(self.tx(seq)?, Some(TxRecord { status: TxStatus::Rejected(_), .. })) {
                continue;
            }
            return Ok(Some((seq, rec)));
        }
        Ok(None)
    }

    /// Every credit's eligibility proof, by sequence number.
    pub fn credits(
        &self,
    ) -> Result<impl Iterator<Item = Result<(u64, CreditProofRecord), StoreError>> + '_, StoreError> {
        Ok(self.db.iterator_cf(self.cf(CF_CREDITS)?, IteratorMode::Start).map(|item| {
            let (k, v) = item?;
            let seq = be_u64(CF_CREDITS, &k, &k)?;
            Ok((seq, CreditProofRecord::decode(&v).map_err(|e| corrupt(CF_CREDITS, &k, e))?))
        }))
    }

    /// The deposit at L1 queue position `queue_index`, with its log sequence number.
    pub fn queue_entry(&self, queue_index: u64) -> Result<Option<(u64, QueueEntry)>, StoreError> {
        let key = queue_index.to_be_bytes();
        self.get(CF_DEPOSITS, &key)?
            .map(|v| decode_queue_record(&v).map_err(|e| corrupt(CF_DEPOSITS, &key, e)))
            .transpose()
    }

    /// The fund move at log position `position` that this node took.
    pub fn fund_move(&self, position: u64) -> Result<Option<FundMoveRecord>, StoreError> {
        let key = position.to_be_bytes();
        self.get(CF_FUND_MOVES, &key)?
            .map(|v| FundMoveRecord::decode(&v).map_err(|e| corrupt(CF_FUND_MOVES, &key, e)))
            .transpose()
    }

    /// The fund moves taken, from the last back, by log position.
    pub fn fund_moves_rev(
        &self,
    ) -> Result<impl Iterator<Item = Result<(u64, FundMoveRecord), StoreError>> + '_, StoreError> {
        Ok(self.db.iterator_cf(self.cf(CF_FUND_MOVES)?, IteratorMode::End).map(|item| {
            let (k, v) = item?;
            let position = be_u64(CF_FUND_MOVES, &k, &k)?;
            Ok((position, FundMoveRecord::decode(&v).map_err(|e| corrupt(CF_FUND_MOVES, &k, e))?))
        }))
    }

    /// Every key of a column family keyed by u64, in order (for the gap checks at start-up).
    pub fn keys(&self, cf: &'static str) -> Result<Vec<u64>, StoreError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(cf)?, IteratorMode::Start) {
            let (k, _) = item?;
            out.push(be_u64(cf, &k, &k)?);
        }
        Ok(out)
    }

    /// The log in sequence order.
    pub fn txs(&self) -> Result<impl Iterator<Item = Result<(u64, TxRecord), StoreError>> + '_, StoreError> {
        Ok(self.db.iterator_cf(self.cf(CF_TXS)?, IteratorMode::Start).map(|item| {
            let (k, v) = item?;
            let seq = be_u64(CF_TXS, &k, &k)?;
            Ok((seq, TxRecord::decode(&v).map_err(|e| corrupt(CF_TXS, &k, e))?))
        }))
    }

    /// The sealed batches in order.
    pub fn batches(&self) -> Result<impl Iterator<Item = Result<BatchRecord, StoreError>> + '_, StoreError> {
        Ok(self.db.iterator_cf(self.cf(CF_BATCHES)?, IteratorMode::Start).map(|item| {
            let (k, v) = item?;
            BatchRecord::decode(&v).map_err(|e| corrupt(CF_BATCHES, &k, e))
        }))
    }

    /// The prover fleet's lease table as [`crate::fleet::JobBoard`] wrote it (`None`: never
    /// written).
    pub fn prover_leases(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(CF_META, META_PROVER_LEASES)
    }

    /// What the snapshot covers (`None`: no snapshot, or it does not decode).
    pub fn snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let Some(v) = self.get(CF_META, META_SNAPSHOT)? else { return Ok(None) };
        let word = |i: usize| v.get(i..i + 8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
        match (v.len(), word(0), word(8)) {
            (16, Some(batches), Some(scan_from)) => Ok(Some(Snapshot { batches, scan_from })),
            _ => Err(corrupt(CF_META, META_SNAPSHOT, CodecError::Invalid("snapshot"))),
        }
    }

    /// The snapshot's accounts.
    pub fn state_accounts(&self) -> Result<HashMap<u32, Account>, StoreError> {
        let mut out = HashMap::new();
        for item in self.db.iterator_cf(self.cf(CF_STATE)?, IteratorMode::Start) {
            let (k, v) = item?;
            let index: [u8; 4] = k
                .as_ref()
                .try_into()
                .map_err(|_| corrupt(CF_STATE, &k, CodecError::Invalid("account index")))?;
            let account = decode_account(&v).map_err(|source| StoreError::CorruptState {
                cf: CF_STATE,
                key: hex::encode(&k),
                source,
            })?;
            out.insert(u32::from_be_bytes(index), account);
        }
        Ok(out)
    }

    /// The stored witnesses of sealed batches without a proof, by batch number.
    pub fn witnesses(&self) -> Result<Vec<(u64, BatchWitness)>, StoreError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(CF_WITNESSES)?, IteratorMode::Start) {
            let (k, v) = item?;
            let n = be_u64(CF_WITNESSES, &k, &k)?;
            let w = decode_witness(&v).map_err(|source| StoreError::CorruptState {
                cf: CF_WITNESSES,
                key: hex::encode(&k),
                source,
            })?;
            out.push((n, w));
        }
        Ok(out)
    }

    /// The L1 batch number of state root `root` (0: genesis, not stored), if it is one.
    pub fn root_batch(&self, root: &Fr) -> Result<Option<u64>, StoreError> {
        let key = fr_key(root);
        self.get(CF_ROOTS, &key)?.map(|v| be_u64(CF_ROOTS, &key, &v)).transpose()
    }

    /// The credit (sequence number) that spent `nullifier`, if one did.
    pub fn nullifier(&self, nullifier: &Fr) -> Result<Option<u64>, StoreError> {
        let key = fr_key(nullifier);
        self.get(CF_NULLIFIERS, &key)?.map(|v| be_u64(CF_NULLIFIERS, &key, &v)).transpose()
    }

    /// The health report stored at `key` (see the layout), raw.
    pub fn health_report(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(CF_HEALTH_REPORTS, key)
    }

    /// The health reports from key `from` on (in key order: by epoch, then bioregion), raw.
    pub fn health_reports_from(&self, from: &[u8]) -> Result<Vec<RawEntry>, StoreError> {
        let mode = IteratorMode::From(from, rocksdb::Direction::Forward);
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(CF_HEALTH_REPORTS)?, mode) {
            out.push(item?);
        }
        Ok(out)
    }

    /// The highest key of a column family keyed by u64 (`None`: empty).
    pub fn last_key(&self, cf: &'static str) -> Result<Option<u64>, StoreError> {
        match self.db.iterator_cf(self.cf(cf)?, IteratorMode::End).next() {
            Some(item) => {
                let (k, _) = item?;
                Ok(Some(be_u64(cf, &k, &k)?))
            }
            None => Ok(None),
        }
    }

    /// Every key of a column family, raw (to clear it).
    fn raw_keys(&self, cf: &'static str) -> Result<Vec<Box<[u8]>>, StoreError> {
        let mut out = Vec::new();
        for item in self.db.iterator_cf(self.cf(cf)?, IteratorMode::Start) {
            out.push(item?.0);
        }
        Ok(out)
    }

    /// The log from entry `from` on, in sequence order.
    pub fn txs_from(
        &self,
        from: u64,
    ) -> Result<impl Iterator<Item = Result<(u64, TxRecord), StoreError>> + '_, StoreError> {
        let start = from.to_be_bytes();
        let mode = IteratorMode::From(&start, rocksdb::Direction::Forward);
        Ok(self.db.iterator_cf(self.cf(CF_TXS)?, mode).map(|item| {
            let (k, v) = item?;
            let seq = be_u64(CF_TXS, &k, &k)?;
            Ok((seq, TxRecord::decode(&v).map_err(|e| corrupt(CF_TXS, &k, e))?))
        }))
    }

    /// A write that replaces the snapshot, the witnesses, the roots and the nullifiers with
    /// these (start-up, after a full replay).
    pub fn rewrite_indexes(&self) -> Result<StoreWrite, StoreError> {
        let mut w = self.write();
        for cf in [CF_STATE, CF_WITNESSES, CF_ROOTS, CF_NULLIFIERS] {
            for k in self.raw_keys(cf)? {
                w.ops.push(Op::Delete(cf, k.into_vec()));
            }
        }
        Ok(w)
    }

    /// Starts an atomic write.
    pub fn write(&self) -> StoreWrite {
        StoreWrite::default()
    }

    /// Applies `w` atomically and durably (`sync = true`).
    pub fn commit(&self, w: StoreWrite) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        for op in &w.ops {
            match op {
                Op::Put(cf, key, value) => batch.put_cf(self.cf(cf)?, key, value),
                Op::Delete(cf, key) => batch.delete_cf(self.cf(cf)?, key),
            }
        }
        let mut opts = WriteOptions::default();
        opts.set_sync(true);
        let ops = batch.len();
        self.db.write_opt(batch, &opts)?;
        debug!(target: "sequencer::store", ops, "write batch committed");
        Ok(())
    }
}

#[derive(Debug)]
enum Op {
    Put(&'static str, Vec<u8>, Vec<u8>),
    Delete(&'static str, Vec<u8>),
}

/// One atomic write: records put here become visible together at [`Store::commit`], or not at
/// all. Writes can be appended to one another ([`StoreWrite::append`]): the sequencer commits
/// the writes of operations that arrived together as one group, in their order.
#[derive(Debug, Default)]
pub struct StoreWrite {
    ops: Vec<Op>,
}

impl StoreWrite {
    fn put(&mut self, cf: &'static str, key: &[u8], value: &[u8]) {
        self.ops.push(Op::Put(cf, key.to_vec(), value.to_vec()));
    }

    /// Appends `other`'s operations after these (a later put of a key wins).
    pub fn append(&mut self, mut other: StoreWrite) {
        self.ops.append(&mut other.ops);
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Writes the layout version and the parameters (a new database).
    pub fn init(&mut self, params: &RollupParams) {
        self.put(CF_META, META_SCHEMA, &SCHEMA_VERSION.to_be_bytes());
        let mut p = Vec::with_capacity(36);
        for x in [params.depth as u32, params.batch_size as u32] {
            p.extend_from_slice(&x.to_be_bytes());
        }
        p.extend_from_slice(&params.domain.chain_id.to_be_bytes());
        p.extend_from_slice(&params.domain.rollup);
        self.put(CF_META, META_PARAMS, &p);
    }

    /// Writes this build's schema version (an upgraded database).
    pub fn put_schema_version(&mut self) {
        self.put(CF_META, META_SCHEMA, &SCHEMA_VERSION.to_be_bytes());
    }

    /// Writes log entry `seq` (new or with a new status) and its hash index.
    pub fn put_tx(&mut self, seq: u64, rec: &TxRecord) {
        self.put(CF_TXS, &seq.to_be_bytes(), &rec.encode());
        self.put(CF_TX_HASHES, &rec.hash, &seq.to_be_bytes());
    }

    /// Updates the status of log entry `seq`.
    pub fn set_status(&mut self, seq: u64, rec: &TxRecord, status: TxStatus) {
        let rec = TxRecord { status, ..rec.clone() };
        self.put(CF_TXS, &seq.to_be_bytes(), &rec.encode());
    }

    /// Records the L1 deposit at `queue_index`, held by log entry `seq`.
    pub fn put_queue_entry(&mut self, queue_index: u64, seq: u64, e: &QueueEntry) {
        self.put(CF_DEPOSITS, &queue_index.to_be_bytes(), &encode_queue_record(seq, e));
    }

    /// Records the fund move at log position `position` (new, or with its outcome).
    pub fn put_fund_move(&mut self, position: u64, rec: &FundMoveRecord) {
        self.put(CF_FUND_MOVES, &position.to_be_bytes(), &rec.encode());
    }

    /// Records the eligibility proof of the credit at log entry `seq`.
    pub fn put_credit(&mut self, seq: u64, rec: &CreditProofRecord) {
        self.put(CF_CREDITS, &seq.to_be_bytes(), &rec.encode());
    }

    /// Writes a batch record (sealed, or with its proof).
    pub fn put_batch(&mut self, rec: &BatchRecord) {
        self.put(CF_BATCHES, &rec.number.to_be_bytes(), &rec.encode());
    }

    /// Writes the counters.
    pub fn put_counters(&mut self, c: &Counters) {
        self.put(CF_META, META_NEXT_SEQ, &c.next_seq.to_be_bytes());
        self.put(CF_META, META_NEXT_BATCH, &c.next_batch.to_be_bytes());
        self.put(CF_META, META_DEPOSITS_SEEN, &c.deposits_seen.to_be_bytes());
        self.put(CF_META, META_FUND_MOVES, &c.fund_moves.to_be_bytes());
        self.put(CF_META, META_BATCHES_SETTLED, &c.batches_settled.to_be_bytes());
        self.put(CF_META, META_EPOCH, &u64::from(c.epoch).to_be_bytes());
    }

    /// Writes a snapshot account.
    pub fn put_account(&mut self, index: u32, a: &Account) {
        self.put(CF_STATE, &index.to_be_bytes(), &encode_account(a));
    }

    /// Writes what the snapshot covers.
    pub fn put_snapshot(&mut self, s: &Snapshot) {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(&s.batches.to_be_bytes());
        v.extend_from_slice(&s.scan_from.to_be_bytes());
        self.put(CF_META, META_SNAPSHOT, &v);
    }

    /// Deletes what the snapshot covers (tests of the start-up checks).
    #[doc(hidden)]
    pub fn delete_snapshot_for_tests(&mut self) {
        self.ops.push(Op::Delete(CF_META, META_SNAPSHOT.to_vec()));
    }

    /// Writes the witness of unproven batch `n`.
    pub fn put_witness(&mut self, n: u64, w: &BatchWitness) {
        self.put(CF_WITNESSES, &n.to_be_bytes(), &encode_witness(w));
    }

    /// Deletes the witness of batch `n` (it has its proof).
    pub fn delete_witness(&mut self, n: u64) {
        self.ops.push(Op::Delete(CF_WITNESSES, n.to_be_bytes().to_vec()));
    }

    /// Records state root `root` at L1 batch number `l1_batch`.
    pub fn put_root(&mut self, root: &Fr, l1_batch: u64) {
        self.put(CF_ROOTS, &fr_key(root), &l1_batch.to_be_bytes());
    }

    /// Records `nullifier` as spent by credit `seq`.
    pub fn put_nullifier(&mut self, nullifier: &Fr, seq: u64) {
        self.put(CF_NULLIFIERS, &fr_key(nullifier), &seq.to_be_bytes());
    }

    /// Frees `nullifier` (its credit was dropped).
    pub fn delete_nullifier(&mut self, nullifier: &Fr) {
        self.ops.push(Op::Delete(CF_NULLIFIERS, fr_key(nullifier)));
    }

    /// Stores a health report at `key` (see the layout).
    pub fn put_health_report(&mut self, key: &[u8], report: &[u8]) {
        self.put(CF_HEALTH_REPORTS, key, report);
    }

    /// Writes the prover fleet's lease table.
    pub fn put_prover_leases(&mut self, table: &[u8]) {
        self.put(CF_META, META_PROVER_LEASES, table);
    }

    /// Deletes log entry `seq` (only for tests of the start-up checks: the log is append-only).
    #[doc(hidden)]
    pub fn delete_tx_for_tests(&mut self, seq: u64) {
        self.ops.push(Op::Delete(CF_TXS, seq.to_be_bytes().to_vec()));
    }
}

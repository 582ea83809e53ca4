//! Key files: round trip, corruption, header checks, determinism, crash-safe writes.

use ccr_prover::{
    dev_setup, key_hash, keys::MAGIC, prove, verify, KeyFileError, KeyHeader, KeyKind, ProverError,
    ProvingKeyFile, VerifyingKeyFile,
};

use crate::common::{keys, rng, TestCircuit, SEED};

const NAME: &str = "test-circuit";

fn files() -> (ProvingKeyFile, VerifyingKeyFile) {
    keys().into_key_files(NAME)
}

fn key_file_error(err: ProverError) -> KeyFileError {
    match err {
        ProverError::KeyFile(e) => e,
        other => panic!("expected a key-file error, got {other:?}"),
    }
}

#[test]
fn key_files_round_trip_and_the_loaded_proving_key_proves() {
    let dir = tempfile::tempdir().unwrap();
    let (pk, vk) = files();
    pk.save(&dir.path().join("test.pk")).unwrap();
    vk.save(&dir.path().join("test.vk")).unwrap();

    let pk2 = ProvingKeyFile::load(&dir.path().join("test.pk")).unwrap();
    let vk2 = VerifyingKeyFile::load(&dir.path().join("test.vk")).unwrap();
    assert_eq!(pk2, pk);
    assert_eq!(vk2, vk);
    assert_eq!(vk2.metadata.circuit_name, NAME);
    assert!(vk2.metadata.insecure_dev_setup);

    let circuit = TestCircuit::new(4, 9);
    let public = circuit.public_inputs();
    let proof = prove(&pk2.key, circuit, &mut rng(1)).unwrap();
    assert!(verify(&vk2.key, &public, &proof).unwrap());
}

#[test]
fn every_corrupted_payload_byte_gives_the_hash_mismatch_error() {
    let (_, vk) = files();
    let bytes = vk.to_bytes().unwrap();
    let payload_start = bytes.len() - vk.key.gamma_abc_g1.len() * 32 - 3 * 64 - 32 - 8;
    for i in payload_start..bytes.len() {
        let mut corrupted = bytes.clone();
        corrupted[i] ^= 0x01;
        let err = key_file_error(VerifyingKeyFile::from_bytes(&corrupted).unwrap_err());
        assert!(matches!(err, KeyFileError::HashMismatch { .. }), "byte {i}: {err:?}");
    }
}

#[test]
fn corrupted_proving_key_file_on_disk_gives_the_hash_mismatch_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.pk");
    let (pk, _) = files();
    pk.save(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    std::fs::write(&path, &bytes).unwrap();
    let err = key_file_error(ProvingKeyFile::load(&path).unwrap_err());
    match err {
        KeyFileError::HashMismatch { expected, got } => {
            assert_eq!(expected, pk.key_hash().unwrap());
            assert_ne!(got, expected);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn header_checks_give_specific_errors() {
    let (_, vk) = files();
    let good = vk.to_bytes().unwrap();
    let parse = |bytes: &[u8]| key_file_error(VerifyingKeyFile::from_bytes(bytes).unwrap_err());

    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    assert!(matches!(parse(&bad_magic), KeyFileError::BadMagic));
    assert!(matches!(parse(b"CCRG"), KeyFileError::BadMagic));

    let mut version = good.clone();
    version[8] = 2;
    assert!(matches!(parse(&version), KeyFileError::UnsupportedVersion { got: 2, expected: 1 }));

    let mut flags = good.clone();
    flags[11] |= 0b10;
    assert!(matches!(parse(&flags), KeyFileError::UnknownFlags(0b11)));

    let mut encoding = good.clone();
    encoding[12] = 1;
    assert!(matches!(parse(&encoding), KeyFileError::UnsupportedEncoding(1)));

    assert!(matches!(parse(&good[..good.len() - 1]), KeyFileError::Truncated { .. }));
    assert!(matches!(parse(&good[..20]), KeyFileError::Truncated { .. }));

    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(parse(&trailing), KeyFileError::TrailingBytes(1)));
}

#[test]
fn a_proving_key_file_is_not_a_verifying_key_file() {
    let (pk, _) = files();
    let err = key_file_error(VerifyingKeyFile::from_bytes(&pk.to_bytes().unwrap()).unwrap_err());
    assert!(
        matches!(err, KeyFileError::WrongKind { got: "proving key", expected: "verifying key" }),
        "{err:?}"
    );
}

#[test]
fn header_reads_without_deserializing() {
    let (pk, vk) = files();
    let bytes = pk.to_bytes().unwrap();
    assert_eq!(bytes[..8], MAGIC);
    let (header, _) = KeyHeader::read(&bytes).unwrap();
    assert_eq!(header.kind, KeyKind::Proving);
    assert_eq!(header.metadata, pk.metadata);
    assert_eq!(header.key_hash(), pk.key_hash().unwrap());

    let bytes = vk.to_bytes().unwrap();
    let (header, _) = KeyHeader::read(&bytes).unwrap();
    assert_eq!(header.kind, KeyKind::Verifying);
    assert_eq!(header.key_hash(), key_hash(&vk.key).unwrap());
}

#[test]
fn dev_setup_is_deterministic() {
    let a = dev_setup(TestCircuit::default(), SEED).unwrap();
    let b = dev_setup(TestCircuit::default(), SEED).unwrap();
    assert_eq!(key_hash(&a.vk).unwrap(), key_hash(&b.vk).unwrap());
    assert_eq!(key_hash(&a.pk).unwrap(), key_hash(&b.pk).unwrap());
    let c = dev_setup(TestCircuit::default(), [SEED[0] + 1; 32]).unwrap();
    assert_ne!(key_hash(&a.vk).unwrap(), key_hash(&c.vk).unwrap());
}

#[test]
fn vk_hash_is_independent_of_name_and_flag() {
    let (_, vk) = files();
    let mut renamed = vk.clone();
    renamed.metadata.circuit_name = "other".to_owned();
    renamed.metadata.insecure_dev_setup = false;
    assert_eq!(renamed.key_hash().unwrap(), vk.key_hash().unwrap());
    assert_ne!(renamed.to_bytes().unwrap(), vk.to_bytes().unwrap());
}

#[test]
fn save_replaces_the_file_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.vk");
    std::fs::write(&path, b"old contents").unwrap();
    let (_, vk) = files();
    vk.save(&path).unwrap();
    assert_eq!(VerifyingKeyFile::load(&path).unwrap(), vk);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["test.vk"]);
}

#[test]
fn loading_a_missing_file_is_an_io_error_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.vk");
    match VerifyingKeyFile::load(&path).unwrap_err() {
        ProverError::Io { path: p, .. } => assert_eq!(p, path),
        other => panic!("{other:?}"),
    }
}

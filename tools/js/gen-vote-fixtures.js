// Known-answer vectors for the private vote messages of `ccr_circuits::vote` (MACI v2's scheme):
// - ECDH on Baby Jubjub as MACI's genEcdhSharedKey: babyJub.mulPointEscalar(pub, s >> 3), with s
//   the pruned BLAKE-512 scalar of circomlibjs's eddsa (maci-crypto's formatPrivKeyForBabyJub);
// - the Poseidon permutation (width 4) and poseidonEncrypt/poseidonDecrypt of the pinned
//   @zk-kit/poseidon-cipher, the package MACI v2 encrypts with;
// - whole vote messages laid out as maci-domainobjs's PCommand/Message (packed command,
//   hash4 command hash, signPoseidon, encryption under ECDH(ephemeral, coordinator) with nonce 0,
//   message hash Poseidon4(Poseidon5(data[0..5]), Poseidon5(data[5..10]), encPubKey)), built
//   from circomlibjs and @zk-kit/poseidon-cipher only.
// Deterministic and offline: every key is derived from a fixed label by SHA-256.
// Regenerate: node tools/js/gen-vote-fixtures.js > circuits/tests/fixtures/vote_maci.json
"use strict";
const crypto = require("crypto");
const createBlakeHash = require("blake-hash");
const { buildEddsa, buildPoseidon } = require("circomlibjs");
const { poseidonEncrypt, poseidonDecrypt, poseidonPerm } = require("@zk-kit/poseidon-cipher");

const keyHex = (label) => crypto.createHash("sha256").update(`ccr vote fixture ${label}`).digest("hex");
const fieldFrom = (label, p) => BigInt("0x" + crypto.createHash("sha256").update(label).digest("hex")) % p;

(async () => {
  const eddsa = await buildEddsa();
  const poseidon = await buildPoseidon();
  const babyJub = eddsa.babyJub;
  const F = babyJub.F;
  const p = F.p;
  const str = (x) => F.toString(x);
  const pt = (P) => [str(P[0]), str(P[1])];
  const big = (P) => [BigInt(str(P[0])), BigInt(str(P[1]))];
  const hash = (xs) => BigInt(str(poseidon(xs.map((x) => F.e(x)))));

  // maci-crypto's formatPrivKeyForBabyJub for a 32-byte key: (LE(pruned BLAKE-512(prv)[0..32])) >> 3.
  const formatPriv = (prvHex) => {
    const h = eddsa.pruneBuffer(createBlakeHash("blake512").update(Buffer.from(prvHex, "hex")).digest());
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(h[i]);
    return s >> 3n;
  };
  const pub = (prvHex) => eddsa.prv2pub(Buffer.from(prvHex, "hex"));
  const ecdh = (prvHex, P) => babyJub.mulPointEscalar(P, formatPriv(prvHex));

  // 1. ECDH: both directions give the same point.
  const ecdhVectors = [];
  for (let i = 0; i < 4; i++) {
    const a = keyHex(`ecdh a ${i}`);
    const b = keyHex(`ecdh b ${i}`);
    const shared = ecdh(a, pub(b));
    const back = ecdh(b, pub(a));
    if (!F.eq(shared[0], back[0]) || !F.eq(shared[1], back[1])) throw new Error("ECDH is not symmetric");
    ecdhVectors.push({ private_key: a, public_key: pt(pub(b)), shared_key: pt(shared) });
  }

  // 2. The permutation and the cipher.
  const permutation = [
    [0n, 1n, 2n, 3n],
    [p - 1n, p - 2n, 12345n, 1n << 200n],
  ].map((state) => ({ input: state.map(String), output: poseidonPerm(state).map(String) }));

  const two128 = 1n << 128n;
  const cipherVectors = [];
  const lengths = [1, 2, 3, 4, 5, 6, 7, 9, 10];
  const nonces = [0n, 1n, 5n, two128 - 1n];
  lengths.forEach((len, i) => {
    const key = big(ecdh(keyHex(`cipher a ${i}`), pub(keyHex(`cipher b ${i}`))));
    const nonce = nonces[i % nonces.length];
    const plaintext = Array.from({ length: len }, (_, j) => fieldFrom(`plaintext ${i} ${j}`, p));
    if (i === 0) plaintext[0] = p - 1n;
    const ciphertext = poseidonEncrypt(plaintext, key, nonce);
    const decrypted = poseidonDecrypt(ciphertext, key, nonce, len);
    if (decrypted.some((x, j) => x !== plaintext[j])) throw new Error("poseidon-cipher round trip failed");
    cipherVectors.push({
      key: key.map(String),
      nonce: nonce.toString(),
      plaintext: plaintext.map(String),
      ciphertext: ciphertext.map(String),
    });
  });

  // 3. Whole vote messages (maci-domainobjs layout).
  const coordinator = keyHex("coordinator");
  const coordinatorPub = pub(coordinator);
  const commands = [
    { state_index: 0n, vote_option: 0n, new_vote_weight: 0n, nonce: 1n, poll_id: 0n },
    { state_index: 3n, vote_option: 2n, new_vote_weight: 9n, nonce: 1n, poll_id: 7n },
    {
      state_index: (1n << 50n) - 1n,
      vote_option: (1n << 50n) - 1n,
      new_vote_weight: (1n << 50n) - 1n,
      nonce: (1n << 50n) - 1n,
      poll_id: (1n << 50n) - 1n,
    },
  ];
  let chain = 0n;
  const messageVectors = commands.map((c, i) => {
    const voter = keyHex(`voter ${i}`);
    const newKey = keyHex(`new key ${i}`);
    const ephemeral = keyHex(`ephemeral ${i}`);
    const newPub = big(pub(newKey));
    const salt = fieldFrom(`salt ${i}`, p);
    const packed =
      c.state_index + (c.vote_option << 50n) + (c.new_vote_weight << 100n) + (c.nonce << 150n) + (c.poll_id << 200n);
    const commandHash = hash([packed, newPub[0], newPub[1], salt]);
    const sig = eddsa.signPoseidon(Buffer.from(voter, "hex"), F.e(commandHash));
    const plaintext = [packed, newPub[0], newPub[1], salt, BigInt(str(sig.R8[0])), BigInt(str(sig.R8[1])), sig.S];
    const shared = big(ecdh(ephemeral, coordinatorPub));
    const data = poseidonEncrypt(plaintext, shared, 0n);
    if (data.length !== 10) throw new Error("a MACI message has 10 elements");
    const encPub = big(pub(ephemeral));
    const messageHash = hash([hash(data.slice(0, 5)), hash(data.slice(5, 10)), encPub[0], encPub[1]]);
    chain = hash([chain, messageHash]);
    return {
      voter_private_key: voter,
      ephemeral_private_key: ephemeral,
      command: {
        state_index: c.state_index.toString(),
        new_pubkey: newPub.map(String),
        vote_option: c.vote_option.toString(),
        new_vote_weight: c.new_vote_weight.toString(),
        nonce: c.nonce.toString(),
        poll_id: c.poll_id.toString(),
        salt: salt.toString(),
      },
      packed: packed.toString(),
      command_hash: commandHash.toString(),
      signature: { R8: pt(sig.R8), S: sig.S.toString() },
      shared_key: shared.map(String),
      enc_pubkey: encPub.map(String),
      data: data.map(String),
      message_hash: messageHash.toString(),
      chain_after: chain.toString(),
    };
  });

  const out = {
    generator:
      "circomlibjs@0.1.7 (prv2pub, pruneBuffer, mulPointEscalar, signPoseidon, poseidon) and " +
      "@zk-kit/poseidon-cipher@0.3.2 (poseidonPerm, poseidonEncrypt, poseidonDecrypt); " +
      "messages laid out as maci-domainobjs v2 (PCommand, Message)",
    ecdh: ecdhVectors,
    permutation,
    cipher: cipherVectors,
    messages: { coordinator_private_key: coordinator, coordinator_pubkey: pt(coordinatorPub), vectors: messageVectors },
  };
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
})();

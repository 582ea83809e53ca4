// Known-answer vectors for Baby Jubjub EdDSA-Poseidon from circomlibjs (the reference the
// circom ecosystem signs with: MACI, Semaphore, Polygon ID).
// Regenerate: node tools/js/gen-eddsa-fixtures.js > circuits/tests/fixtures/eddsa_circomlibjs.json
"use strict";
const crypto = require("crypto");
const { buildEddsa } = require("circomlibjs");

(async () => {
  const eddsa = await buildEddsa();
  const babyJub = eddsa.babyJub;
  const F = babyJub.F;
  const p = F.p;

  // Deterministic private keys: circomlibjs's own test key, the extremes, and hash-derived ones.
  const keys = [
    "0001020304050607080900010203040506070809000102030405060708090001",
    "00".repeat(32),
    "ff".repeat(32),
  ];
  for (let i = 0; i < 4; i++) {
    keys.push(crypto.createHash("sha256").update(`ccr eddsa fixture key ${i}`).digest("hex"));
  }
  // Messages: circomlibjs's test message, the field's extremes, and a large value.
  const msgs = [1234n, 0n, 1n, p - 1n, (p * 2n) / 3n];

  const hex = (u8) => Buffer.from(u8).toString("hex");
  const vectors = [];
  keys.forEach((prvHex, i) => {
    const prv = Buffer.from(prvHex, "hex");
    const pub = eddsa.prv2pub(prv);
    // Every key signs two of the messages, so every message is covered.
    for (const msg of [msgs[i % msgs.length], msgs[(i + 2) % msgs.length]]) {
      const sig = eddsa.signPoseidon(prv, F.e(msg));
      if (!eddsa.verifyPoseidon(F.e(msg), sig, pub)) throw new Error("circomlibjs rejected its own signature");
      vectors.push({
        private_key: prvHex,
        public_key: [F.toString(pub[0]), F.toString(pub[1])],
        packed_public_key: hex(babyJub.packPoint(pub)),
        msg: msg.toString(),
        signature: { R8: [F.toString(sig.R8[0]), F.toString(sig.R8[1])], S: sig.S.toString() },
        packed_signature: hex(eddsa.packSignature(sig)),
      });
    }
  });
  process.stdout.write(
    JSON.stringify({ generator: "circomlibjs@0.1.7 buildEddsa prv2pub/signPoseidon", vectors }, null, 1) + "\n"
  );
})();

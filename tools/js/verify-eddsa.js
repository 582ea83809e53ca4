// Verifies one EdDSA-Poseidon signature with circomlibjs's verifyPoseidon.
// Input on stdin (decimal strings):
//   {"public_key": ["Ax", "Ay"], "msg": "M", "signature": {"R8": ["R8x", "R8y"], "S": "S"}}
// Exit status: 0 accepted, 1 rejected, 2 malformed input or missing circomlibjs.
"use strict";

function fail(msg) {
  process.stderr.write(`verify-eddsa: ${msg}\n`);
  process.exit(2);
}

let circomlibjs;
try {
  circomlibjs = require("circomlibjs");
} catch (e) {
  fail(`cannot load circomlibjs (${e.message}); run \`npm ci --prefix tools/js\``);
}

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (text += chunk));
process.stdin.on("end", async () => {
  let input;
  try {
    input = JSON.parse(text);
  } catch (e) {
    fail(`input is not JSON: ${e.message}`);
  }
  try {
    const eddsa = await circomlibjs.buildEddsa();
    const F = eddsa.babyJub.F;
    const big = (s) => {
      if (typeof s !== "string" || !/^[0-9]+$/.test(s)) throw new Error(`not a decimal string: ${s}`);
      return BigInt(s);
    };
    const pub = input.public_key.map((c) => F.e(big(c)));
    const sig = { R8: input.signature.R8.map((c) => F.e(big(c))), S: big(input.signature.S) };
    const ok = eddsa.verifyPoseidon(F.e(big(input.msg)), sig, pub);
    process.exit(ok ? 0 : 1);
  } catch (e) {
    fail(e.message);
  }
});

#!/usr/bin/env node
// Compiles the Solidity of verifier-contracts/ with the pinned solc-js (offline) and writes
// deterministic artifacts (no timestamps, no absolute paths, sorted keys as solc emits them).
//
//   node tools/js/build-contracts.js           # verifier-contracts/src/*.sol -> verifier-contracts/artifacts/
//   node tools/js/build-contracts.js --stdin   # {"sources": {"Name.sol": "..."}} on stdin ->
//                                              # {"contracts": {"Name": artifact}} on stdout
//
// Each source `X.sol` yields the artifact of its contract `X` (interfaces declared beside it get
// none). PoseidonT6.json, PoseidonT5.json, PoseidonT4.json and PoseidonT3.json are circomlib's
// Poseidon over 5, 4, 3 and 2 inputs as circomlibjs generates their EVM bytecode
// (`poseidonContract.createCode(5)`, ..., `createCode(2)`).
// Compiler warnings fail the build.
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");
const { poseidonContract } = require("circomlibjs");

const SOLC_VERSION = "0.8.28";
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  // The IPFS hash of the metadata covers sources and settings only: deterministic.
  metadata: { bytecodeHash: "ipfs" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

const root = path.resolve(__dirname, "../..");
const srcDir = path.join(root, "verifier-contracts/src");
const outDir = path.join(root, "verifier-contracts/artifacts");

function fail(msg) {
  process.stderr.write(`build-contracts: ${msg}\n`);
  process.exit(1);
}

/** Compiles `{ "X.sol": source }`; returns `{ X: artifact }` for every file's contract `X`. */
function compile(sources) {
  if (!solc.version().startsWith(`${SOLC_VERSION}+`)) {
    fail(`solc-js is ${solc.version()}, expected ${SOLC_VERSION} (run npm ci --prefix tools/js)`);
  }
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const problems = (output.errors || []).filter((e) => e.severity !== "info");
  if (problems.length > 0) fail(problems.map((e) => e.formattedMessage).join("\n"));
  const artifacts = {};
  for (const sourceName of Object.keys(sources).sort()) {
    const contractName = path.basename(sourceName, ".sol");
    const c = output.contracts[sourceName] && output.contracts[sourceName][contractName];
    if (!c) fail(`${sourceName} does not define a contract ${contractName}`);
    artifacts[contractName] = {
      contractName,
      sourceName,
      compiler: `solc ${solc.version()}`,
      settings: { optimizer: SETTINGS.optimizer, evmVersion: SETTINGS.evmVersion },
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
  }
  return artifacts;
}

/**
 * circomlibjs's Poseidon contract over `inputs` inputs, as artifact `name`; its init code copies
 * the runtime that follows its 12 bytes.
 */
function poseidon(name, inputs) {
  const bytecode = poseidonContract.createCode(inputs);
  const header = "0x38600c600039"; // CODESIZE PUSH1 0x0c PUSH1 0 CODECOPY
  if (!bytecode.startsWith(header) || bytecode.slice(14, 16) !== "61") fail(`unexpected ${name} init code`);
  const runtimeLength = parseInt(bytecode.slice(16, 20), 16);
  const deployedBytecode = `0x${bytecode.slice(2 + 2 * 12)}`;
  if ((deployedBytecode.length - 2) / 2 !== runtimeLength) fail(`unexpected ${name} runtime length`);
  return {
    contractName: name,
    sourceName: `circomlibjs@0.1.7 poseidonContract.createCode(${inputs})`,
    compiler: "circomlibjs poseidon_gencontract",
    abi: poseidonContract.generateABI(inputs),
    bytecode,
    deployedBytecode,
  };
}

function write(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

if (process.argv.includes("--stdin")) {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  process.stdout.write(`${JSON.stringify({ contracts: compile(request.sources) })}\n`);
} else {
  const files = fs.readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort();
  const sources = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(srcDir, f), "utf8")]));
  const artifacts = compile(sources);
  artifacts.PoseidonT3 = poseidon("PoseidonT3", 2); // Merkle nodes (exit proofs)
  artifacts.PoseidonT6 = poseidon("PoseidonT6", 5); // queue chain, account leaves
  artifacts.PoseidonT5 = poseidon("PoseidonT5", 4); // poll message hash
  artifacts.PoseidonT4 = poseidon("PoseidonT4", 3); // poll results commitment
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, artifact] of Object.entries(artifacts)) {
    write(path.join(outDir, `${name}.json`), artifact);
    console.log(`verifier-contracts/artifacts/${name}.json (${(artifact.deployedBytecode.length - 2) / 2} bytes deployed)`);
  }
}

#!/usr/bin/env node
// udpchat-relay: runs the built relay program (apps/server/dist, made by `tsc -b`).
import { setFlagsFromString } from 'node:v8';

// The relay's store (relay.db) is SQLite compiled to WebAssembly. With V8's default tiering budget
// (1.8 M) the SQL run at start (open, integrity check, migrations) makes V8 recompile SQLite's biggest
// functions with its optimizing compiler: ~0.3 s of CPU per start (measured on Node 20: a relay started
// and stopped, 0.70 -> 0.41 s CPU). A 150x budget leaves start-up in the baseline compiler; SQL that stays
// hot still gets optimized, a little later. JavaScript is not affected. Set before any WebAssembly compiles
// (the client's launcher does the same: apps/client/bin/udpchat.js).
setFlagsFromString('--wasm-tiering-budget=300000000');

try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('main.js')) throw err;
  process.stderr.write('udpchat-relay: not built yet; run `pnpm build` (tsc -b) first\n');
  process.exitCode = 1;
}

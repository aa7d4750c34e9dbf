/**
 * V8 settings for SQLite's WebAssembly (`@udpchat/store/engine`, a module of its
 * own so that importing it compiles nothing): the programs' launchers
 * (apps/client/bin/udpchat.js, apps/server/bin/udpchat-relay.js) apply them
 * before anything else loads; the tests apply them (vitest.config.ts) to run
 * as the programs do.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * V8's tiering budget for WebAssembly, in V8's units (roughly bytes of code
 * executed per function before it is recompiled by the optimizing compiler);
 * V8's default is 1.8 M. SQLite (the history, the hosted relay's store) is
 * WebAssembly: with the default, the SQL run at start (open, integrity check,
 * migrations, the first queries) has V8 re-optimize SQLite's biggest functions,
 * ~0.35 s of CPU per start, about half of the client's (Node 20, `echo hi |
 * udpchat --plain`: ~0.6 s -> ~0.3 s CPU; a relay started and stopped:
 * 0.70 -> 0.41 s). With 300 M start-up stays in the
 * baseline compiler; code that stays hot (a /search over 100,000 stored
 * messages) is still optimized, later.
 */
export const WASM_TIERING_BUDGET = 300_000_000;

/** Applies the settings; only WebAssembly compiled afterwards follows them. Idempotent. */
export function tuneEngine(): void {
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}

#!/usr/bin/env node
// udpchat-relay: runs the built relay program (apps/server/dist, made by `tsc -b`).
try {
  // V8 settings for SQLite's WebAssembly (the relay's store, relay.db), before any WebAssembly compiles:
  // ~0.3 s of CPU less per start (packages/store/src/engine.ts).
  const { tuneEngine } = await import('@udpchat/store/engine');
  tuneEngine();
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !/main\.js|engine/.test(String(err.message))) throw err;
  process.stderr.write('udpchat-relay: not built yet; run `pnpm build` (tsc -b) first\n');
  process.exitCode = 1;
}

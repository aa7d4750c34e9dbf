#!/usr/bin/env node
// udpchat-relay: runs the built relay program (apps/server/dist, made by `tsc -b`).
try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('main.js')) throw err;
  process.stderr.write('udpchat-relay: not built yet; run `pnpm build` (tsc -b) first\n');
  process.exitCode = 1;
}

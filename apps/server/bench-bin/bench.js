#!/usr/bin/env node
// `pnpm bench [--json] …`: the relay benchmark (apps/server/bench, built by `tsc -b` into apps/server/dist-bench).
// `pnpm bench client …`: the client benchmark, apps/client/bench-bin/bench-client.js, with the arguments after `client`.
// `pnpm bench presence …`: what presence costs the relay with a crowd of real client cores (apps/client/bench/src/presence/main.ts).
// `pnpm bench store …`: the relay's cost per stored offline message.
// `pnpm bench cluster …`: cross-relay chat (two relays over a real nats-server) against single-relay chat.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
if (args[0] === 'client' || args[0] === 'presence') {
  // `pnpm bench presence …`: the presence crowd (real ClientCores, apps/client/bench/src/presence), issue 12.
  const script = fileURLToPath(
    new URL(args[0] === 'client' ? '../../client/bench-bin/bench-client.js' : '../../client/bench/dist/presence/main.js', import.meta.url),
  );
  if (!existsSync(script)) {
    process.stderr.write(`bench: ${script} is missing\n`);
    process.exit(1);
  }
  const child = spawn(process.execPath, [script, ...args.slice(1)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);
  });
} else if (args[0] === 'cluster') {
  // `pnpm bench cluster [--duration S] [--json]`: cross-relay chat over NATS against single-relay chat (issue 14).
  await import('../dist-bench/cluster.js');
} else if (args[0] === 'store') {
  // `pnpm bench store [--messages N] [--json]`: the relay's cost per stored offline message (apps/server/bench/store.ts).
  await import('../dist-bench/store.js');
} else {
  try {
    await import('../dist-bench/bench.js');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist-bench')) throw err;
    process.stderr.write('bench: not built yet; run `pnpm build` (tsc -b) first\n');
    process.exitCode = 1;
  }
}

#!/usr/bin/env node
// `pnpm bench [--json] [--presence N | --no-presence] …`: the relay benchmark (apps/server/bench, built by `tsc -b`
//   into apps/server/dist-bench), then the presence crowd at N clients (default 10,000; open and shared secret, each
//   steady and with churn), then one summary of the issue-12 targets; with --json, last, one JSON line: the relay
//   benchmark's report with `presence` added. The other options go to the relay benchmark.
// `pnpm bench client …`: the client benchmark, apps/client/bench-bin/bench-client.js, with the arguments after `client`.
// `pnpm bench presence …`: the presence crowd alone, at a chosen size (apps/client/bench/src/presence/main.ts).
// `pnpm bench store …`: the relay's cost per stored offline message.
// `pnpm bench cluster …`: cross-relay chat (two relays over a real nats-server) against single-relay chat.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RELAY_BENCH = fileURLToPath(new URL('../dist-bench/bench.js', import.meta.url));
const PRESENCE_BENCH = fileURLToPath(new URL('../../client/bench/dist/presence/main.js', import.meta.url));
const CLIENT_BENCH = fileURLToPath(new URL('../../client/bench-bin/bench-client.js', import.meta.url));
/** The presence run of plain `pnpm bench`: clients, and the phases (s). */
const PRESENCE_DEFAULT = 10_000;
const PRESENCE_ARGS = ['--workers', '4', '--rate', '500', '--steady', '30', '--churn', '60', '--cases', 'open,secret'];

const args = process.argv.slice(2);
let current = null;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (current ? current.kill(signal) : process.exit(130)));

/**
 * Runs `script` with `argv`, its stderr and stdout passed through, except a
 * last line that is a JSON object when `keepJson` is false; resolves with
 * the exit code and that JSON (parsed) or null.
 */
function run(script, argv, keepJson) {
  if (!existsSync(script)) {
    process.stderr.write(`bench: ${script} is missing; run \`pnpm build\` (tsc -b) first\n`);
    return Promise.resolve({ code: 1, json: null });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    let json = null;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('{')) {
        try {
          json = JSON.parse(line);
          if (!keepJson) return;
        } catch {
          // not JSON: printed as it is
        }
      }
      process.stdout.write(`${line}\n`);
    });
    // Done when the child has exited and its stdout is read to the end (in either order).
    const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1))));
    const read = new Promise((done) => lines.on('close', done));
    void Promise.all([exited, read]).then(([code]) => {
      current = null;
      resolve({ code, json });
    });
  });
}

/** Passes the arguments to one benchmark and exits with its code. */
async function only(script, argv) {
  const { code } = await run(script, argv, true);
  process.exitCode = code;
}

const fmt = (v, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const verdict = (ok) => (ok === null ? 'not measured' : ok === 'reported' ? 'reported' : ok ? 'met' : 'NOT met');

/** The issue-12 targets from both runs' JSON. */
function summary(relay, presence, presenceRan) {
  const out = ['', 'issue 12 targets (this run):'];
  const r = relay?.ratios ?? {};
  const line = (name, value, limit, ok) => out.push(`  ${name.padEnd(58)} ${value.padStart(12)}   ${limit.padEnd(8)} ${verdict(ok)}`);
  const has = (v) => typeof v === 'number' && Number.isFinite(v);
  line('fast path: throughput relay / bare', fmt(r.throughputRelayOverBare), '≥ 0.8', has(r.throughputRelayOverBare) ? r.throughputRelayOverBare >= 0.8 : null);
  line('fast path: p99 relay / bare', fmt(r.p99RelayOverBare), '≤ 1.3', has(r.p99RelayOverBare) ? r.p99RelayOverBare <= 1.3 : null);
  line('shared secret / open relay, throughput', fmt(r.secretOverTwoContacts), '≥ 0.7', has(r.secretOverTwoContacts) ? r.secretOverTwoContacts >= 0.7 : null);
  const p = presence?.presence;
  for (const m of p?.results ?? []) {
    line(`presence ${m.label}: relay CPU % of a core`, fmt(m.cpuPct), '< 5', m.cpuPct < 5);
    line(`presence ${m.label}: datagrams/s`, fmt(m.datagramsPerSec, 0), '< 3000', m.datagramsPerSec < 3000);
    line(`presence ${m.label}: relay RSS MB`, fmt(m.rssMB, 1), '', 'reported');
    if (m.check) out.push(`  presence ${m.label}: full cores' lists exact: ${m.check.exact}/${m.check.checked}${m.setupS ? `; setup ${fmt(m.setupS, 0)} s` : ''}`);
  }
  if (p) out.push(`  (presence: ${p.clients} clients, ${p.full} keeping their whole list, the others the roster version only; see above)`);
  else if (presenceRan) out.push('  presence: no figures (the crowd run did not finish; its lines above say how far it got)');
  return `${out.join('\n')}\n`;
}

async function plain(argv) {
  let presenceClients = PRESENCE_DEFAULT;
  const relayArgs = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-presence') presenceClients = 0;
    else if (a === '--presence' || a.startsWith('--presence=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      presenceClients = Number(v);
      if (!Number.isInteger(presenceClients) || presenceClients < 0) {
        process.stderr.write(`bench: --presence must be a whole number of clients (0: none), not ${JSON.stringify(v)}\n`);
        process.exitCode = 2;
        return;
      }
    } else relayArgs.push(a);
  }
  const json = relayArgs.includes('--json');
  const help = relayArgs.includes('--help') || relayArgs.includes('-h');
  if (help) {
    await only(RELAY_BENCH, relayArgs);
    process.stdout.write(`\nplain \`pnpm bench\` then runs the presence crowd: --presence N clients (default ${PRESENCE_DEFAULT}), --no-presence to skip it;\n\`pnpm bench presence --help\`-style options: pnpm bench presence [--clients N] [--workers W] [--rate R] [--steady S] [--churn S] [--cases open,secret] [--full F]\n`);
    return;
  }
  // Each child's JSON line is kept back; with --json one line with both ends the output.
  const relay = await run(RELAY_BENCH, json ? relayArgs : [...relayArgs, '--json'], false);
  if (relay.code !== 0) {
    process.exitCode = relay.code;
    return;
  }
  let presence = { code: 0, json: null };
  if (presenceClients > 0) {
    process.stdout.write(`\npresence: ${presenceClients} clients, open and shared secret, each steady and with churn (a few minutes; progress below)\n`);
    presence = await run(PRESENCE_BENCH, ['--clients', String(presenceClients), ...PRESENCE_ARGS], false);
  }
  process.stdout.write(summary(relay.json, presence.json, presenceClients > 0));
  if (json) process.stdout.write(`${JSON.stringify({ ...relay.json, presence: presence.json?.presence ?? null })}\n`);
  process.exitCode = presence.code;
}

if (args[0] === 'client') await only(CLIENT_BENCH, args.slice(1));
else if (args[0] === 'presence') await only(PRESENCE_BENCH, args.slice(1));
else if (args[0] === 'cluster') {
  // `pnpm bench cluster [--duration S] [--json]`: cross-relay chat over NATS against single-relay chat (issue 14).
  await import('../dist-bench/cluster.js');
} else if (args[0] === 'store') {
  // `pnpm bench store [--messages N] [--json]`: the relay's cost per stored offline message (apps/server/bench/store.ts).
  await import('../dist-bench/store.js');
} else await plain(args);

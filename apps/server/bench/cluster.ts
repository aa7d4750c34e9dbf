/**
 * `pnpm bench cluster [--duration S] [--latency S] [--window N] [--body BYTES] [--json]`:
 * cross-relay chat against single-relay chat (issue 14). On loopback, in one run:
 *
 * - **single**: one relay without `--cluster` (as `pnpm relay` runs it); the load
 *   generator's sender and receiver both registered there;
 * - **cross**: a real nats-server (its own process, JetStream on, a temporary
 *   store) and two relays `--cluster nats://… --relay-id bench-a|bench-b`; the
 *   sender registered at bench-a, the receiver at bench-b, so every chat goes
 *   sender → relay A → NATS → relay B → receiver and every ack back the same way.
 *
 * The same load generator (loadgen.ts) drives both: a closed loop of `--window`
 * messages in flight (throughput), then one in flight (latency percentiles of the
 * round trip send → end-to-end ack). The two cases are measured in turns (slices
 * of 1 s, the order alternating), as `pnpm bench` does, so the ratios hold within
 * one run on a shared machine. CPU is read from /proc for every process of a case
 * (single: the relay; cross: both relays and nats-server) and given per delivered
 * message. Exit code 0 when it ran, 1 when it could not (nats-server missing,
 * a process failed), 2 for a command-line mistake.
 */
import { parseArgs } from 'node:util';
import { Helper, killAll, killAllNow, spawnRelay, type Target } from './children.js';
import type { LatencySummary, LoadgenReply, LoadgenRequest, RunResult } from './ipc.js';
import { startNatsServer, type NatsServer } from './natsServer.js';
import { cpuBetween, trySampleProcess, type ProcSample } from './procstat.js';

const USAGE = 'usage: pnpm bench cluster [--duration S] [--latency S] [--window N] [--body BYTES] [--json]';
/** Flags every relay of the run gets (as in `pnpm bench`): no rate limit, no per-IP cap. */
const RELAY_ARGS = ['--rate-limit', '0', '--max-per-ip', '0'];
const SLICE_MS = 1000;
const RTO_MS = 200;

interface Options {
  durationMs: number;
  latencyMs: number;
  window: number;
  bodyBytes: number;
  json: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      duration: { type: 'string' },
      latency: { type: 'string' },
      window: { type: 'string' },
      body: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const num = (name: string, value: string | undefined, fallback: number, min: number, max: number): number => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new RangeError(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  return {
    durationMs: num('duration', values.duration, 10, 1, 600) * 1000,
    latencyMs: num('latency', values.latency, 5, 1, 600) * 1000,
    window: Math.round(num('window', values.window, 64, 1, 4096)),
    bodyBytes: Math.round(num('body', values.body, 100, 1, 1000)),
    json: values.json ?? false,
  };
}

/** One case: its load generator and the processes whose CPU it costs. */
interface Rig {
  readonly name: 'single' | 'cross';
  readonly loadgen: Helper<LoadgenRequest, LoadgenReply>;
  /** Processes measured, with a label each. */
  readonly processes: ReadonlyArray<{ label: string; pid: number }>;
  contactsListed: number;
  seconds: number;
  delivered: number;
  datagrams: number;
  retransmissions: number;
  errors: number;
  cpuS: Map<string, number>;
  latency: LatencySummary | null;
}

const progress = (text: string): void => {
  process.stderr.write(`bench cluster: ${text}\n`);
};

async function startRig(name: Rig['name'], sender: Target, receiver: Target, processes: Rig['processes'], opts: Options): Promise<Rig> {
  const loadgen = Helper.fork<LoadgenRequest, LoadgenReply>('loadgen.js', `${name}: load generator`);
  await loadgen.ready();
  const setup = await loadgen.request(
    {
      cmd: 'setup',
      mode: 'relay',
      secret: null,
      target: { port: sender.port, pid: sender.pid },
      receiverTarget: { port: receiver.port, pid: receiver.pid },
      bodyBytes: opts.bodyBytes,
      heartbeatIntervalMs: 5000,
      timeoutMs: 10_000,
    },
    15_000,
  );
  if (setup.type !== 'setup-done') throw new Error(`${name}: load generator: unexpected ${setup.type}`);
  return {
    name,
    loadgen,
    processes,
    contactsListed: setup.contactsListed,
    seconds: 0,
    delivered: 0,
    datagrams: 0,
    retransmissions: 0,
    errors: 0,
    cpuS: new Map(),
    latency: null,
  };
}

/** One slice of `rig`: a load-generator run with the CPU of its processes read around it. */
async function slice(rig: Rig, window: number, durationMs: number, latency: boolean, measure: boolean): Promise<void> {
  const before = new Map<string, ProcSample | null>(rig.processes.map((p) => [p.label, trySampleProcess(p.pid)]));
  const rep = await rig.loadgen.request({ cmd: 'run', window, warmupMs: 0, durationMs, rtoMs: RTO_MS, latency }, durationMs + 15_000);
  if (rep.type !== 'run-done') throw new Error(`${rig.name}: load generator: unexpected ${rep.type}`);
  if (!measure || latency) return;
  const r: RunResult = rep.result;
  rig.seconds += r.seconds;
  rig.delivered += r.delivered;
  rig.datagrams += r.chatsForwarded + r.acksForwarded;
  rig.retransmissions += r.retransmissions;
  rig.errors += r.errors;
  for (const p of rig.processes) {
    const a = before.get(p.label);
    const b = trySampleProcess(p.pid);
    if (!a || !b) throw new Error(`${rig.name}: ${p.label} (pid ${p.pid}) is gone`);
    rig.cpuS.set(p.label, (rig.cpuS.get(p.label) ?? 0) + cpuBetween(a, b).cpuS);
  }
}

/** Slices of the rigs in turns, the order alternating each round. */
async function interleave(rigs: readonly Rig[], totalMs: number, window: number, latency: boolean): Promise<void> {
  const rounds = Math.max(1, Math.round(totalMs / SLICE_MS));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < rigs.length; i++) await slice(rigs[(i + round) % rigs.length] as Rig, window, totalMs / rounds, latency, true);
  }
}

interface CaseReport {
  name: string;
  contactsListed: number;
  messagesPerSec: number;
  datagramsPerSec: number;
  retransmissions: number;
  errors: number;
  cpuUsPerMessage: number;
  cpuPercent: Record<string, number>;
  latency: LatencySummary | null;
}

function reportOf(rig: Rig): CaseReport {
  let cpu = 0;
  const cpuPercent: Record<string, number> = {};
  for (const [label, s] of rig.cpuS) {
    cpu += s;
    cpuPercent[label] = Math.round((s / rig.seconds) * 1000) / 10;
  }
  return {
    name: rig.name,
    contactsListed: rig.contactsListed,
    messagesPerSec: Math.round(rig.delivered / rig.seconds),
    datagramsPerSec: Math.round(rig.datagrams / rig.seconds),
    retransmissions: rig.retransmissions,
    errors: rig.errors,
    cpuUsPerMessage: rig.delivered > 0 ? Math.round((cpu / rig.delivered) * 1e7) / 10 : Number.NaN,
    cpuPercent,
    latency: rig.latency,
  };
}

function print(reports: readonly CaseReport[], opts: Options): void {
  const [single, cross] = reports as [CaseReport, CaseReport];
  const lines = [
    `cluster benchmark: ${opts.window} messages in flight, ${opts.bodyBytes}-byte texts, ${opts.durationMs / 1000} s throughput + ${opts.latencyMs / 1000} s latency per case, in turns`,
    '',
    'case     msgs/s   dgrams/s  CPU µs/msg  p50 µs  p99 µs  retrans  CPU % per process',
  ];
  for (const r of reports) {
    const cpu = Object.entries(r.cpuPercent).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(
      `${r.name.padEnd(7)} ${String(r.messagesPerSec).padStart(7)} ${String(r.datagramsPerSec).padStart(10)} ${String(r.cpuUsPerMessage).padStart(11)} ${String(r.latency?.p50Us ?? '-').padStart(7)} ${String(r.latency?.p99Us ?? '-').padStart(7)} ${String(r.retransmissions).padStart(8)}  ${cpu}`,
    );
  }
  const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? (a / b).toFixed(2) : '-');
  lines.push(
    '',
    `cross / single: throughput ${ratio(cross.messagesPerSec, single.messagesPerSec)}×, CPU per message ${ratio(cross.cpuUsPerMessage, single.cpuUsPerMessage)}×, p50 ${ratio(cross.latency?.p50Us, single.latency?.p50Us)}×, p99 ${ratio(cross.latency?.p99Us, single.latency?.p99Us)}×`,
    `contacts the sender saw: single ${single.contactsListed}, cross ${cross.contactsListed} (the receiver, registered at the other relay)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(opts: Options): Promise<number> {
  let nats: NatsServer | null = null;
  try {
    try {
      nats = await startNatsServer();
    } catch (err) {
      process.stderr.write(`bench cluster: cannot start nats-server: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n`);
      return 1;
    }
    progress(`nats-server on ${nats.url}`);
    const single = await spawnRelay(RELAY_ARGS, null);
    const a = await spawnRelay([...RELAY_ARGS, '--cluster', nats.url, '--relay-id', 'bench-a'], null);
    const b = await spawnRelay([...RELAY_ARGS, '--cluster', nats.url, '--relay-id', 'bench-b'], null);
    const natsPid = nats.child.pid ?? 0;
    const rigs = [
      await startRig('single', single, single, [{ label: 'relay', pid: single.pid }], opts),
      await startRig('cross', a, b, [
        { label: 'relay A', pid: a.pid },
        { label: 'relay B', pid: b.pid },
        { label: 'nats-server', pid: natsPid },
      ], opts),
    ];
    progress('warm-up, 1 s each');
    for (const rig of rigs) await slice(rig, opts.window, 1000, false, false);
    progress(`throughput, ${opts.window} in flight, ${opts.durationMs / 1000} s each in 1 s turns`);
    await interleave(rigs, opts.durationMs, opts.window, false);
    progress(`latency, 1 in flight, ${opts.latencyMs / 1000} s each in 1 s turns`);
    await interleave(rigs, opts.latencyMs, 1, true);
    for (const rig of rigs) {
      const rep = await rig.loadgen.request({ cmd: 'latency-summary' }, 10_000);
      if (rep.type === 'latency') rig.latency = rep.latency;
    }
    const reports = rigs.map(reportOf);
    if (opts.json) process.stdout.write(`${JSON.stringify({ cases: reports })}\n`);
    else print(reports, opts);
    for (const rig of rigs) await rig.loadgen.stop();
    return 0;
  } finally {
    await killAll();
    await nats?.stop();
  }
}

let opts: Options;
try {
  opts = parseOptions(process.argv.slice(3));
} catch (err) {
  process.stderr.write(`bench cluster: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n${USAGE}\n`);
  process.exit(2);
}
process.on('SIGINT', () => {
  killAllNow();
  process.exit(130);
});
run(opts).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllNow();
    process.stderr.write(`bench cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

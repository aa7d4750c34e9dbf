/**
 * `pnpm bench [--json]`: the relay benchmark (BENCHMARKS.md has the results
 * and the reasoning). In one run, on loopback, it drives a bare node:dgram
 * forwarder and the real relay (bin/udpchat-relay.js, its own process, as
 * `pnpm relay` runs it) with the same load generator (its own process,
 * loadgen.ts). The cases:
 *
 * 1. bare forwarder — the limit node:dgram sets (forwarder.ts);
 * 2. bare + relay-ack — the same, also sending a fixed relay-ack per chat:
 *    the relay's datagrams without its work;
 * 3. relay, 2 contacts (the load generator's sender and receiver);
 * 4. relay, 10,000 registered contacts (the crowd, crowd.ts: by default
 *    8,000 plain-text peers and 2,000 protocol clients heartbeating as often
 *    as 10,000 clients at 5 s would), with first a few seconds of heartbeats
 *    and no chat, to measure what heartbeats alone cost;
 * 5. relay with the shared secret (`--secret-file`, a temporary file): the
 *    load generator signs every datagram (a fresh nonce per send) and checks
 *    that the relay's are signed (verifying a sample in full);
 * 6. relay with --simulate-loss 0.3 (the load generator retransmits after a
 *    fixed 200 ms).
 *
 * Every relay runs with `--rate-limit 0 --max-per-ip 0` and `--max-contacts`
 * above the crowd (RELAY_LIMIT_ARGS): the per-address rate limit (200
 * datagrams/s by default) would otherwise throttle the load generator's
 * one sender, and the per-IP cap refuse the crowd. Clients register as the
 * protocol says (padded hello, welcome with a session token, list with it)
 * and send their token in every datagram.
 *
 * Cases 1–5 run side by side and are measured in turns (slices of at most
 * 1 s, the order rotating), so that the ups and downs of a shared machine
 * fall on each alike and the ratios hold within one run; case 6 runs after.
 * Each case: a closed loop of 64 messages in flight (warm-up, then the
 * measured time), then one message in flight for the latency percentiles.
 * Prints a table, then the ratios against the targets; with --json, one
 * JSON object on the last line. Exit code 0 when it ran (targets met or
 * not), 1 when it could not run, 2 for a command-line mistake. Every process
 * it starts is ended on every way out (children.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_TEXT_BYTES } from '@udpchat/protocol';
import { Helper, killAll, killAllNow, spawnForwarder, spawnRelay, terminate, type Target } from './children.js';
import {
  RUN_COUNT_KEYS,
  zeroRunCounts,
  type CrowdCounters,
  type CrowdReply,
  type CrowdRequest,
  type LatencySummary,
  type LoadgenReply,
  type LoadgenRequest,
  type RunCounts,
  type RunResult,
} from './ipc.js';
import { clockTicksPerSecond, cpuBetween, trySampleProcess } from './procstat.js';
import { summarizeProfile, type ProfileEntry, type ProfileGroup } from './profile.js';
import { sleep } from './udp.js';

/** The cases, in the order they run. */
const CASES = ['bare', 'bareAck', 'relay', 'contacts', 'secret', 'loss'] as const;
type CaseName = (typeof CASES)[number];

/** The relay's default most contacts; the benchmark raises it when the crowd needs more. */
const RELAY_DEFAULT_MAX_CONTACTS = 10_000;

/**
 * Flags every relay of the benchmark gets: no per-address rate limit
 * (`0` = off, "for benchmarks"), no cap per IP (the crowd is ~1000 contacts
 * per loopback address), and room for the crowd + sender + receiver.
 */
function relayLimitArgs(opts: { contacts: number }): string[] {
  return ['--rate-limit', '0', '--max-per-ip', '0', '--max-contacts', String(Math.max(RELAY_DEFAULT_MAX_CONTACTS, opts.contacts + 2))];
}

/** The targets of the issue "Performance". */
const LIMITS = {
  /** relay datagrams/s ÷ bare forwarder datagrams/s, at least. */
  throughputRatio: 0.8,
  /** relay p99 ÷ bare p99 (one message in flight), at most. */
  p99Ratio: 1.3,
  /** 10,000-contact throughput ÷ 2-contact throughput, at least (within 10 %). */
  contactsRatio: 0.9,
  /** Relay peak RSS, in MB, below. */
  rssMB: 150,
  /** Relay CPU with the crowd heartbeating and no chat, in % of one core, below. */
  heartbeatCpuPercent: 5,
} as const;

const USAGE = `usage: pnpm bench [--json] [options]      (pnpm bench client …: the client benchmark)
  --json            also print one JSON object with every number, as the last line
  --warmup S        seconds of load before measuring each case (default 2); 0: no warm-up at all,
                    not even the 0.25 s before each measured slice (a quick smoke run)
  --duration S      seconds measured per throughput case (default 10)
  --latency S       seconds measured per latency run, one message in flight (default 3)
  --idle S          seconds of heartbeats without chat, to measure their cost (default 5)
  --window N        messages in flight in the throughput runs (default 64)
  --body N          chat text bytes (default 100)
  --contacts N      registered contacts in the large case (default 10000)
  --clients N       how many of them are protocol clients that heartbeat (default 2000;
                    the rest are plain-text peers; see BENCHMARKS.md for why)
  --loss P          --simulate-loss of the lossy case (default 0.3)
                    (every relay runs with --rate-limit 0 --max-per-ip 0 and
                    --max-contacts max(10000, contacts + 2); the secret case with
                    --secret-file, a temporary file with a random secret)
  --rto MS          the load generator's fixed retransmission timeout (default 200)
  --cases LIST      comma-separated subset of ${CASES.join(',')} (default: all)
  --profile DIR     run the relay and the forwarder under node --cpu-prof, write the
                    profiles to DIR and print where their time went
  -h, --help        show this help`;

/** The command line, checked. */
interface Options {
  json: boolean;
  warmupMs: number;
  durationMs: number;
  latencyMs: number;
  idleMs: number;
  window: number;
  bodyBytes: number;
  contacts: number;
  clients: number;
  loss: number;
  rtoMs: number;
  cases: ReadonlySet<CaseName>;
  profileDir: string | null;
}

class UsageError extends Error {}

function numberFlag(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return n;
}

function parseOptions(argv: readonly string[]): Options | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean' },
        warmup: { type: 'string' },
        duration: { type: 'string' },
        latency: { type: 'string' },
        idle: { type: 'string' },
        window: { type: 'string' },
        body: { type: 'string' },
        contacts: { type: 'string' },
        clients: { type: 'string' },
        loss: { type: 'string' },
        rto: { type: 'string' },
        cases: { type: 'string' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'bad arguments');
  }
  if (values.help) return 'help';
  const contacts = numberFlag(values, 'contacts', 10_000, 1, 15_000, true);
  const clients = numberFlag(values, 'clients', Math.min(2000, contacts), 1, contacts, true);
  const caseText = typeof values.cases === 'string' ? values.cases : CASES.join(',');
  const cases = new Set<CaseName>();
  for (const name of caseText.split(',').map((s) => s.trim())) {
    if (!(CASES as readonly string[]).includes(name)) throw new UsageError(`--cases: unknown case ${JSON.stringify(name)} (known: ${CASES.join(', ')})`);
    cases.add(name as CaseName);
  }
  const s = (name: string, fallback: number, min: number, max: number): number => Math.round(numberFlag(values, name, fallback, min, max, false) * 1000);
  return {
    json: values.json === true,
    warmupMs: s('warmup', 2, 0, 60),
    durationMs: s('duration', 10, 0.2, 600),
    latencyMs: s('latency', 3, 0.2, 600),
    idleMs: s('idle', 5, 0.5, 600),
    window: numberFlag(values, 'window', 64, 1, 4096, true),
    bodyBytes: numberFlag(values, 'body', 100, 1, MAX_TEXT_BYTES, true),
    contacts,
    clients,
    loss: numberFlag(values, 'loss', 0.3, 0.01, 0.9, false),
    rtoMs: numberFlag(values, 'rto', 200, 10, 5000, true),
    cases,
    profileDir: typeof values.profile === 'string' ? resolve(values.profile) : null,
  };
}

/** The heartbeats-only measurement of the large case. */
interface HeartbeatReport {
  readonly seconds: number;
  readonly heartbeatsPerSec: number;
  readonly heartbeatAcksPerSec: number;
  readonly relayCpuPercent: number;
  /** Relay CPU per heartbeat answered, in µs. */
  readonly cpuUsPerHeartbeat: number | null;
}

/** The crowd of the large case. */
interface CrowdReport {
  readonly contacts: number;
  readonly clients: number;
  readonly plainPeers: number;
  readonly heartbeatIntervalMs: number;
  readonly setupS: number;
  readonly registrationRetries: number;
  /** Contacts in the sender's contact list when it registered (the crowd + the receiver). */
  readonly contactsListed: number;
  readonly idle: HeartbeatReport;
  /** Heartbeat-acks per second the crowd got while the chat load ran. */
  readonly heartbeatAcksPerSecUnderLoad: number;
  /** `error` datagrams the crowd got (NOT_REGISTERED = a contact expired). */
  readonly errors: number;
}

/** Everything measured for one case. */
interface CaseReport {
  readonly name: CaseName;
  readonly label: string;
  /** Datagrams the target received and handled per second: chats forwarded + acks forwarded. */
  readonly datagramsPerSec: number;
  /** Datagrams the target sent per second: forwarded chats and acks, relay-acks, anything else. */
  readonly datagramsOutPerSec: number;
  /** Messages delivered end to end per second (the sender got the receiver's ack). */
  readonly messagesPerSec: number;
  /** Median of the datagrams/s of the measured slices: less sensitive to a stall of the machine than the mean. */
  readonly medianSliceDatagramsPerSec: number | null;
  /** Round trips with one message in flight. */
  readonly latency: LatencySummary | null;
  /** Target CPU during the measured throughput window, in % of one core. */
  readonly cpuPercent: number | null;
  /** Target CPU per datagram received and handled, in µs. */
  readonly cpuUsPerDatagram: number | null;
  /** Target RSS at the end of the throughput window, in MB. */
  readonly rssMB: number | null;
  /** Target peak RSS over its whole life, in MB. */
  readonly peakRssMB: number | null;
  /** Load generator CPU during the throughput window, in % of one core. */
  readonly loadgenCpuPercent: number;
  /** Sums over the measured throughput slices. */
  readonly throughputRun: Totals;
  /** Sums over the measured latency slices. */
  readonly latencyRun: Totals;
  /** The relay's own counters, from its 'relay stopped' log line. */
  readonly relayStats: Record<string, unknown> | null;
  readonly crowd: CrowdReport | null;
  readonly profile: { readonly file: string; readonly busyMs: number; readonly groups: ProfileGroup[]; readonly top: ProfileEntry[] } | null;
}

/** One target of the issue, checked. */
interface TargetCheck {
  readonly name: string;
  readonly value: number | null;
  readonly limit: string;
  readonly met: boolean | null;
  readonly text: string;
}

// Once now (it runs `getconf`), not inside the first measurement.
clockTicksPerSecond();
const progress = (text: string): void => {
  process.stderr.write(`bench: ${text}\n`);
};

type Loadgen = Helper<LoadgenRequest, LoadgenReply>;
type Crowd = Helper<CrowdRequest, CrowdReply>;

/** Longest measured slice of an interleaved throughput run, in ms. */
const THROUGHPUT_SLICE_MS = 1000;
/** Longest measured slice of an interleaved latency run, in ms. */
const LATENCY_SLICE_MS = 1000;
/** Load before each measured slice (the pipeline fills again after the previous slice drained), in ms; none with `--warmup 0`. */
const SLICE_WARMUP_MS = 250;

/** The load before each measured slice under `opts`, in ms: SLICE_WARMUP_MS, or less when --warmup asks for less. */
const sliceWarmupMs = (opts: Options): number => Math.min(SLICE_WARMUP_MS, opts.warmupMs);

/** Sums of the counters of several measured slices of one rig. */
interface Totals extends RunCounts {
  /** Measured time, in s. */
  seconds: number;
  /** Datagrams handled per second in each measured slice, in order (how steady the run was). */
  sliceRates: number[];
  /** Target CPU (user + system) and the wall time it was measured over, in s. */
  targetCpuS: number;
  targetWallS: number;
  loadgenCpuS: number;
}

function emptyTotals(): Totals {
  return {
    seconds: 0,
    ...zeroRunCounts(),
    sliceRates: [],
    targetCpuS: 0,
    targetWallS: 0,
    loadgenCpuS: 0,
  };
}

function add(totals: Totals, r: RunResult): void {
  totals.seconds += r.seconds;
  if (r.seconds > 0) totals.sliceRates.push(Math.round((r.chatsForwarded + r.acksForwarded) / r.seconds));
  for (const k of RUN_COUNT_KEYS) totals[k] += r[k];
  totals.loadgenCpuS += r.loadgenCpuS;
  if (r.target) {
    const cpu = cpuBetween(r.target.before, r.target.after);
    totals.targetCpuS += cpu.cpuS;
    totals.targetWallS += cpu.wallS;
  }
}

/** One process under test with its load generator (and, for the large case, its crowd). */
interface Rig {
  readonly name: CaseName;
  readonly label: string;
  readonly loadgen: Loadgen;
  readonly target: Target;
  readonly crowd: Crowd | null;
  crowdSetup: Extract<CrowdReply, { type: 'setup-done' }> | null;
  heartbeatIntervalMs: number;
  idle: HeartbeatReport | null;
  contactsListed: number;
  readonly throughput: Totals;
  readonly latencyTotals: Totals;
  latency: LatencySummary | null;
  rssMB: number | null;
  peakRssMB: number | null;
  /** Heartbeat-acks the crowd got during the measured chat slices, and over how long (s). */
  crowdAcksUnderLoad: number;
  crowdSecondsUnderLoad: number;
  crowdErrors: number;
}

function labelOf(name: CaseName, opts: Options): string {
  if (name === 'contacts') return `relay, ${opts.contacts.toLocaleString('en-US')} contacts`;
  if (name === 'loss') return `relay, loss ${opts.loss}`;
  return LABELS[name];
}

const LABELS: Record<CaseName, string> = {
  bare: 'bare forwarder',
  bareAck: 'bare + relay-ack',
  relay: 'relay, 2 contacts',
  contacts: 'relay, 10,000 contacts',
  secret: 'relay, shared secret',
  loss: 'relay, loss 0.3',
};

async function crowdCounters(crowd: Crowd): Promise<CrowdCounters> {
  const rep = await crowd.request({ cmd: 'counters' }, 5000);
  if (rep.type !== 'counters') throw new Error(`crowd: unexpected ${rep.type}`);
  return rep.counters;
}

async function setHeartbeats(rig: Rig, on: boolean): Promise<void> {
  if (rig.crowd) await rig.crowd.request({ cmd: 'heartbeats', on }, 5000);
}

/**
 * Starts a rig: the target (forwarder or relay), its load generator, and
 * for the large case the crowd — registered, then measured with heartbeats
 * only (no chat) — then registers the load generator's sender and receiver.
 * Registers every process it starts for `killAll`, whatever fails.
 */
async function startRig(name: CaseName, opts: Options, secret: SecretFile | null): Promise<Rig> {
  const label = labelOf(name, opts);
  progress(`${label}: starting`);
  const loadgen = Helper.fork<LoadgenRequest, LoadgenReply>('loadgen.js', `${label}: load generator`);
  const ready = await loadgen.ready();
  if (ready.type !== 'ready') throw new Error(`load generator: unexpected ${ready.type}`);
  if (name === 'secret' && !secret) throw new Error('the shared-secret case needs its secret file');
  const relayArgs = [
    ...relayLimitArgs(opts),
    ...(name === 'loss' ? ['--simulate-loss', String(opts.loss)] : []),
    ...(name === 'secret' && secret ? ['--secret-file', secret.path] : []),
  ];
  const forwarder = name === 'bare' || name === 'bareAck';
  const target = forwarder
    ? await spawnForwarder(ready.senderPort, ready.receiverPort, name === 'bareAck', opts.profileDir)
    : await spawnRelay(relayArgs, opts.profileDir);
  const targetInfo = { port: target.port, pid: target.pid };
  const rig: Rig = {
    name,
    label,
    loadgen,
    target,
    crowd: null,
    crowdSetup: null,
    heartbeatIntervalMs: 0,
    idle: null,
    contactsListed: 0,
    throughput: emptyTotals(),
    latencyTotals: emptyTotals(),
    latency: null,
    rssMB: null,
    peakRssMB: null,
    crowdAcksUnderLoad: 0,
    crowdSecondsUnderLoad: 0,
    crowdErrors: 0,
  };
  if (name === 'contacts') {
    const crowd = Helper.fork<CrowdRequest, CrowdReply>('crowd.js', `${label}: crowd`);
    (rig as { crowd: Crowd | null }).crowd = crowd;
    await crowd.ready();
    const plainPeers = opts.contacts - opts.clients;
    // Every client online makes 5000 ms / interval heartbeats per 5 s: together as many as `contacts` clients at 5 s.
    rig.heartbeatIntervalMs = Math.round((5000 * opts.clients) / opts.contacts);
    progress(`${label}: registering ${plainPeers} plain peers, then ${opts.clients} protocol clients`);
    // Each client registering costs the relay a join to every client online: ~clients²/2 datagrams.
    const setupTimeoutMs = 60_000 + (opts.clients * opts.clients) / 200;
    const rep = await crowd.request(
      { cmd: 'setup', target: targetInfo, plainPeers, clients: opts.clients, heartbeatIntervalMs: rig.heartbeatIntervalMs, timeoutMs: setupTimeoutMs },
      setupTimeoutMs + 10_000,
    );
    if (rep.type !== 'setup-done') throw new Error(`crowd: unexpected ${rep.type}`);
    rig.crowdSetup = rep;
    progress(`${label}: registered in ${(rep.setupMs / 1000).toFixed(1)} s; heartbeats only (no chat) for ${opts.idleMs / 1000} s`);
    await sleep(1000);
    const c0 = await crowdCounters(crowd);
    const p0 = trySampleProcess(target.pid);
    await sleep(opts.idleMs);
    const c1 = await crowdCounters(crowd);
    const p1 = trySampleProcess(target.pid);
    const seconds = (c1.at - c0.at) / 1000;
    const cpu = p0 && p1 ? cpuBetween(p0, p1) : null;
    const acks = c1.heartbeatAcks - c0.heartbeatAcks;
    rig.idle = {
      seconds,
      heartbeatsPerSec: (c1.heartbeatsSent - c0.heartbeatsSent) / seconds,
      heartbeatAcksPerSec: acks / seconds,
      relayCpuPercent: cpu ? cpu.percentOfCore : Number.NaN,
      cpuUsPerHeartbeat: cpu && acks > 0 ? (cpu.cpuS / acks) * 1e6 : null,
    };
  }
  const setup = await loadgen.request(
    {
      cmd: 'setup',
      mode: forwarder ? 'bare' : 'relay',
      secret: name === 'secret' && secret ? secret.text : null,
      target: targetInfo,
      bodyBytes: opts.bodyBytes,
      heartbeatIntervalMs: 5000,
      timeoutMs: 10_000,
    },
    15_000,
  );
  if (setup.type !== 'setup-done') throw new Error(`load generator: unexpected ${setup.type}`);
  rig.contactsListed = setup.contactsListed;
  return rig;
}

/** One run of the rig's load generator; `into` gets its counters when given. */
async function runSlice(rig: Rig, opts: Options, run: { window: number; warmupMs: number; durationMs: number; latency: boolean }, into: Totals | null): Promise<void> {
  await setHeartbeats(rig, true);
  const c0 = rig.crowd && into ? await crowdCounters(rig.crowd) : null;
  const rep = await rig.loadgen.request({ cmd: 'run', rtoMs: opts.rtoMs, ...run }, run.warmupMs + run.durationMs + 15_000);
  if (rep.type !== 'run-done') throw new Error(`${rig.label}: load generator: unexpected ${rep.type}`);
  const { child } = rig.target;
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`${rig.label}: the process under test exited during the run (code ${String(child.exitCode)}, signal ${String(child.signalCode)}):\n${rig.target.output()}`);
  }
  if (into) add(into, rep.result);
  if (rig.crowd && c0 && into === rig.throughput) {
    const c1 = await crowdCounters(rig.crowd);
    rig.crowdAcksUnderLoad += c1.heartbeatAcks - c0.heartbeatAcks;
    rig.crowdSecondsUnderLoad += (c1.at - c0.at) / 1000;
    rig.crowdErrors = c1.errors;
  }
}

/**
 * Measures `rigs` in turns: `rounds` rounds, each giving every rig one slice
 * (the order rotates each round), so that the machine's ups and downs fall
 * on every rig alike. The crowd heartbeats only during its own rig's slices.
 */
async function interleave(rigs: readonly Rig[], opts: Options, totalMs: number, sliceMs: number, latency: boolean): Promise<void> {
  const rounds = Math.max(1, Math.round(totalMs / sliceMs));
  const durationMs = totalMs / rounds;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < rigs.length; i++) {
      const rig = rigs[(i + round) % rigs.length] as Rig;
      for (const other of rigs) if (other !== rig) await setHeartbeats(other, false);
      await runSlice(rig, opts, { window: latency ? 1 : opts.window, warmupMs: sliceWarmupMs(opts), durationMs, latency }, latency ? rig.latencyTotals : rig.throughput);
    }
  }
}

async function latencySummary(rig: Rig): Promise<LatencySummary | null> {
  const rep = await rig.loadgen.request({ cmd: 'latency-summary' }, 10_000);
  if (rep.type !== 'latency') throw new Error(`${rig.label}: load generator: unexpected ${rep.type}`);
  return rep.latency;
}

/** Stops the rig's processes (load generator, crowd, then the target, so the relay logs its counters). */
async function stopRig(rig: Rig): Promise<void> {
  const end = trySampleProcess(rig.target.pid);
  if (end) rig.peakRssMB = end.peakRssMB;
  await rig.loadgen.stop();
  if (rig.crowd) await rig.crowd.stop();
  await terminate(rig.target.child, 3000);
}

function profileOf(dir: string | null, pid: number): CaseReport['profile'] {
  if (!dir) return null;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`));
  if (!file) return null;
  const { busyMs, entries, groups } = summarizeProfile(join(dir, file), 20);
  return { file: join(dir, file), busyMs, groups, top: entries };
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Slices of one case whose rates differ more than this (highest / lowest) make the run "unsteady". */
const UNSTEADY_SPREAD = 1.5;

function reportOf(rig: Rig, opts: Options): CaseReport {
  const t = rig.throughput;
  const handled = t.chatsForwarded + t.acksForwarded;
  const crowd: CrowdReport | null =
    rig.crowdSetup && rig.idle
      ? {
          contacts: opts.contacts,
          clients: rig.crowdSetup.clients,
          plainPeers: rig.crowdSetup.plainPeers,
          heartbeatIntervalMs: rig.heartbeatIntervalMs,
          setupS: rig.crowdSetup.setupMs / 1000,
          registrationRetries: rig.crowdSetup.retries,
          contactsListed: rig.contactsListed,
          idle: rig.idle,
          heartbeatAcksPerSecUnderLoad: rig.crowdSecondsUnderLoad > 0 ? rig.crowdAcksUnderLoad / rig.crowdSecondsUnderLoad : 0,
          errors: rig.crowdErrors,
        }
      : null;
  return {
    name: rig.name,
    label: rig.label,
    datagramsPerSec: handled / t.seconds,
    datagramsOutPerSec: (handled + t.relayAcks + t.errors + t.otherDatagrams) / t.seconds,
    messagesPerSec: t.delivered / t.seconds,
    medianSliceDatagramsPerSec: median(t.sliceRates),
    latency: rig.latency,
    cpuPercent: t.targetWallS > 0 ? (t.targetCpuS / t.targetWallS) * 100 : null,
    cpuUsPerDatagram: t.targetWallS > 0 && handled > 0 ? (t.targetCpuS / handled) * 1e6 : null,
    rssMB: rig.rssMB,
    peakRssMB: rig.peakRssMB,
    loadgenCpuPercent: t.seconds > 0 ? (t.loadgenCpuS / t.seconds) * 100 : 0,
    throughputRun: t,
    latencyRun: rig.latencyTotals,
    relayStats: rig.target.finalStats(),
    crowd,
    profile: profileOf(opts.profileDir, rig.target.pid),
  };
}

/** The shared secret of the secret case: a temporary file for the relay, its text for the load generator. */
interface SecretFile {
  readonly dir: string;
  readonly path: string;
  readonly text: string;
}

let secretFile: SecretFile | null = null;

/** Writes a random secret (32 bytes as 64 hex digits) to a new temporary file, readable by its owner only. */
function createSecretFile(): SecretFile {
  const dir = mkdtempSync(join(tmpdir(), 'udpchat-bench-'));
  const path = join(dir, 'secret');
  const text = randomBytes(32).toString('hex');
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  secretFile = { dir, path, text };
  return secretFile;
}

/** Removes the secret file, if any. Never throws (also called on exit). */
function removeSecretFile(): void {
  if (!secretFile) return;
  try {
    rmSync(secretFile.dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
  secretFile = null;
}

/**
 * Runs the cases: bare, relay, relay with the crowd and relay with the
 * shared secret side by side, measured in interleaved slices; then the
 * lossy relay on its own.
 */
async function runAll(opts: Options): Promise<Partial<Record<CaseName, CaseReport>>> {
  const results: Partial<Record<CaseName, CaseReport>> = {};
  const side = (['bare', 'bareAck', 'relay', 'contacts', 'secret'] as const).filter((n) => opts.cases.has(n));
  const rigs: Rig[] = [];
  const secret = opts.cases.has('secret') ? createSecretFile() : null;
  try {
    for (const name of side) rigs.push(await startRig(name, opts, secret));
    if (rigs.length > 0) {
      progress(`warm-up, ${opts.warmupMs / 1000} s each`);
      for (const rig of rigs) {
        for (const other of rigs) if (other !== rig) await setHeartbeats(other, false);
        if (opts.warmupMs > 0) await runSlice(rig, opts, { window: opts.window, warmupMs: 0, durationMs: opts.warmupMs, latency: false }, null);
      }
      progress(`throughput, ${opts.window} in flight: ${opts.durationMs / 1000} s each, in slices of at most ${THROUGHPUT_SLICE_MS / 1000} s taken in turns`);
      await interleave(rigs, opts, opts.durationMs, THROUGHPUT_SLICE_MS, false);
      for (const rig of rigs) rig.rssMB = trySampleProcess(rig.target.pid)?.rssMB ?? null;
      progress(`latency, 1 in flight: ${opts.latencyMs / 1000} s each, in slices of at most ${LATENCY_SLICE_MS / 1000} s taken in turns`);
      await interleave(rigs, opts, opts.latencyMs, LATENCY_SLICE_MS, true);
      for (const rig of rigs) rig.latency = await latencySummary(rig);
    }
  } finally {
    // Stopped in any case; the relays log their counters on the way out.
    for (const rig of rigs) await stopRig(rig);
    removeSecretFile();
  }
  for (const rig of rigs) results[rig.name] = reportOf(rig, opts);
  if (opts.cases.has('loss')) {
    const rig = await startRig('loss', opts, null);
    try {
      progress(`${rig.label}: throughput, ${opts.window} in flight, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s`);
      await runSlice(rig, opts, { window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs, latency: false }, rig.throughput);
      rig.rssMB = trySampleProcess(rig.target.pid)?.rssMB ?? null;
      progress(`${rig.label}: latency, 1 in flight, ${opts.latencyMs / 1000} s`);
      await runSlice(rig, opts, { window: 1, warmupMs: sliceWarmupMs(opts), durationMs: opts.latencyMs, latency: true }, rig.latencyTotals);
      rig.latency = await latencySummary(rig);
    } finally {
      await stopRig(rig);
    }
    results.loss = reportOf(rig, opts);
  }
  return results;
}

// --- report ---------------------------------------------------------------------------------

const int = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
const dec = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : a / b;

function checkTargets(results: Partial<Record<CaseName, CaseReport>>): { ratios: Record<string, number | null>; checks: TargetCheck[] } {
  const { bare, bareAck, relay, contacts, secret, loss } = results;
  const throughput = ratio(relay?.datagramsPerSec, bare?.datagramsPerSec);
  const p99 = ratio(relay?.latency?.p99Us, bare?.latency?.p99Us);
  const contactsRatio = ratio(contacts?.datagramsPerSec, relay?.datagramsPerSec);
  const relayCases = [relay, contacts, secret, loss].filter((c): c is CaseReport => c !== undefined);
  const peaks = relayCases.map((c) => c.peakRssMB).filter((v): v is number => v !== null && Number.isFinite(v));
  const peak = peaks.length > 0 ? Math.max(...peaks) : null;
  const hb = contacts?.crowd?.idle.relayCpuPercent ?? null;
  const ratios = {
    throughputRelayOverBare: throughput,
    /** The same from the median slice of each: a check on the mean when the machine stalled. */
    throughputRelayOverBareMedianSlice: ratio(relay?.medianSliceDatagramsPerSec, bare?.medianSliceDatagramsPerSec),
    messagesRelayOverBare: ratio(relay?.messagesPerSec, bare?.messagesPerSec),
    p50RelayOverBare: ratio(relay?.latency?.p50Us, bare?.latency?.p50Us),
    p99RelayOverBare: p99,
    p999RelayOverBare: ratio(relay?.latency?.p999Us, bare?.latency?.p999Us),
    /** The ceiling node:dgram sets for the relay's traffic (a relay-ack per chat), against the bare forwarder. */
    throughputBareAckOverBare: ratio(bareAck?.datagramsPerSec, bare?.datagramsPerSec),
    /** The relay against that ceiling: what its work (decode, checks, routing, encode) costs. */
    throughputRelayOverBareAck: ratio(relay?.datagramsPerSec, bareAck?.datagramsPerSec),
    p99BareAckOverBare: ratio(bareAck?.latency?.p99Us, bare?.latency?.p99Us),
    p99RelayOverBareAck: ratio(relay?.latency?.p99Us, bareAck?.latency?.p99Us),
    contactsOverTwoContacts: contactsRatio,
    contactsOverTwoContactsMedianSlice: ratio(contacts?.medianSliceDatagramsPerSec, relay?.medianSliceDatagramsPerSec),
    lossOverNoLoss: ratio(loss?.messagesPerSec, relay?.messagesPerSec),
    /** Shared secret on (HMAC-SHA256 checked and written per datagram) against the 2-contact relay, and against bare. */
    secretOverTwoContacts: ratio(secret?.datagramsPerSec, relay?.datagramsPerSec),
    secretOverTwoContactsMedianSlice: ratio(secret?.medianSliceDatagramsPerSec, relay?.medianSliceDatagramsPerSec),
    p99SecretOverTwoContacts: ratio(secret?.latency?.p99Us, relay?.latency?.p99Us),
    secretOverBare: ratio(secret?.datagramsPerSec, bare?.datagramsPerSec),
    p99SecretOverBare: ratio(secret?.latency?.p99Us, bare?.latency?.p99Us),
  };
  const check = (name: string, value: number | null, limit: string, ok: (v: number) => boolean, show: (v: number) => string): TargetCheck => ({
    name,
    value,
    limit,
    met: value === null ? null : ok(value),
    text: value === null ? 'not measured' : show(value),
  });
  const checks = [
    check('throughput relay / bare', throughput, `≥ ${LIMITS.throughputRatio}`, (v) => v >= LIMITS.throughputRatio, (v) => dec(v, 2)),
    check('p99 latency relay / bare', p99, `≤ ${LIMITS.p99Ratio}`, (v) => v <= LIMITS.p99Ratio, (v) => dec(v, 2)),
    check(`throughput ${int(contacts?.crowd?.contacts ?? 10_000)} contacts / 2`, contactsRatio, `≥ ${LIMITS.contactsRatio}`, (v) => v >= LIMITS.contactsRatio, (v) => dec(v, 2)),
    check('relay peak RSS', peak, `< ${LIMITS.rssMB} MB`, (v) => v < LIMITS.rssMB, (v) => `${dec(v)} MB`),
    check('heartbeats only, relay CPU', hb, `< ${LIMITS.heartbeatCpuPercent} % of a core`, (v) => v < LIMITS.heartbeatCpuPercent, (v) => `${dec(v, 2)} %`),
  ];
  return { ratios, checks };
}

function pad(text: string, width: number, right = true): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function table(results: Partial<Record<CaseName, CaseReport>>, opts: Options, checks: TargetCheck[]): string {
  const lines: string[] = [];
  const cols: Array<[string, number]> = [
    ['case', 24],
    ['dgrams/s', 10],
    ['out/s', 10],
    ['msgs/s', 9],
    ['p50 µs', 8],
    ['p99 µs', 8],
    ['p99.9 µs', 9],
    ['CPU %', 7],
    ['µs/dgram', 9],
    ['RSS MB', 7],
    ['peak MB', 8],
    ['gen CPU %', 10],
  ];
  lines.push(cols.map(([h, w], i) => pad(h, w, i > 0)).join(' '));
  for (const name of CASES) {
    const c = results[name];
    if (!c) continue;
    const cells = [
      c.label,
      int(c.datagramsPerSec),
      int(c.datagramsOutPerSec),
      int(c.messagesPerSec),
      dec(c.latency?.p50Us),
      dec(c.latency?.p99Us),
      dec(c.latency?.p999Us),
      dec(c.cpuPercent, 0),
      dec(c.cpuUsPerDatagram, 2),
      dec(c.rssMB),
      dec(c.peakRssMB),
      dec(c.loadgenCpuPercent, 0),
    ];
    lines.push(cells.map((cell, i) => pad(cell, cols[i]?.[1] ?? 8, i > 0)).join(' '));
  }
  lines.push('');
  lines.push('dgrams/s: datagrams the target received and fully handled per second (chats + acks); out/s: datagrams');
  lines.push('  it sent (a relay-ack only for a chat whose ack did not pass back within 80 ms, PROTOCOL.md §4.11);');
  lines.push('  msgs/s: delivered end to end (the sender got the ack);');
  lines.push('  latency: one message in flight, chat sent -> ack covering it back; CPU %, µs/dgram: the target process');
  lines.push('  (/proc, all threads) during the measured slices; gen CPU %: the load generator. 2 cores for both.');
  lines.push('  bare + relay-ack: the bare forwarder also sending a fixed relay-ack per chat, i.e. the relay\'s');
  lines.push('  datagrams before relay-acks were held: the ceiling node:dgram set for the relay\'s traffic then.');
  lines.push('  Relays: --rate-limit 0 --max-per-ip 0 (off for the measurement); every client datagram carries its');
  lines.push('  session token; shared secret: every datagram both ways signed (HMAC-SHA256, fresh nonce).');
  const ceiling = ratio(results.bareAck?.datagramsPerSec, results.bare?.datagramsPerSec);
  const relayOverCeiling = ratio(results.relay?.datagramsPerSec, results.bareAck?.datagramsPerSec);
  if (ceiling !== null) {
    lines.push('');
    lines.push(
      `throughput: bare + relay-ack / bare ${dec(ceiling, 2)} (a relay-ack per chat, as before); relay / bare + relay-ack ${dec(relayOverCeiling, 2)}` +
        `; p99: bare + relay-ack / bare ${dec(ratio(results.bareAck?.latency?.p99Us, results.bare?.latency?.p99Us), 2)}`,
    );
  }
  const secret = results.secret;
  if (secret) {
    const relay = results.relay;
    const extraUs = secret.cpuUsPerDatagram !== null && relay?.cpuUsPerDatagram != null ? secret.cpuUsPerDatagram - relay.cpuUsPerDatagram : null;
    const auth = { checked: secret.throughputRun.authChecked + secret.latencyRun.authChecked, failed: secret.throughputRun.authFailed + secret.latencyRun.authFailed };
    lines.push('');
    lines.push(
      `shared secret: ${dec(ratio(secret.datagramsPerSec, relay?.datagramsPerSec), 2)} of the 2-contact relay's dgrams/s, ${dec(ratio(secret.datagramsPerSec, results.bare?.datagramsPerSec), 2)} of bare; ` +
        `p99 ${dec(ratio(secret.latency?.p99Us, relay?.latency?.p99Us), 2)} × the 2-contact relay's; ${extraUs === null ? '–' : `${extraUs >= 0 ? '+' : ''}${dec(extraUs, 2)}`} µs of relay CPU per datagram`,
    );
    lines.push(`  relay datagrams verified in full by the load generator (a sample, 1 in 16): ${int(auth.checked)}, failed or unsigned: ${int(auth.failed)}`);
  }
  const spread = CASES.filter((n) => n !== 'loss' && (results[n]?.throughputRun.sliceRates.length ?? 0) > 1).map((n) => {
    const rates = results[n]?.throughputRun.sliceRates ?? [];
    return `${results[n]?.label ?? n} ${int(Math.min(...rates) / 1000)}k–${int(Math.max(...rates) / 1000)}k`;
  });
  if (spread.length > 0) {
    lines.push('');
    lines.push(`dgrams/s per measured slice, lowest–highest: ${spread.join('; ')}`);
    const medians = ratio(results.relay?.medianSliceDatagramsPerSec, results.bare?.medianSliceDatagramsPerSec);
    if (medians !== null) lines.push(`  relay / bare from the median slice of each: ${dec(medians, 2)}`);
  }
  const crowd = results.contacts?.crowd;
  if (crowd) {
    lines.push('');
    lines.push(
      `${int(crowd.contacts)} contacts: ${int(crowd.plainPeers)} plain peers + ${int(crowd.clients)} protocol clients heartbeating every ${int(crowd.heartbeatIntervalMs)} ms ` +
        `(registered in ${dec(crowd.setupS)} s; the sender was listed ${int(crowd.contactsListed)} contacts)`,
    );
    lines.push(
      `  heartbeats only (no chat), ${dec(crowd.idle.seconds)} s: ${int(crowd.idle.heartbeatsPerSec)} heartbeats/s, ${int(crowd.idle.heartbeatAcksPerSec)} acks/s, ` +
        `relay CPU ${dec(crowd.idle.relayCpuPercent, 2)} % of a core (${dec(crowd.idle.cpuUsPerHeartbeat)} µs per heartbeat)`,
    );
    lines.push(`  under chat load: ${int(crowd.heartbeatAcksPerSecUnderLoad)} heartbeat-acks/s; errors to the crowd: ${crowd.errors}`);
  }
  const loss = results.loss;
  if (loss) {
    const t = loss.throughputRun;
    lines.push('');
    lines.push(
      `loss ${opts.loss}: ${int(t.retransmissions)} retransmissions (fixed ${opts.rtoMs} ms timeout), ${int(t.duplicates)} duplicates at the receiver, ` +
        `in ${dec(t.seconds)} s; ${int(loss.messagesPerSec)} msgs/s delivered (bound by ${opts.window} in flight and the timeout)`,
    );
    lines.push(
      `  its latency: ${int(loss.latency?.samples ?? 0)} round trips in ${dec(loss.latencyRun.seconds)} s, one in flight: every loss costs a ${opts.rtoMs} ms timeout,` +
        ' so the percentiles are mostly that timeout (and few samples)',
    );
  }
  const problems: string[] = [];
  for (const name of CASES) {
    const c = results[name];
    if (!c) continue;
    const t = c.throughputRun;
    if (t.errors + c.latencyRun.errors > 0) problems.push(`${c.label}: ${t.errors + c.latencyRun.errors} error datagrams`);
    if (t.corrupt + c.latencyRun.corrupt > 0) problems.push(`${c.label}: ${t.corrupt + c.latencyRun.corrupt} corrupt datagrams`);
    if (t.authFailed + c.latencyRun.authFailed > 0) problems.push(`${c.label}: ${t.authFailed + c.latencyRun.authFailed} datagrams from the relay unsigned or failing verification`);
    const stats = c.relayStats;
    for (const k of ['unauthenticated', 'rateLimited', 'malformed', 'empty'] as const) {
      const v = stats?.[k];
      if (typeof v === 'number' && v > 0) problems.push(`${c.label}: the relay counted ${v} datagrams ${k} (${JSON.stringify(stats?.dropped ?? {})})`);
    }
    if (name !== 'loss' && t.retransmissions > 0) {
      const late = Math.min(t.duplicates, t.retransmissions);
      problems.push(
        `${c.label}: ${t.retransmissions} retransmissions (${late} of them of chats that had arrived: acks later than ${opts.rtoMs} ms, i.e. stalls` +
          `${t.retransmissions > late ? `; ${t.retransmissions - late} lost` : ''})`,
      );
    }
    const sendErrors = c.relayStats?.sendErrors;
    if (typeof sendErrors === 'number' && sendErrors > 0) problems.push(`${c.label}: relay send errors ${sendErrors}`);
  }
  for (const name of CASES) {
    const rates = name === 'loss' ? [] : (results[name]?.throughputRun.sliceRates ?? []);
    if (rates.length > 1 && Math.max(...rates) > UNSTEADY_SPREAD * Math.min(...rates)) {
      problems.push(`unsteady machine: ${results[name]?.label} ran at ${int(Math.min(...rates))} to ${int(Math.max(...rates))} dgrams/s in its slices (ratios less reliable; run again when the machine is quiet)`);
    }
  }
  if (crowd && crowd.contactsListed < crowd.contacts + 1) {
    problems.push(`the sender was listed ${crowd.contactsListed} contacts, not ${crowd.contacts + 1} (contact pages lost or late)`);
  }
  if (crowd && crowd.registrationRetries > 0) problems.push(`the crowd sent ${crowd.registrationRetries} registrations again`);
  if (crowd && crowd.errors > 0) problems.push(`the crowd got ${crowd.errors} error datagrams (NOT_REGISTERED: contacts expired)`);
  if (problems.length > 0) {
    lines.push('');
    lines.push(`check: ${problems.join('; ')}`);
  }
  lines.push('');
  lines.push('targets');
  for (const c of checks) {
    const verdict = c.met === null ? 'not measured' : c.met ? 'met' : 'NOT met';
    lines.push(`  ${pad(c.name, 32, false)} ${pad(c.text, 10)}  ${pad(c.limit, 20, false)} ${verdict}`);
  }
  for (const name of CASES) {
    const p = results[name]?.profile;
    if (!p) continue;
    lines.push('');
    lines.push(`profile of ${results[name]?.label} (${p.file}), self time of ${int(p.busyMs)} ms busy (whole life of the process):`);
    for (const g of p.groups) lines.push(`  ${pad(dec(g.percent), 5)} %  ${g.group}`);
    lines.push('  heaviest functions:');
    for (const e of p.top) lines.push(`  ${pad(dec(e.percent), 5)} %  ${e.name}  ${e.where}`);
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: Options | 'help';
  try {
    opts = parseOptions(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux') {
    process.stderr.write('bench: needs Linux (it reads the processes measured from /proc)\n');
    return 1;
  }
  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const started = performance.now();
  const results = await runAll(opts);
  const { ratios, checks } = checkTargets(results);
  const cpu = cpus();
  const header =
    `udpchat relay benchmark, ${new Date().toISOString()}, Node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model ?? '?'})\n` +
    `load: 1 sender -> 1 receiver through the target, ${opts.bodyBytes}-byte texts, ${opts.window} messages in flight (closed loop), ` +
    `${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s per case; latency: 1 in flight, ${opts.latencyMs / 1000} s per case;\n` +
    `the cases above the loss case run side by side, measured in turns (slices of <= ${THROUGHPUT_SLICE_MS / 1000} s / ${LATENCY_SLICE_MS / 1000} s);\n` +
    `relays: ${relayLimitArgs(opts).join(' ')}\n`;
  process.stdout.write(`${header}\n${table(results, opts, checks)}\n`);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\nran in ${dec(seconds)} s\n`);
  if (opts.json) {
    const report = {
      benchmark: 'udpchat-relay',
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? null,
      seconds,
      options: {
        warmupS: opts.warmupMs / 1000,
        durationS: opts.durationMs / 1000,
        latencyS: opts.latencyMs / 1000,
        idleS: opts.idleMs / 1000,
        window: opts.window,
        bodyBytes: opts.bodyBytes,
        contacts: opts.contacts,
        clients: opts.clients,
        loss: opts.loss,
        rtoMs: opts.rtoMs,
        cases: [...opts.cases],
        relayArgs: relayLimitArgs(opts),
      },
      cases: results,
      ratios,
      targets: checks,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
  return 0;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
    interrupted = true;
    progress(`${signal}: stopping the processes started`);
    void killAll(500).finally(() => {
      removeSecretFile();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  });
}
process.on('exit', () => {
  killAllNow();
  removeSecretFile();
});

main(process.argv.slice(2)).then(
  async (code) => {
    await killAll();
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await killAll();
    process.exitCode = 1;
  },
);

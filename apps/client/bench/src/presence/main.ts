/**
 * `pnpm bench presence [--clients N] [--workers W] [--rate R] [--steady S]
 * [--churn S] [--cases open,secret] [--full F]`: what presence costs the
 * relay with a real crowd (issue 12; plain `pnpm bench` runs it at 10,000).
 * The relay runs in its own process (the `udpchat-relay` program,
 * `--rate-limit 0 --max-per-ip 0 --ephemeral`); the crowd is N clients
 * running the real ClientCore, spread over W forked processes (crowd.ts),
 * each client on its own UDP socket. F of them (default 100) keep their
 * whole contact list; the others run the same core with a store that keeps
 * only the roster version (versionOnlyRoster.ts; the output says so). Per case:
 *
 * 1. setup: the clients start at up to R per second, at most IN_FLIGHT per
 *    process registering at once, and register as the shipped client does
 *    (hello, welcome, list → the whole list, then numbered pushes);
 * 2. settle: until every client is registered and every full core has the
 *    whole roster, then one heartbeat interval more (pushes and repairs done);
 * 3. steady: S seconds of heartbeats and repair only, no chat: the relay's
 *    CPU (from /proc/PID/stat), datagrams/s both ways (counted by the crowd:
 *    everything the relay receives or sends), its RSS; then every full
 *    core's list is compared with the clients online;
 * 4. churn (when --churn > 0): S seconds in which 1 % of the clients per
 *    minute leave (bye) and as many new ones join; one heartbeat interval
 *    later the full cores' lists are compared again.
 *
 * Prints one line per measurement against the targets (relay under 5 % of a
 * core and under 3,000 datagrams/s at 10,000 clients), and a JSON line.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { CheckResult, CrowdCounts, CrowdRequest } from './crowd.js';

const RELAY_BIN = fileURLToPath(new URL('../../../../server/bin/udpchat-relay.js', import.meta.url));
const CROWD = fileURLToPath(new URL('./crowd.js', import.meta.url));
const TARGET_CPU_PCT = 5;
const TARGET_DGRAMS = 3000;
const HEARTBEAT_S = 10;
/** Longest setup, in s, before the case goes on with what registered. */
const SETUP_LIMIT_S = 1200;
/** Clients registering at once per process (hello sent, list not answered): the crowd joins as fast as the relay answers, not faster. */
const IN_FLIGHT = 25;

interface Measure {
  label: string;
  seconds: number;
  cpuPct: number;
  datagramsPerSec: number;
  inPerSec: number;
  outPerSec: number;
  rssMB: number;
  lists: number;
  kinds: Record<string, number>;
  /** Setup (all registered, full cores' lists complete), s: on the case's first measure. */
  setupS?: number;
  /** The full cores' lists against the clients online, one heartbeat interval after the measure. */
  check?: CheckResult;
}

interface Reply {
  type: string;
  counts?: CrowdCounts;
  check?: CheckResult;
  left?: string[];
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '4' },
    rate: { type: 'string', default: '250' },
    steady: { type: 'string', default: '30' },
    churn: { type: 'string', default: '60' },
    cases: { type: 'string', default: 'open,secret' },
    full: { type: 'string', default: '100' },
  },
});
const N = Number(values.clients);
const W = Number(values.workers);
const RATE = Number(values.rate);
const STEADY_S = Number(values.steady);
const CHURN_S = Number(values.churn);
const CASES = String(values.cases).split(',');
const FULL = Math.min(Number(values.full), N);
const USAGE = 'usage: pnpm bench presence [--clients N] [--workers W] [--rate R] [--steady S] [--churn S] [--cases open,secret] [--full F]';
for (const [flag, v] of [['--clients', N], ['--workers', W], ['--rate', RATE], ['--steady', STEADY_S], ['--churn', CHURN_S], ['--full', FULL]] as const) {
  const least = flag === '--churn' || flag === '--full' ? 0 : 1;
  if (!Number.isInteger(v) || v < least) {
    process.stderr.write(`bench presence: ${flag} must be a whole number ≥ ${least}\n${USAGE}\n`);
    process.exit(2);
  }
}
for (const c of CASES) {
  if (c !== 'open' && c !== 'secret') {
    process.stderr.write(`bench presence: unknown case ${JSON.stringify(c)} (open, secret)\n${USAGE}\n`);
    process.exit(2);
  }
}

const children: ChildProcess[] = [];
const killAll = (): void => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(130));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ticks = Number(process.env.CLK_TCK ?? 100);

function procCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}
function procRssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? (Number(m[1]) * 1024) / 1e6 : NaN;
}

async function startRelay(secretFile: string | null): Promise<{ child: ChildProcess; port: number }> {
  const args = ['--port', '0', '--rate-limit', '0', '--max-per-ip', '0', '--max-contacts', String(N + 1000), '--log-level', 'warn', '--ephemeral'];
  if (secretFile) args.push('--secret-file', secretFile);
  const child = spawn(process.execPath, [RELAY_BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  // At --log-level warn it does not log where it listens: the port is read from /proc (its socket's inode).
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    const port = udpPortOf(child.pid ?? 0);
    if (port) return { child, port };
  }
  throw new Error('the relay did not bind a port');
}

/** The UDP port process `pid` has bound (from /proc/net/udp and its fds). */
function udpPortOf(pid: number): number | null {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirFds(pid)) {
      const m = /socket:\[(\d+)\]/.exec(fd);
      if (m) inodes.add(m[1] as string);
    }
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9] as string)) return parseInt((cols[1] as string).split(':')[1] as string, 16);
    }
  } catch {
    return null;
  }
  return null;
}
function readdirFds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

interface Worker {
  child: ChildProcess;
  request(req: CrowdRequest, expect: string): Promise<Reply>;
}

function forkWorker(): Promise<Worker> {
  const child = fork(CROWD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=8192'] });
  children.push(child);
  const waiting: Array<{ expect: string; resolve: (m: Reply) => void }> = [];
  child.on('message', (m: Reply) => {
    const i = waiting.findIndex((w) => w.expect === m.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
  });
  const worker: Worker = {
    child,
    request: (req, expect) =>
      new Promise((resolve) => {
        waiting.push({ expect, resolve });
        child.send(req);
      }),
  };
  return new Promise((resolve) => {
    waiting.push({ expect: 'ready', resolve: () => resolve(worker) });
  });
}

async function totals(workers: Worker[]): Promise<CrowdCounts> {
  const all = await Promise.all(workers.map((w) => w.request({ cmd: 'counters' }, 'counters')));
  const sum: CrowdCounts = { clients: 0, registered: 0, sampleComplete: 0, sampleSize: 0, datagramsOut: 0, datagramsIn: 0, bytesIn: 0, bytesOut: 0, lists: 0, authFailed: 0, decodeFailed: 0, kinds: {}, sent: {} };
  for (const { counts } of all) {
    if (!counts) continue;
    for (const k of ['clients', 'registered', 'sampleComplete', 'sampleSize', 'datagramsOut', 'datagramsIn', 'bytesIn', 'bytesOut', 'lists', 'authFailed', 'decodeFailed'] as const) sum[k] += counts[k];
    for (const [k, v] of Object.entries(counts.kinds)) sum.kinds[k] = (sum.kinds[k] ?? 0) + v;
    for (const [k, v] of Object.entries(counts.sent)) sum.sent[k] = (sum.sent[k] ?? 0) + v;
  }
  return sum;
}

async function measure(label: string, pid: number, workers: Worker[], seconds: number, during?: (second: number) => Promise<void>): Promise<Measure> {
  const c0 = await totals(workers);
  const cpu0 = procCpuS(pid);
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) {
    await (during ? Promise.all([during(s), sleep(1000)]) : sleep(1000));
  }
  const cpu1 = procCpuS(pid);
  const t1 = performance.now();
  const c1 = await totals(workers);
  const secs = (t1 - t0) / 1000;
  const kinds: Record<string, number> = {};
  for (const [k, v] of Object.entries(c1.kinds)) kinds[k] = v - (c0.kinds[k] ?? 0);
  const inPerSec = (c1.datagramsOut - c0.datagramsOut) / secs; // what the relay received
  const outPerSec = (c1.datagramsIn - c0.datagramsIn) / secs; // what it sent
  return { label, seconds: secs, cpuPct: ((cpu1 - cpu0) / secs) * 100, datagramsPerSec: inPerSec + outPerSec, inPerSec, outPerSec, rssMB: procRssMB(pid), lists: c1.lists - c0.lists, kinds };
}

/** `kind n, …` of the kinds counted (none: `nothing`). */
function kindsText(kinds: Record<string, number>): string {
  const parts = Object.entries(kinds).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

function print(m: Measure): void {
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const kinds = Object.entries(m.kinds).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / m.seconds).toFixed(0)}/s`).join(', ');
  const check = m.check ? `\n    full cores' lists a heartbeat interval later: ${m.check.exact}/${m.check.checked} exactly the clients online${m.check.firstWrong ? ` (first wrong: ${JSON.stringify(m.check.firstWrong)})` : ''}` : '';
  process.stdout.write(
    `${m.label.padEnd(34)} relay CPU ${m.cpuPct.toFixed(2).padStart(6)} % of a core (< ${TARGET_CPU_PCT}: ${verdict(m.cpuPct < TARGET_CPU_PCT)}), ` +
      `${m.datagramsPerSec.toFixed(0).padStart(6)} dgrams/s (in ${m.inPerSec.toFixed(0)}, out ${m.outPerSec.toFixed(0)}; < ${TARGET_DGRAMS}: ${verdict(m.datagramsPerSec < TARGET_DGRAMS)}), ` +
      `RSS ${m.rssMB.toFixed(1)} MB, lists ${m.lists} in ${m.seconds.toFixed(1)} s, load ${loadavg()[0]!.toFixed(2)}\n    to the crowd: ${kinds}${check}\n`,
  );
}

/** Asks every worker to compare its full cores' lists with `online`. */
async function checkLists(workers: Worker[], online: Set<string>): Promise<CheckResult> {
  const names = [...online];
  const all = await Promise.all(workers.map((w) => w.request({ cmd: 'check', online: names }, 'checked')));
  const sum: CheckResult = { checked: 0, exact: 0, firstWrong: null };
  for (const { check } of all) {
    if (!check) continue;
    sum.checked += check.checked;
    sum.exact += check.exact;
    sum.firstWrong ??= check.firstWrong;
  }
  return sum;
}

async function runCase(name: string): Promise<Measure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'presence-bench-'));
  const secret = name === 'secret' ? 'presence bench secret' : null;
  let secretFile: string | null = null;
  if (secret) {
    secretFile = join(dir, 'secret');
    writeFileSync(secretFile, secret);
  }
  const relay = await startRelay(secretFile);
  const pid = relay.child.pid as number;
  const workers = await Promise.all(Array.from({ length: W }, () => forkWorker()));
  const started = performance.now();
  const per = Math.ceil(N / W);
  const fullPer = Math.ceil(FULL / W);
  const online = new Set<string>();
  const starting = Promise.all(
    workers.map((w, i) => {
      const names = Array.from({ length: Math.max(0, Math.min(per, N - i * per)) }, (_, j) => `p${i * per + j}`);
      for (const n of names) online.add(n);
      const full = Math.max(0, Math.min(fullPer, FULL - i * fullPer));
      return w.request({ cmd: 'start', relayPort: relay.port, names, total: N, ratePerSec: RATE / W, secret, firstAddress: 2 + i * Math.ceil(per / 1000), full, inFlight: IN_FLIGHT }, 'started');
    }),
  );
  let c = await totals(workers);
  let lastNote = performance.now();
  for (let i = 0; i < SETUP_LIMIT_S && (c.registered < N || c.sampleComplete < c.sampleSize); i++) {
    await sleep(1000);
    c = await totals(workers);
    if (performance.now() - lastNote >= 15_000) {
      lastNote = performance.now();
      process.stdout.write(`  ${name} setup: ${c.registered}/${N} registered, ${c.sampleComplete}/${c.sampleSize} full lists complete, ${((lastNote - started) / 1000).toFixed(0)} s, load ${loadavg()[0]!.toFixed(2)}\n` +
          `    so far, to the crowd: ${kindsText(c.kinds)}; from it: ${kindsText(c.sent)}\n`);
    }
  }
  await starting;
  const setupS = (performance.now() - started) / 1000;
  process.stdout.write(`${name}: ${c.registered} of ${N} clients registered, ${c.sampleComplete}/${c.sampleSize} full cores' lists complete, setup ${setupS.toFixed(1)} s (auth failures ${c.authFailed}, decode failures ${c.decodeFailed}); relay RSS ${procRssMB(pid).toFixed(1)} MB\n`);
  await sleep(HEARTBEAT_S * 1000 + 2000); // one heartbeat interval more: the last pushes and repairs are done
  const out: Measure[] = [];
  const steady = await measure(`${name}, ${N} clients, steady`, pid, workers, STEADY_S);
  steady.setupS = setupS;
  steady.check = await checkLists(workers, online);
  print(steady);
  out.push(steady);
  if (CHURN_S > 0) {
    const perSecond = (N * 0.01) / 60;
    let owed = 0;
    let next = N;
    const churn = await measure(`${name}, ${N} clients, churn 1 %/min`, pid, workers, CHURN_S, async () => {
      owed += perSecond;
      const k = Math.floor(owed);
      owed -= k;
      if (k === 0) return;
      const w = workers[next % W] as Worker;
      const join = Array.from({ length: k }, () => `p${next++}`);
      const { left } = await w.request({ cmd: 'churn', leave: k, join }, 'churned');
      for (const n of left ?? []) online.delete(n);
      for (const n of join) online.add(n);
    });
    await sleep(HEARTBEAT_S * 1000 + 3000); // the last changes pushed (paced) and repaired
    churn.check = await checkLists(workers, online);
    print(churn);
    out.push(churn);
  }
  await Promise.all(workers.map((w) => w.request({ cmd: 'stop' }, 'stopped')));
  relay.child.kill('SIGTERM');
  await sleep(500);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

const results: Measure[] = [];
const load0 = loadavg();
process.stdout.write(
  `presence bench, ${new Date().toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 1e9)} GB, Node ${process.version}, load ${load0.map((l) => l.toFixed(2)).join(' ')}\n` +
    `  ${N} clients (the real ClientCore, one UDP socket each) in ${W} processes, started at ${RATE}/s; steady ${STEADY_S} s, churn ${CHURN_S} s; heartbeat every ${HEARTBEAT_S} s\n` +
    `  ${FULL} of them keep their whole contact list (checked); the other ${N - FULL} run the same core with a store that keeps only the roster\n` +
    `  version (versionOnlyRoster.ts: same datagrams, same repair; the names are not kept)\n`,
);
for (const name of CASES) results.push(...(await runCase(name)));
process.stdout.write(`${JSON.stringify({ presence: { clients: N, full: FULL, workers: W, results } })}\n`);
killAll();
process.exit(0);

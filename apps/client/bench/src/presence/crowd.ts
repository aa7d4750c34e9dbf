/**
 * One process of the presence crowd (forked by main.ts, IPC channel): many
 * clients, each the project's real protocol core (ClientCore, sans I/O) on
 * its own UDP socket (its own address for the relay), driven the way the
 * shipped session drives it: every datagram decoded (and its auth trailer
 * checked in shared-secret mode) and handed to `handle`, `poll` run when
 * `nextDeadline` comes, every transmit encoded with its token (and signed).
 * So registration, heartbeats and list repair are exactly the shipped
 * client's.
 *
 * Liberties, for memory and the crowd's own CPU (none changes what a core
 * sends):
 * - "full" and "version-only" cores: the first `full` clients of the process
 *   keep their contact list (a real `Roster`; their lists are what the bench
 *   checks for completeness); all the others run the same core with a store
 *   that keeps no names (versionOnlyRoster.ts): RosterSync still applies
 *   every page, push and delta to its version, notices gaps and asks for
 *   the changes, so their heartbeats and list repair are the shipped
 *   client's; 10,000 full lists of 10,000 names would be 10⁸ entries.
 * - names decoded for a full core are interned (one string per name per
 *   process, one entry object per name and kind in `contacts` pages);
 * - a version-only core's `contacts` pages are read for their epoch,
 *   version, page and pages only (contactsHeader.ts), the names skipped:
 *   it would drop them anyway; the full cores decode and check them whole;
 * - a datagram the same as the one before (a push: the relay sends the same
 *   bytes to every recipient) is decoded once; its auth trailer is still
 *   checked by every client with its own replay window, as the shipped
 *   transport does (the relay signs a push once for all its recipients).
 */
import { createSocket, type Socket } from 'node:dgram';
import {
  createAuthKey,
  decodeDatagram,
  encode,
  ReplayWindow,
  verifyAuth,
  type AuthKey,
  type ContactEntry,
  type Message,
} from '@udpchat/protocol';
import { ClientCore } from '../../../dist/net/core/clientCore.js';
import { contactsHeader, CONTACTS_CODE } from './contactsHeader.js';
import { VersionOnlyRoster } from './versionOnlyRoster.js';

/** A request from main.ts. */
export type CrowdRequest =
  | { cmd: 'start'; relayPort: number; names: string[]; total: number; ratePerSec: number; secret: string | null; firstAddress: number; full: number; inFlight: number }
  | { cmd: 'counters' }
  | { cmd: 'check'; online: string[] }
  | { cmd: 'churn'; leave: number; join: string[] }
  | { cmd: 'stop' };

/** What the crowd counted. */
export interface CrowdCounts {
  clients: number;
  registered: number;
  /** Full cores (those that keep their list) whose roster has every other client, when asked. */
  sampleComplete: number;
  /** Full cores (the others keep only the roster version). */
  sampleSize: number;
  datagramsOut: number;
  datagramsIn: number;
  bytesIn: number;
  bytesOut: number;
  lists: number;
  authFailed: number;
  decodeFailed: number;
  kinds: Record<string, number>;
  /** Datagrams the crowd sent, by kind. */
  sent: Record<string, number>;
}

interface Client {
  core: ClientCore;
  socket: Socket;
  due: number;
  open: boolean;
  replay: ReplayWindow | null;
  /** Whether the core keeps its contact list (else a VersionOnlyRoster). */
  full: boolean;
  /** Whether a list answer (`contacts` or `roster-delta`) came. */
  listed: boolean;
}

/** What a `check` found: full cores whose list is exactly the clients online (minus themselves). */
export interface CheckResult {
  checked: number;
  exact: number;
  /** For the first wrong list: its client, names missing, names too many. */
  firstWrong: { name: string; missing: string[]; extra: string[] } | null;
}

const clients: Client[] = [];
let relayPort = 0;
let key: AuthKey | undefined;
const strings = new Map<string, string>();
const entries = new Map<string, ContactEntry>();
const counts: CrowdCounts = {
  clients: 0,
  registered: 0,
  sampleComplete: 0,
  sampleSize: 0,
  datagramsOut: 0,
  datagramsIn: 0,
  bytesIn: 0,
  bytesOut: 0,
  lists: 0,
  authFailed: 0,
  decodeFailed: 0,
  kinds: {},
  sent: {},
};
let expectedOthers = 0;
let fullLeft = 0;
/** The last datagram decoded and what it was (pushes repeat the same bytes to every client). */
let lastBytes: Buffer | null = null;
let lastDecoded: ReturnType<typeof decodeDatagram> | null = null;
let nextAddress = 2;
let onAddress = 0;
/** Sockets per loopback address (127.0.0.2, .3, …): 10,000 on one address could use up its ephemeral ports. */
const SOCKETS_PER_ADDRESS = 1000;

const intern = (s: string): string => {
  const had = strings.get(s);
  if (had !== undefined) return had;
  strings.set(s, s);
  return s;
};

/** The message with its names interned (same values). */
function interned(m: Message): Message {
  switch (m.kind) {
    case 'contacts':
      return {
        ...m,
        contacts: m.contacts.map((c) => {
          const k = `${c.type}:${c.name}`;
          let e = entries.get(k);
          if (!e) entries.set(k, (e = { name: intern(c.name), type: c.type }));
          return e;
        }),
      };
    case 'roster-delta':
      return { ...m, changes: m.changes.map((c) => ({ name: intern(c.name), state: c.state })) };
    case 'join':
    case 'leave':
      return { ...m, name: intern(m.name) };
    default:
      return m;
  }
}

function flush(c: Client): void {
  const { transmits } = c.core.take();
  for (const t of transmits) {
    if (t.message.kind === 'list') counts.lists++;
    counts.sent[t.message.kind] = (counts.sent[t.message.kind] ?? 0) + 1;
    const bytes = encode(t.message, { token: t.token, auth: key });
    counts.datagramsOut++;
    counts.bytesOut += bytes.length;
    c.socket.send(bytes, relayPort, '127.0.0.1');
  }
  c.due = c.core.nextDeadline();
}

/** Decodes `bytes`, or gives what the same bytes gave last time (a push to many clients). */
function decodeOnce(bytes: Buffer): ReturnType<typeof decodeDatagram> {
  if (lastBytes !== null && lastDecoded !== null && bytes.equals(lastBytes)) return lastDecoded;
  const d = decodeDatagram(bytes);
  lastBytes = Buffer.from(bytes);
  lastDecoded = d;
  return d;
}

function receive(c: Client, bytes: Buffer): void {
  counts.datagramsIn++;
  counts.bytesIn += bytes.length;
  let message: Message;
  try {
    const d = !c.full && bytes[3] === CONTACTS_CODE ? contactsHeader(bytes) : decodeOnce(bytes);
    if (key && verifyAuth(key, bytes, d.auth, Date.now(), (c.replay ??= new ReplayWindow())) !== 'ok') {
      counts.authFailed++;
      return;
    }
    message = d.message;
  } catch {
    counts.decodeFailed++;
    return;
  }
  const kind = message.kind === 'error' ? `error ${message.code}` : message.kind;
  counts.kinds[kind] = (counts.kinds[kind] ?? 0) + 1;
  if (message.kind === 'contacts' || message.kind === 'roster-delta') c.listed = true;
  c.core.handle(c.full ? interned(message) : message, Date.now());
  flush(c);
}

async function open(name: string): Promise<Client> {
  if (onAddress === SOCKETS_PER_ADDRESS) {
    nextAddress++;
    onAddress = 0;
  }
  onAddress++;
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, `127.0.0.${nextAddress}`, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const full = fullLeft > 0;
  if (full) fullLeft--;
  const core = new ClientCore({ name, secret: key ?? null, ...(full ? {} : { rosterStore: () => new VersionOnlyRoster() }) });
  const c: Client = { core, socket, due: 0, open: true, replay: null, full, listed: false };
  socket.on('message', (bytes) => receive(c, bytes));
  socket.on('error', () => undefined);
  core.start(Date.now());
  flush(c);
  clients.push(c);
  counts.clients++;
  return c;
}

function close(c: Client): void {
  c.open = false;
  for (const t of c.core.close()) {
    const bytes = encode(t.message, { token: t.token, auth: key });
    counts.datagramsOut++;
    c.socket.send(bytes, relayPort, '127.0.0.1', () => c.socket.close());
  }
  counts.clients--;
}

/** How late the last tick ran, ms: this process's event-loop lag. */
let lagMs = 0;
let lastTick = Date.now();
/** No new client while the lag is above this, ms. */
const MAX_LAG_MS = 250;
const TICK_MS = 20;

const ticker = setInterval(() => {
  const now = Date.now();
  lagMs = Math.max(0, now - lastTick - TICK_MS);
  lastTick = now;
  for (const c of clients) {
    if (!c.open || c.due > now) continue;
    c.core.poll(now);
    flush(c);
  }
}, TICK_MS);

async function start(req: Extract<CrowdRequest, { cmd: 'start' }>): Promise<void> {
  relayPort = req.relayPort;
  fullLeft = req.full;
  key = req.secret === null ? undefined : createAuthKey(req.secret);
  nextAddress = req.firstAddress;
  const gapMs = 1000 / req.ratePerSec;
  let next = Date.now();
  for (let i = 0; i < req.names.length; i++) {
    // At most `inFlight` clients registering at once (no welcome yet, or no list answer yet): the crowd joins as fast as the relay takes it.
    // …and none while this process lags (it would answer heartbeats and lists late, and the relay would time clients out).
    while (registering() >= req.inFlight || lagMs > MAX_LAG_MS) await new Promise((r) => setTimeout(r, 10));
    next = Math.max(next + gapMs, Date.now() - 1000);
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await open(req.names[i] as string);
  }
}

/** Clients opened and not done registering (no welcome yet, or no answer to their list yet), among the last 1,000 opened. */
function registering(): number {
  let n = 0;
  for (let i = clients.length - 1; i >= 0 && i >= clients.length - 1000; i--) {
    const c = clients[i] as Client;
    if (c.open && (c.core.registration !== 'registered' || !c.listed)) n++;
  }
  return n;
}

function snapshot(): CrowdCounts {
  const live = clients.filter((c) => c.open);
  counts.registered = live.filter((c) => c.core.registration === 'registered').length;
  const sample = live.filter((c) => c.full);
  counts.sampleSize = sample.length;
  counts.sampleComplete = sample.filter((c) => c.core.contacts().length >= expectedOthers).length;
  return { ...counts, kinds: { ...counts.kinds }, sent: { ...counts.sent } };
}

/** Compares every full core's list with `online` (every client online, all processes): exact when it is that minus itself. */
function check(online: readonly string[]): CheckResult {
  const result: CheckResult = { checked: 0, exact: 0, firstWrong: null };
  for (const c of clients) {
    if (!c.open || !c.full) continue;
    result.checked++;
    const have = new Set(c.core.contacts().map((e) => e.name));
    const missing = online.filter((n) => n !== c.core.name && !have.has(n));
    const want = new Set(online);
    const extra = [...have].filter((n) => !want.has(n) || n === c.core.name);
    if (missing.length === 0 && extra.length === 0) result.exact++;
    else result.firstWrong ??= { name: c.core.name, missing: missing.slice(0, 5), extra: extra.slice(0, 5) };
  }
  return result;
}

process.on('message', (req: CrowdRequest) => {
  void (async () => {
    switch (req.cmd) {
      case 'start':
        expectedOthers = req.total - 1;
        await start(req);
        process.send?.({ type: 'started' });
        return;
      case 'counters':
        process.send?.({ type: 'counters', counts: snapshot() });
        return;
      case 'check':
        process.send?.({ type: 'checked', check: check(req.online) });
        return;
      case 'churn': {
        // The oldest version-only clients leave (the full ones stay, to be checked); the new ones are version-only.
        const live = clients.filter((c) => c.open && !c.full);
        const left: string[] = [];
        for (let i = 0; i < req.leave && i < live.length; i++) {
          left.push((live[i] as Client).core.name);
          close(live[i] as Client);
        }
        for (const name of req.join) await open(name);
        process.send?.({ type: 'churned', left });
        return;
      }
      case 'stop':
        clearInterval(ticker);
        for (const c of clients) if (c.open) close(c);
        setTimeout(() => process.exit(0), 300);
        process.send?.({ type: 'stopped' });
        return;
    }
  })();
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });

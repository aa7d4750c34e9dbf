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
 * One liberty, for memory: names decoded from the relay are interned (one
 * string per name per process, and one entry object per name and kind in
 * `contacts` pages), so that 10,000 rosters of 10,000 names share their
 * strings. Each client checks auth trailers with its own replay window, as
 * the shipped transport does (the relay signs a pushed datagram once for all
 * its recipients: one nonce, many clients).
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

/** A request from main.ts. */
export type CrowdRequest =
  | { cmd: 'start'; relayPort: number; names: string[]; total: number; ratePerSec: number; secret: string | null; firstAddress: number }
  | { cmd: 'counters' }
  | { cmd: 'churn'; leave: number; join: string[] }
  | { cmd: 'stop' };

/** What the crowd counted. */
export interface CrowdCounts {
  clients: number;
  registered: number;
  /** Clients whose roster has every other client (checked on a sample of 20 when asked). */
  sampleComplete: number;
  sampleSize: number;
  datagramsOut: number;
  datagramsIn: number;
  bytesIn: number;
  bytesOut: number;
  lists: number;
  authFailed: number;
  decodeFailed: number;
  kinds: Record<string, number>;
}

interface Client {
  core: ClientCore;
  socket: Socket;
  due: number;
  open: boolean;
  replay: ReplayWindow | null;
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
};
let expectedOthers = 0;
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
    const bytes = encode(t.message, { token: t.token, auth: key });
    counts.datagramsOut++;
    counts.bytesOut += bytes.length;
    c.socket.send(bytes, relayPort, '127.0.0.1');
  }
  c.due = c.core.nextDeadline();
}

function receive(c: Client, bytes: Buffer): void {
  counts.datagramsIn++;
  counts.bytesIn += bytes.length;
  let message: Message;
  try {
    const d = decodeDatagram(bytes);
    if (key && verifyAuth(key, bytes, d.auth, Date.now(), (c.replay ??= new ReplayWindow())) !== 'ok') {
      counts.authFailed++;
      return;
    }
    message = d.message;
  } catch {
    counts.decodeFailed++;
    return;
  }
  counts.kinds[message.kind] = (counts.kinds[message.kind] ?? 0) + 1;
  c.core.handle(interned(message), Date.now());
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
  const core = new ClientCore({ name, secret: key ?? null });
  const c: Client = { core, socket, due: 0, open: true, replay: null };
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

const ticker = setInterval(() => {
  const now = Date.now();
  for (const c of clients) {
    if (!c.open || c.due > now) continue;
    c.core.poll(now);
    flush(c);
  }
}, 20);

async function start(req: Extract<CrowdRequest, { cmd: 'start' }>): Promise<void> {
  relayPort = req.relayPort;
  key = req.secret === null ? undefined : createAuthKey(req.secret);
  nextAddress = req.firstAddress;
  const gapMs = 1000 / req.ratePerSec;
  const started = Date.now();
  for (let i = 0; i < req.names.length; i++) {
    const wait = started + i * gapMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await open(req.names[i] as string);
  }
}

function snapshot(): CrowdCounts {
  const live = clients.filter((c) => c.open);
  counts.registered = live.filter((c) => c.core.registration === 'registered').length;
  const sample = live.slice(0, 20);
  counts.sampleSize = sample.length;
  counts.sampleComplete = sample.filter((c) => c.core.contacts().length >= expectedOthers).length;
  return { ...counts, kinds: { ...counts.kinds } };
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
      case 'churn': {
        const live = clients.filter((c) => c.open);
        for (let i = 0; i < req.leave && i < live.length; i++) close(live[i] as Client);
        for (const name of req.join) await open(name);
        process.send?.({ type: 'churned' });
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

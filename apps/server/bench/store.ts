/**
 * `pnpm bench store [--messages N] [--json]`: the relay's cost per stored
 * message (issue 13). The relay core (createRelayCore, the same rules as
 * udpchat-relay) with its store in a file (WAL, synchronous=FULL: one fsync
 * per stored message, committed before `stored` goes out), fed datagrams
 * in-process (no socket, so the figure is the relay's own work):
 * - store: a chat from alice to the offline, reserved bob → insert + commit + `stored`;
 *   µs per message (mean, p50, p99), bytes written per message (the WAL: a page per commit)
 *   and bytes per message in relay.db once checkpointed;
 * - forward: bob registers with his key (the stored chats go out) and acks them all →
 *   delete + receipts, µs per message.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { decodeDatagram, encode, paddedHello, rawPublicKey, signIdentify, type Message } from '@udpchat/protocol';
import { createRelayCore, openRelayStore } from '../dist/index.js'; // the built relay (the reference in tsconfig builds it first)

const { values } = parseArgs({ args: process.argv.slice(3), options: { messages: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
const messages = Number(values.messages ?? 2000);
if (!Number.isInteger(messages) || messages < 1 || messages > 1_000_000) {
  process.stderr.write('bench store: --messages must be a whole number from 1 to 1000000\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'udpchat-bench-store-'));
const file = join(dir, 'relay.db');
const store = openRelayStore(file);
const inbox = new Map<number, Message[]>();
const core = createRelayCore({
  address: { address: '127.0.0.1', port: 9, family: 'IPv4' },
  out: {
    send: (bytes, port, _a, done) => {
      const list = inbox.get(port) ?? [];
      list.push(decodeDatagram(bytes).message);
      inbox.set(port, list);
      done?.(null);
    },
  },
  now: () => performance.now(),
  wallClock: () => Date.now(),
  logger: pino({ level: 'silent' }),
  heartbeatIntervalMs: 5000,
  presenceTimeoutMs: 3_600_000,
  plainPeers: false,
  plainPeerTimeoutMs: 300_000,
  rateLimit: 0,
  maxContacts: 100,
  maxPerIp: 0,
  maxPending: 100,
  secret: undefined,
  hostedByClient: false,
  store,
  offlineLimits: { maxMessages: messages, maxBytes: 2 ** 40, maxAgeMs: 7 * 24 * 3600 * 1000 },
});
const tokens = new Map<number, Uint8Array>();
const send = (port: number, m: Message) => core.receive(Buffer.from(encode(m, { token: tokens.get(port) })), { address: '127.0.0.1', port, family: 'IPv4', size: 0 });
const register = (port: number, name: string, key = generateKeyPairSync('ed25519').privateKey) => {
  send(port, paddedHello(name));
  const welcome = (inbox.get(port) ?? []).findLast((m) => m.kind === 'welcome');
  if (welcome?.kind !== 'welcome') throw new Error('no welcome');
  tokens.set(port, welcome.token);
  send(port, { kind: 'identify', name, publicKey: rawPublicKey(key), signature: signIdentify(key, welcome.token, name) });
  return key;
};
const diskBytes = () => [file, `${file}-wal`].reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);

const beforeAll = diskBytes();
const bobKey = register(2, 'bob');
send(2, { kind: 'bye', reason: '' });
register(1, 'alice');
const text = 'x'.repeat(100);
const before = diskBytes();
const times: number[] = [];
for (let seq = 1; seq <= messages; seq++) {
  const bytes = Buffer.from(encode({ kind: 'chat', id: `bench${seq}`, from: '', to: 'bob', epoch: 7, seq, base: 1, time: Date.now(), text }, { token: tokens.get(1) }));
  const t = performance.now();
  core.receive(bytes, { address: '127.0.0.1', port: 1, family: 'IPv4', size: bytes.length });
  times.push(performance.now() - t);
}
const storedAnswers = (inbox.get(1) ?? []).filter((m) => m.kind === 'stored').length;
const grown = diskBytes() - before;
times.sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;

const t0 = performance.now();
register(3, 'bob', bobKey);
const delivered = (inbox.get(3) ?? []).filter((m) => m.kind === 'chat').length;
send(3, { kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: messages, ranges: [] });
const forwardUs = ((performance.now() - t0) * 1000) / messages;
const left = store.counts();

const result = {
  messages,
  textBytes: text.length,
  storeUsPerMessage: { mean: Math.round(mean * 1000), p50: Math.round(q(0.5) * 1000), p99: Math.round(q(0.99) * 1000) },
  walBytesPerMessage: Math.round(grown / messages),
  forwardAndAckUsPerMessage: Math.round(forwardUs),
  check: { storedAnswers, delivered, storedAfterAck: left.stored, receipts: left.receipts },
};
core.sweep();
store.close(); // checkpoints the WAL into relay.db (freed pages stay: the file keeps its peak size)
const fileBytes = Math.round((diskBytes() - beforeAll) / messages);
rmSync(dir, { recursive: true, force: true });
if (values.json) process.stdout.write(`${JSON.stringify({ ...result, fileBytesPerMessage: fileBytes })}\n`);
else {
  process.stdout.write(
    `relay store, ${messages} chats of ${text.length} bytes to an offline reserved name (file store, WAL, synchronous=FULL):\n` +
      `  store (decode, rules, insert + fsync'd commit, 'stored'): ${result.storeUsPerMessage.mean} µs mean, ${result.storeUsPerMessage.p50} µs p50, ${result.storeUsPerMessage.p99} µs p99\n` +
      `  on disk: ${result.walBytesPerMessage} bytes per message written (WAL: one page per commit), ${fileBytes} bytes per message in relay.db once checkpointed\n` +
      `  forward when bob comes back + his ack (delete, receipts): ${result.forwardAndAckUsPerMessage} µs per message\n` +
      `  check: ${storedAnswers} stored answers, ${delivered} delivered, ${left.stored} left stored, ${left.receipts} receipts\n`,
  );
}
if (storedAnswers !== messages || delivered !== messages || left.stored !== 0) process.exitCode = 1;

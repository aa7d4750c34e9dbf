/**
 * A relay core driven in-process on a virtual clock (no socket) with the
 * store it is given, for the offline rules (PROTOCOL.md §6.6): what it sent
 * to each port, and registration with an identity key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { decodeDatagram, encode, paddedHello, rawPublicKey, signIdentify, type Message } from '@udpchat/protocol';
import { pino } from 'pino';
import { createRelayCore, type DatagramSink } from '../../src/index.js';
import type { RelayStore } from '../../src/store/relayStore.js';

/**
 * A core over `store` keeping stored chats and receipts `maxAgeMs` (10
 * messages, 10,000 bytes per recipient); `wrap` may put a sink of its own
 * between the core and the recorder of what it sent.
 */
export function offlineHarness(maxAgeMs: number, store: RelayStore, wrap: (sink: DatagramSink) => DatagramSink = (sink) => sink) {
  let now = 1_000;
  let wall = Date.UTC(2026, 0, 1);
  const sent: Array<{ port: number; message: Message }> = [];
  const core = createRelayCore({
    address: { address: '127.0.0.1', port: 9, family: 'IPv4' },
    out: wrap({ send: (bytes, port, _address, done) => (sent.push({ port, message: decodeDatagram(bytes).message }), done?.(null)) }),
    now: () => now,
    wallClock: () => wall,
    logger: pino({ level: 'silent' }),
    heartbeatIntervalMs: 5000,
    presenceTimeoutMs: 15_000,
    plainPeers: false,
    plainPeerTimeoutMs: 300_000,
    rateLimit: 0,
    maxContacts: 100,
    maxPerIp: 0,
    maxPending: 100,
    secret: undefined,
    hostedByClient: false,
    store,
    offlineLimits: { maxMessages: 10, maxBytes: 10_000, maxAgeMs },
  });
  const from = (port: number) => ({ address: '127.0.0.1', port, family: 'IPv4' as const, size: 0 });
  const tokens = new Map<number, Uint8Array>();
  const send = (port: number, message: Message) => core.receive(Buffer.from(encode(message, { token: tokens.get(port) })), from(port));
  const last = (port: number, kind: Message['kind']) => sent.filter((s) => s.port === port && s.message.kind === kind).map((s) => s.message);
  const register = (port: number, name: string, key = generateKeyPairSync('ed25519').privateKey) => {
    send(port, paddedHello(name));
    const welcome = last(port, 'welcome').at(-1);
    if (welcome?.kind !== 'welcome') throw new Error('no welcome');
    tokens.set(port, welcome.token);
    send(port, { kind: 'identify', name, publicKey: rawPublicKey(key), signature: signIdentify(key, welcome.token, name) });
    return key;
  };
  return { core, store, send, last, register, tokens, advance: (ms: number) => ((now += ms), (wall += ms)), sent };
}


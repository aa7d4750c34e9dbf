/**
 * The relay core's offline rules on a virtual clock (no socket): a stored
 * chat is retransmitted every second until acked, and stored chats and
 * receipts older than the age bound are deleted by the sweep (7 days by
 * default; here a short bound on a virtual wall clock). Same core as the
 * real relay (createRelayCore), the real store in memory.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeDatagram, encode, paddedHello, rawPublicKey, signIdentify, type Message } from '@udpchat/protocol';
import { pino } from 'pino';
import { createRelayCore, openRelayStore } from '../src/index.js';

function harness(maxAgeMs: number) {
  let now = 1_000;
  let wall = Date.UTC(2026, 0, 1);
  const sent: Array<{ port: number; message: Message }> = [];
  const store = openRelayStore(null);
  const core = createRelayCore({
    address: { address: '127.0.0.1', port: 9, family: 'IPv4' },
    out: { send: (bytes, port, _address, done) => (sent.push({ port, message: decodeDatagram(bytes).message }), done?.(null)) },
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
  return { core, store, send, last, register, advance: (ms: number) => ((now += ms), (wall += ms)), sent };
}

describe('relay core: offline messages on a virtual clock', () => {
  it('retransmits a stored chat every second until the ack covers it, and its receipt until the receipt-ack, then stops', () => {
    const h = harness(7 * 24 * 3600 * 1000);
    const bobKey = h.register(2, 'bob');
    h.send(2, { kind: 'bye', reason: '' });
    h.register(1, 'alice');
    h.send(1, { kind: 'chat', id: 'm1', from: '', to: 'bob', epoch: 7, seq: 1, base: 1, time: 0, text: 'hi' });
    expect(h.last(1, 'stored')).toEqual([{ kind: 'stored', id: 'm1', to: 'bob' }]);
    h.register(3, 'bob', bobKey);
    expect(h.last(3, 'chat')).toHaveLength(1);
    h.advance(500);
    h.core.sweep();
    expect(h.last(3, 'chat')).toHaveLength(1); // not yet due
    h.advance(600);
    h.core.sweep();
    expect(h.last(3, 'chat')).toHaveLength(2);
    h.send(3, { kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] });
    expect(h.last(1, 'receipt')).toEqual([{ kind: 'receipt', id: 'm1', by: 'bob' }]);
    h.send(1, { kind: 'heartbeat', seq: 1 });
    h.advance(1100);
    h.core.sweep();
    expect(h.last(3, 'chat')).toHaveLength(2); // acked: no more
    expect(h.last(1, 'receipt')).toHaveLength(2); // the receipt, not answered yet: again
    expect(h.store.counts()).toEqual({ bindings: 2, stored: 0, receipts: 1 });
    h.send(1, { kind: 'receipt-ack', id: 'm1' });
    expect(h.store.counts().receipts).toBe(0);
    h.advance(1100);
    h.core.sweep();
    expect(h.last(1, 'receipt')).toHaveLength(2); // answered: no more
  });

  it('deletes stored chats older than the age bound at the sweep (the bound is the wall clock\'s)', () => {
    const h = harness(60_000 * 10);
    h.register(2, 'bob');
    h.send(2, { kind: 'bye', reason: '' });
    h.register(1, 'alice');
    h.send(1, { kind: 'chat', id: 'old', from: '', to: 'bob', epoch: 7, seq: 1, base: 1, time: 0, text: 'old' });
    h.advance(9 * 60_000);
    h.send(1, { kind: 'heartbeat', seq: 1 }); // alice stays
    h.send(1, { kind: 'chat', id: 'new', from: '', to: 'bob', epoch: 7, seq: 2, base: 1, time: 0, text: 'new' });
    h.core.sweep(); // the first sweep expires: nothing is 10 min old yet
    expect(h.store.storedFor('bob').map((c) => c.id)).toEqual(['old', 'new']);
    h.advance(2 * 60_000);
    h.core.sweep();
    expect(h.store.storedFor('bob').map((c) => c.id)).toEqual(['new']);
  });
});

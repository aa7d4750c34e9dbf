/**
 * The relay's own rules over the JetStream store, two relay cores sharing
 * one nats-server (no relay-to-relay routing: only the store is shared): a
 * name bound through relay A is reserved on relay B; a chat stored by B for
 * an offline name is delivered by A when the name registers there, and the
 * receipt A keeps is handed to the sender on B; with `durableStoredSink`
 * the sender hears `stored` only once the chat is in JetStream. Cores on a virtual clock
 * (helpers/offlineHarness.ts), stores on a real nats-server.
 */
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'nats';
import { describe, expect, it } from 'vitest';
import { paddedHello, rawPublicKey, signIdentify } from '@udpchat/protocol';
import { NATS_MISSING, natsServerPath, startNatsServer } from '../../../tools/test/natsServer.js';
import { durableStoredSink, openJetStreamStore, type StoreChange } from '../src/cluster/store/index.js';
import { offlineHarness } from './helpers/offlineHarness.js';
import { until } from './helpers/wait.js';
import { natsForSuite } from './helpers/cluster.js';

const WEEK = 7 * 24 * 3600 * 1000;

describe.skipIf(natsServerPath() === undefined)(`two relay cores over one JetStream store${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  const suite = natsForSuite();
  const stores = suite.stores;
  let n = 0;
  const relays = async () => {
    const prefix = `cores${++n}`;
    const [a, b] = await Promise.all([openJetStreamStore(suite.nc, { prefix }), openJetStreamStore(suite.nc, { prefix })]);
    stores.push(a, b);
    const changes: StoreChange[] = [];
    b.onChange((c) => changes.push(c));
    a.onChange((c) => changes.push(c));
    return { a: offlineHarness(WEEK, a), b: offlineHarness(WEEK, b), storeA: a, storeB: b, changes };
  };

  it('a name bound through relay A is reserved on relay B: no key or another key gets NAME_KEY_MISMATCH there', async () => {
    const { a, b, storeB } = await relays();
    a.register(1, 'bob');
    await until(() => storeB.binding('bob'), 'bob bound, on B');
    b.send(5, paddedHello('bob'));
    const welcome = b.last(5, 'welcome')[0];
    if (welcome?.kind !== 'welcome') throw new Error('no welcome');
    b.tokens.set(5, welcome.token);
    const other = generateKeyPairSync('ed25519').privateKey;
    b.send(5, { kind: 'identify', name: 'bob', publicKey: rawPublicKey(other), signature: signIdentify(other, welcome.token, 'bob') });
    expect(b.last(5, 'error')).toMatchObject([{ code: 'NAME_KEY_MISMATCH', message: 'the name bob is reserved for another key' }]);
    b.send(7, paddedHello('bob')); // no key: the first datagram with the token is refused
    const keyless = b.last(7, 'welcome')[0];
    if (keyless?.kind !== 'welcome') throw new Error('no welcome');
    b.tokens.set(7, keyless.token);
    b.send(7, { kind: 'list', epoch: 0, version: 0 });
    expect(b.last(7, 'error')).toMatchObject([{ code: 'NAME_KEY_MISMATCH' }]);
    expect(b.last(7, 'contacts')).toHaveLength(0);
    b.register(6, 'carol'); // an unbound name is fine on B
    expect(b.last(6, 'contacts')).not.toHaveLength(0);
  });

  it('a chat stored by relay B is delivered by relay A; bob\'s ack there becomes alice\'s receipt on B, and her receipt-ack clears it on A', async () => {
    const { a, b, storeA, storeB, changes } = await relays();
    const bobKey = a.register(1, 'bob');
    a.send(1, { kind: 'bye', reason: '' });
    await until(() => storeB.binding('bob'), 'bob bound, on B');
    const aliceKey = b.register(1, 'alice');
    b.send(1, { kind: 'chat', id: 'm1', from: '', to: 'bob', epoch: 7, seq: 1, base: 1, time: 0, text: 'hi bob' });
    expect(b.last(1, 'stored')).toEqual([{ kind: 'stored', id: 'm1', to: 'bob' }]);
    expect(await storeB.chatWritten('bob', 'm1')).toBe(true);
    await until(() => changes.find((c) => c.type === 'stored' && c.recipientKey === 'bob'), 'A told of the stored chat');

    a.register(2, 'bob', bobKey); // bob comes back, on A
    expect(a.last(2, 'chat')).toMatchObject([{ kind: 'chat', id: 'm1', from: 'alice', to: 'bob', text: 'hi bob', seq: 1 }]);
    a.send(2, { kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] });
    expect(storeA.counts()).toMatchObject({ stored: 0, receipts: 1 });
    await until(() => changes.find((c) => c.type === 'receipt' && c.senderKey === 'alice'), 'B told of the receipt');
    await until(() => storeB.counts().stored === 0, 'the chat gone from B');

    b.register(2, 'alice', aliceKey); // alice registers again on B (the lead wires `receipt` to do it at once): she gets it
    expect(b.last(2, 'receipt')).toEqual([{ kind: 'receipt', id: 'm1', by: 'bob' }]);
    b.send(2, { kind: 'receipt-ack', id: 'm1' });
    await until(() => storeA.counts().receipts === 0, 'the receipt gone from A');
  });

  it('durableStoredSink: the sender is told stored only once the chat is in JetStream (held while nats-server is down)', async () => {
    const own = await startNatsServer();
    const conn = await connect({ servers: own.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    try {
      const store = await openJetStreamStore(conn, { prefix: 'durable', timeoutMs: 1000 });
      stores.push(store);
      let sink: ReturnType<typeof durableStoredSink> | undefined;
      const h = offlineHarness(WEEK, store, (inner) => (sink = durableStoredSink(inner, store)));
      h.register(1, 'bob');
      h.send(1, { kind: 'bye', reason: '' });
      h.register(2, 'alice');
      h.send(2, { kind: 'chat', id: 'm1', from: '', to: 'bob', epoch: 7, seq: 1, base: 1, time: 0, text: 'now' });
      await until(() => h.last(2, 'stored').length === 1, 'stored, NATS up');
      await store.settled();
      await own.stop({ keepStore: true });
      h.send(2, { kind: 'chat', id: 'm2', from: '', to: 'bob', epoch: 7, seq: 2, base: 1, time: 0, text: 'while NATS is down' });
      expect(store.isStored('bob', 'm2')).toBe(true); // in the mirror
      expect(h.last(2, 'stored')).toHaveLength(1); // not told yet
      expect(sink?.held.waiting).toBe(1);
      const back = await startNatsServer({ port: own.port, storeDir: own.storeDir });
      try {
        const stored = await until(() => (h.last(2, 'stored').length === 2 ? h.last(2, 'stored') : undefined), 'stored, once NATS is back', 10_000);
        expect(stored[1]).toEqual({ kind: 'stored', id: 'm2', to: 'bob' });
        expect(sink?.held).toEqual({ released: 2, dropped: 0, waiting: 0 });
        h.send(2, { kind: 'heartbeat', seq: 1 }); // other datagrams pass at once
        expect(h.last(2, 'heartbeat-ack')).toHaveLength(1);
      } finally {
        await conn.close();
        await back.stop();
      }
    } finally {
      await own.stop();
    }
  });
});

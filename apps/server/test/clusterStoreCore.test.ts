/**
 * The relay's own rules over the JetStream store, two relay cores sharing
 * one nats-server (no relay-to-relay routing: only the store is shared): a
 * name bound through relay A is reserved on relay B; a chat stored by B for
 * an offline name is delivered by A when the name registers there, and the
 * receipt A keeps is handed to the sender on B. Cores on a virtual clock
 * (helpers/offlineHarness.ts), stores on a real nats-server.
 */
import { generateKeyPairSync } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paddedHello, rawPublicKey, signIdentify } from '@udpchat/protocol';
import { NATS_MISSING, natsServerPath, startNatsServer, type NatsServer } from '../../../tools/test/natsServer.js';
import { openJetStreamStore, type ClusterStore, type StoreChange } from '../src/cluster/store/index.js';
import { offlineHarness } from './helpers/offlineHarness.js';
import { until } from './helpers/wait.js';

const WEEK = 7 * 24 * 3600 * 1000;

describe.skipIf(natsServerPath() === undefined)(`two relay cores over one JetStream store${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const stores: ClusterStore[] = [];
  let n = 0;
  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    for (const s of stores) s.close();
    await nc?.close();
    await server?.stop();
  });
  const relays = async () => {
    const prefix = `cores${++n}`;
    const [a, b] = await Promise.all([openJetStreamStore(nc, { prefix }), openJetStreamStore(nc, { prefix })]);
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
});

/**
 * What a relay core does with the changes another relay writes to the
 * JetStream store (rules/storeChanges.ts, `RelayCore.storeChanged`, wired to
 * `ClusterStore.onChange` as relay.ts does in cluster mode): two relay cores
 * on a virtual clock (helpers/offlineHarness.ts) over two stores sharing one
 * real nats-server, no relay-to-relay routing — so that relay B stores a
 * chat for a name that is online on relay A, the case a cluster meets when
 * B has not heard of A's user yet.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Message } from '@udpchat/protocol';
import { NATS_MISSING, natsServerPath } from '../../../tools/test/natsServer.js';
import { openJetStreamStore, type ClusterStore } from '../src/cluster/store/index.js';
import { STORED_RESEND_MS } from '../src/state/offlineDeliveries.js';
import { offlineHarness } from './helpers/offlineHarness.js';
import { until } from './helpers/wait.js';
import { natsForSuite } from './helpers/cluster.js';

const WEEK = 7 * 24 * 3600 * 1000;
const newKey = () => generateKeyPairSync('ed25519').privateKey;
const chat = (id: string, seq: number, text: string): Message => ({ kind: 'chat', id, from: '', to: 'bob', epoch: 7, seq, base: 1, time: 0, text });
const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');

describe.skipIf(natsServerPath() === undefined)(`store changes from another relay${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  const suite = natsForSuite();
  const stores = suite.stores;
  let n = 0;

  /** Relay cores A and B over one JetStream prefix, each acting on its store's changes. */
  const relays = async () => {
    const prefix = `changes${process.pid}x${++n}`;
    const [storeA, storeB] = await Promise.all([openJetStreamStore(suite.nc, { prefix }), openJetStreamStore(suite.nc, { prefix })]);
    stores.push(storeA, storeB);
    const a = offlineHarness(WEEK, storeA);
    const b = offlineHarness(WEEK, storeB);
    storeA.onChange((c) => a.core.storeChanged(c));
    storeB.onChange((c) => b.core.storeChanged(c));
    return { a, b, storeA, storeB };
  };

  it('a chat stored elsewhere for a user here is sent at once; one stored while another is in flight is added, neither lost nor reset', async () => {
    const { a, b, storeA, storeB } = await relays();
    a.register(1, 'bob'); // bob is online on A (B does not know)
    await until(() => storeB.binding('bob'), 'bob bound, on B');
    b.register(1, 'alice');
    b.send(1, chat('m1', 1, 'first'));
    expect(b.last(1, 'stored')).toHaveLength(1);
    const toBob = (id: string) => a.last(1, 'chat').filter((m) => m.kind === 'chat' && m.id === id);
    await until(() => toBob('m1').length === 1, 'm1 sent to bob on A');
    expect(toBob('m1')[0]).toMatchObject({ from: 'alice', to: 'bob', text: 'first', seq: 1, base: 1 });
    b.send(1, chat('m2', 2, 'second')); // m1 not acked yet: still in flight
    await until(() => toBob('m2').length === 1, 'm2 sent to bob on A');
    expect(toBob('m1')).toHaveLength(1); // not sent again at once: its retransmission timing is kept
    a.advance(STORED_RESEND_MS + 1);
    a.core.sweep();
    expect(toBob('m1')).toHaveLength(2); // still tracked: retransmitted when due
    a.send(1, { kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: 2, ranges: [] });
    expect(storeA.counts()).toMatchObject({ stored: 0, receipts: 2 }); // both were in flight: both acknowledged
  });

  it('a receipt made elsewhere is sent at once to its sender here, and its receipt-ack clears it everywhere', async () => {
    const { a, b, storeA, storeB } = await relays();
    const bobKey = a.register(1, 'bob');
    a.send(1, { kind: 'bye', reason: '' });
    await until(() => storeB.binding('bob'), 'bob bound, on B');
    b.register(1, 'alice');
    b.send(1, chat('m1', 1, 'hi'));
    expect(await storeB.chatWritten('bob', 'm1')).toBe(true);
    await until(() => storeA.counts().stored === 1, 'the chat on A');
    a.register(2, 'bob', bobKey);
    expect(a.last(2, 'chat')).toMatchObject([{ id: 'm1' }]);
    a.send(2, { kind: 'ack', from: '', to: 'alice', group: false, epoch: 7, upTo: 1, ranges: [] });
    const receipts = await until(() => (b.last(1, 'receipt').length > 0 ? b.last(1, 'receipt') : undefined), 'the receipt to alice on B');
    expect(receipts).toEqual([{ kind: 'receipt', id: 'm1', by: 'bob' }]); // alice did not register again
    b.send(1, { kind: 'receipt-ack', id: 'm1' });
    await until(() => storeA.counts().receipts === 0, 'the receipt gone from A');
  });

  it('a name bound on two relays at once with two keys: the session that proved the losing key is refused and told bye', async () => {
    const { a, b, storeA, storeB } = await relays();
    a.register(1, 'dan', newKey()); // both in one turn: neither store has the other's binding yet
    b.register(1, 'dan', newKey());
    await Promise.all([storeA.settled(), storeB.settled()]);
    await until(() => hex(storeA.binding('dan')?.publicKey) === hex(storeB.binding('dan')?.publicKey), 'A and B agree on the key');
    const refused = (h: typeof a) => h.last(1, 'error').some((m) => m.kind === 'error' && m.code === 'NAME_KEY_MISMATCH');
    const loser = await until(() => (refused(a) ? a : refused(b) ? b : undefined), 'the loser refused');
    const winner = loser === a ? b : a;
    expect(loser.last(1, 'bye')).toHaveLength(1);
    expect(loser.core.contacts().map((c) => c.name)).toEqual([]);
    expect(refused(winner)).toBe(false);
    expect(winner.core.contacts().map((c) => c.name)).toEqual(['dan']);
  });

  it('a name released elsewhere: its session here stays; what was in flight to it from the store is forgotten', async () => {
    const { a, b, storeA, storeB } = await relays();
    a.register(1, 'bob');
    await until(() => storeB.binding('bob'), 'bob bound, on B');
    b.register(1, 'alice');
    b.send(1, chat('m1', 1, 'hi'));
    await until(() => a.last(1, 'chat').length === 1, 'm1 in flight to bob on A');
    expect(storeB.release('bob')).toBe(true);
    await until(() => storeA.binding('bob') === undefined && storeA.counts().stored === 0, 'the release, on A');
    a.advance(STORED_RESEND_MS + 1);
    a.core.sweep();
    expect(a.last(1, 'chat')).toHaveLength(1); // deleted with the binding: not retransmitted
    expect(a.core.contacts().map((c) => c.name)).toEqual(['bob']);
  });
});

if (natsServerPath() === undefined) it.skip(NATS_MISSING, () => {});

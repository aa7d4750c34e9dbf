/**
 * The relay core's offline rules on a virtual clock (no socket): a stored
 * chat is retransmitted every second until acked, and stored chats and
 * receipts older than the age bound are deleted by the sweep (7 days by
 * default; here a short bound on a virtual wall clock). Same core as the
 * real relay (createRelayCore), over each store: the embedded one in memory,
 * and the JetStream one of cluster mode on a real nats-server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NATS_MISSING, natsServerPath } from '../../../tools/test/natsServer.js';
import { openJetStreamStore } from '../src/cluster/store/index.js';
import { openRelayStore, type RelayStore } from '../src/store/relayStore.js';
import { offlineHarness } from './helpers/offlineHarness.js';
import { natsForSuite } from './helpers/cluster.js';

const opened: RelayStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

function offlineRules(name: string, openStore: () => Promise<RelayStore>) {
  const harness = async (maxAgeMs: number) => {
    const store = await openStore();
    opened.push(store);
    return offlineHarness(maxAgeMs, store);
  };
  describe(`relay core: offline messages on a virtual clock (${name})`, () => {
    it('retransmits a stored chat every second until the ack covers it, and its receipt until the receipt-ack, then stops', async () => {
      const h = await harness(7 * 24 * 3600 * 1000);
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

    it('deletes stored chats older than the age bound at the sweep (the bound is the wall clock\'s)', async () => {
      const h = await harness(60_000 * 10);
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
}

offlineRules('embedded store', () => Promise.resolve(openRelayStore(null)));

describe.skipIf(natsServerPath() === undefined)(`over JetStream${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  const suite = natsForSuite();
  let n = 0;
  offlineRules('JetStream store', () => openJetStreamStore(suite.nc, { prefix: `core${++n}` }));
});

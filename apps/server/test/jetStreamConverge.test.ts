/**
 * The JetStream store's mirrors converge: two relays doing random writes at
 * once on the same names, chats and receipts (binds racing, deletes of
 * entries the other is changing, expiry on both) end, once their writes are
 * in and their watchers have caught up, with the same view as each other
 * and as a store freshly loaded from JetStream. Seeded (the seed is in the
 * test's name: a failure can be run again).
 */
import { describe, expect, it } from 'vitest';
import { NATS_MISSING, natsServerPath } from '../../../tools/test/natsServer.js';
import { openJetStreamStore, type ClusterStore } from '../src/cluster/store/index.js';
import type { RelayStore } from '../src/store/relayStore.js';
import { chatTo } from './helpers/storeContract.js';
import { until } from './helpers/wait.js';
import { natsForSuite } from './helpers/cluster.js';

const NAMES = ['ann', 'ben', 'cat', 'dan'];
const IDS = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
const T0 = Date.UTC(2026, 0, 1);

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function view(s: RelayStore) {
  return JSON.stringify({
    bindings: s.bindings().map((b) => [b.key, b.name, Buffer.from(b.publicKey).toString('hex'), b.boundAt]),
    stored: NAMES.map((n) => s.storedFor(n).map((c) => [c.row, c.id, c.sender, c.storedAt])),
    receipts: NAMES.map((n) => s.receiptsFor(n).map((r) => [r.id, r.by, r.at])),
    counts: s.counts(),
  });
}

describe.skipIf(natsServerPath() === undefined)(`JetStream store mirrors converge${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  const suite = natsForSuite();

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 300 random writes from two relays, then the same view everywhere`, async () => {
      const random = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
      const prefix = `converge${seed}`;
      const stores: ClusterStore[] = await Promise.all([openJetStreamStore(suite.nc, { prefix }), openJetStreamStore(suite.nc, { prefix })]);
      try {
        for (let step = 0; step < 300; step++) {
          const s = pick(stores);
          const name = pick(NAMES);
          const r = random();
          if (r < 0.15) s.bind(name, name, new Uint8Array(32).fill(1 + Math.floor(random() * 2)), T0 + step);
          else if (r < 0.2) s.release(name);
          else if (r < 0.55) s.storeChat({ ...chatTo(name, pick(IDS), step), sender: pick(NAMES) }, T0 + step);
          else if (r < 0.8) {
            const rows = s.storedFor(name).filter(() => random() < 0.5);
            s.acknowledged(rows.map((c) => c.row), rows.map((c) => ({ senderKey: c.senderKey, id: c.id, by: name, at: T0 + step })));
          } else if (r < 0.9) s.dropReceipt(pick(['alice', ...NAMES]), pick(IDS));
          else s.expire(T0 + step - 50);
          if (random() < 0.3) await new Promise((resolve) => setImmediate(resolve)); // let some writes and watch events in between
        }
        await Promise.all(stores.map((s) => s.settled()));
        const fresh = await openJetStreamStore(suite.nc, { prefix });
        try {
          const truth = view(fresh);
          await until(() => stores.every((s) => view(s) === truth), 'both mirrors equal to JetStream', 10_000).catch(() => undefined);
          for (const s of stores) expect(JSON.parse(view(s))).toEqual(JSON.parse(truth));
          for (const s of stores) expect(s.stats()).toMatchObject({ failed: 0, malformed: 0, pending: 0 });
          expect(JSON.parse(truth).counts.stored).toBeGreaterThan(0); // something was left to compare
        } finally {
          fresh.close();
        }
      } finally {
        for (const s of stores) s.close();
      }
    });
  }
});

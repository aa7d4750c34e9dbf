/**
 * The behaviour every `RelayStore` has (store/relayStore.ts, PROTOCOL.md
 * §6.5–6.6), as one suite run against each implementation: the embedded
 * SQLite store and the JetStream store of cluster mode. `reopen`, when
 * given, opens a second store over the same data once the test's writes
 * have reached it: it must hold exactly what the first one shows.
 */
import { describe, expect, it } from 'vitest';
import type { NewStoredChat, RelayStore } from '../../src/store/relayStore.js';

/** How the suite gets stores of one implementation. */
export interface StoreFixture {
  /** A fresh, empty store. */
  open(): Promise<RelayStore>;
  /** Another store over the same data as `store`, after its writes are in (undefined: not checked). */
  reopen?(store: RelayStore): Promise<RelayStore>;
}

const key = (n: number) => new Uint8Array(32).fill(n);
const T0 = Date.UTC(2026, 0, 1);

/** A chat from alice (keyed) to `recipientKey`. */
export function chatTo(recipientKey: string, id: string, seq: number, text = `m${seq}`): NewStoredChat {
  return { recipientKey, recipient: recipientKey, sender: 'Alice', senderKey: 'alice', senderKeyed: true, id, epoch: 7, seq, base: 1, time: T0 + seq, text };
}

/** What a store shows, for comparing two stores over the same data. */
function snapshot(store: RelayStore, recipients: readonly string[], senders: readonly string[]) {
  return {
    bindings: store.bindings().map((b) => ({ ...b, publicKey: Buffer.from(b.publicKey).toString('hex') })),
    stored: recipients.map((r) => store.storedFor(r).map(({ row: _row, ...rest }) => rest)),
    usage: recipients.map((r) => store.usage(r)),
    receipts: senders.map((s) => store.receiptsFor(s)),
    counts: store.counts(),
  };
}

/** Runs the store contract for `name`. */
export function storeContract(name: string, fixture: StoreFixture): void {
  const withStore = (title: string, body: (store: RelayStore) => void, recipients: string[] = ['bob', 'élodie'], senders: string[] = ['alice']) =>
    it(title, async () => {
      const store = await fixture.open();
      try {
        body(store);
        if (fixture.reopen) {
          const again = await fixture.reopen(store);
          try {
            expect(snapshot(again, recipients, senders)).toEqual(snapshot(store, recipients, senders));
          } finally {
            again.close();
          }
        }
      } finally {
        store.close();
      }
    });

  describe(`RelayStore contract: ${name}`, () => {
    withStore('binds a name on first use only; the first binding stays, with its spelling, key and time', (s) => {
      expect(s.binding('bob')).toBeUndefined();
      expect(s.bind('Bob', 'bob', key(1), T0)).toBe(true);
      expect(s.bind('BOB', 'bob', key(2), T0 + 1)).toBe(false);
      expect(s.bind('Élodie', 'élodie', key(3), T0 + 2)).toBe(true);
      const bob = s.binding('bob');
      expect(bob?.name).toBe('Bob');
      expect(Buffer.from(bob?.publicKey ?? []).equals(Buffer.from(key(1)))).toBe(true);
      expect(bob?.boundAt).toBe(T0);
      expect(s.bindings().map((b) => b.key)).toEqual(['bob', 'élodie']);
      expect(s.counts().bindings).toBe(2);
    });

    withStore('stores a chat once per recipient and id, in store order, and counts its UTF-8 bytes', (s) => {
      expect(s.storeChat(chatTo('bob', 'id-1', 1, 'hé'), T0)).toBe('stored');
      expect(s.storeChat(chatTo('bob', 'id-1', 1, 'hé'), T0 + 5)).toBe('duplicate');
      expect(s.storeChat(chatTo('bob', 'id.2', 2), T0 + 1)).toBe('stored');
      expect(s.storeChat(chatTo('élodie', 'id-1', 1), T0 + 2)).toBe('stored'); // another recipient: stored
      expect(s.isStored('bob', 'id-1')).toBe(true);
      expect(s.isStored('bob', 'id-3')).toBe(false);
      expect(s.isStored('élodie', 'id.2')).toBe(false);
      const bob = s.storedFor('bob');
      expect(bob.map((c) => c.id)).toEqual(['id-1', 'id.2']);
      expect(bob[0]).toMatchObject({ ...chatTo('bob', 'id-1', 1, 'hé'), storedAt: T0 });
      expect(bob[0]!.row).toBeLessThan(bob[1]!.row);
      const rows = [...bob, ...s.storedFor('élodie')].map((c) => c.row);
      expect(new Set(rows).size).toBe(3);
      expect(s.usage('bob')).toEqual({ count: 2, bytes: 3 + 2 });
      expect(s.usage('nobody')).toEqual({ count: 0, bytes: 0 });
      expect(s.counts().stored).toBe(3);
    });

    withStore('an acknowledgement deletes the rows and adds the receipts, oldest first; receipt-ack drops one', (s) => {
      for (let i = 1; i <= 3; i++) s.storeChat(chatTo('bob', `c${i}`, i), T0 + i);
      const [c1, c2, c3] = s.storedFor('bob');
      s.acknowledged([c2!.row, c1!.row], [
        { senderKey: 'alice', id: 'c2', by: 'Bob', at: T0 + 20 },
        { senderKey: 'alice', id: 'c1', by: 'Bob', at: T0 + 10 },
      ]);
      expect(s.storedFor('bob').map((c) => c.id)).toEqual([c3!.id]);
      expect(s.isStored('bob', 'c1')).toBe(false);
      expect(s.receiptsFor('alice').map((r) => r.id)).toEqual(['c1', 'c2']);
      expect(s.receiptsFor('alice')[0]).toEqual({ senderKey: 'alice', id: 'c1', by: 'Bob', at: T0 + 10 });
      s.acknowledged([], [{ senderKey: 'alice', id: 'c1', by: 'Bob', at: T0 + 30 }]); // the same receipt again: replaced
      expect(s.receiptsFor('alice').map((r) => [r.id, r.at])).toEqual([['c2', T0 + 20], ['c1', T0 + 30]]);
      s.dropReceipt('alice', 'c2');
      s.dropReceipt('alice', 'unknown');
      expect(s.receiptsFor('alice').map((r) => r.id)).toEqual(['c1']);
      expect(s.counts()).toEqual({ bindings: 0, stored: 1, receipts: 1 });
      // a deleted id may be stored again (a late retransmission), at the end of the order
      expect(s.storeChat(chatTo('bob', 'c1', 1), T0 + 40)).toBe('stored');
      expect(s.storedFor('bob').map((c) => c.id)).toEqual(['c3', 'c1']);
    });

    withStore('release deletes the binding and everything stored for the name; false when there is none', (s) => {
      s.bind('Bob', 'bob', key(1), T0);
      s.storeChat(chatTo('bob', 'x1', 1), T0);
      s.storeChat(chatTo('élodie', 'x1', 1), T0);
      s.acknowledged([], [{ senderKey: 'bob', id: 'y', by: 'Carol', at: T0 }]);
      expect(s.release('bob')).toBe(true);
      expect(s.release('bob')).toBe(false);
      expect(s.binding('bob')).toBeUndefined();
      expect(s.storedFor('bob')).toEqual([]);
      expect(s.receiptsFor('bob')).toEqual([]);
      expect(s.storedFor('élodie')).toHaveLength(1);
      expect(s.bind('Bob', 'bob', key(9), T0 + 1)).toBe(true); // free again: bound to the new key
      expect(Buffer.from(s.binding('bob')?.publicKey ?? []).equals(Buffer.from(key(9)))).toBe(true);
    }, ['bob', 'élodie'], ['alice', 'bob']);

    withStore('expire deletes the chats and receipts older than its bound and says how many', (s) => {
      s.storeChat(chatTo('bob', 'old', 1), T0);
      s.storeChat(chatTo('bob', 'new', 2), T0 + 1000);
      s.acknowledged([], [
        { senderKey: 'alice', id: 'r-old', by: 'Bob', at: T0 },
        { senderKey: 'alice', id: 'r-new', by: 'Bob', at: T0 + 1000 },
      ]);
      expect(s.expire(T0 + 500)).toBe(2);
      expect(s.storedFor('bob').map((c) => c.id)).toEqual(['new']);
      expect(s.receiptsFor('alice').map((r) => r.id)).toEqual(['r-new']);
      expect(s.expire(T0 + 500)).toBe(0);
    });
  });
}

/**
 * The relay a user moves to (CLUSTER.md "Relay failure", "Names"): when a
 * user of another relay registers here proving the same key — its relay
 * dead but not yet known to be down, or alive (a take-over) — the remote
 * contact becomes a local one silently for this relay's own clients too, as
 * the other relays see it: no leave, no join; a `rename` when the spelling
 * changed. Real relays in this process on a real nats-server.
 */
import { type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { barrier, chat, type TestPeer } from './helpers/peer.js';
import { peerOf, registered } from './helpers/relay.js';
import { clusterFormed, clusterRelay, freshPrefix, NATS_MISSING, natsServerPath, natsServerForSuite } from './helpers/cluster.js';
import { until } from './helpers/wait.js';
import type { Relay } from '../src/index.js';
import { newKey, registerWithKey } from './helpers/identity.js';

const missing = natsServerPath() === undefined;

async function keyed(relay: Relay, name: string, key: KeyObject): Promise<TestPeer> {
  const peer = await peerOf(relay);
  await registerWithKey(peer, name, key);
  return peer;
}

/** What `peer` was pushed about `name` (either spelling): joins and leaves. */
function noise(peer: TestPeer, name: string) {
  const about = (m: { name: string }) => m.name.toLowerCase() === name;
  return [...peer.pending('join').filter(about), ...peer.pending('leave').filter(about)];
}

describe.skipIf(missing)('the arrival relay takes a remote user over silently', () => {
  const nats = natsServerForSuite();

  /** `n` relays; down after 10 s here, so that a dead relay is not known to be down while the test runs. */
  async function relays(n: number): Promise<Relay[]> {
    const prefix = freshPrefix();
    const all = await Promise.all(Array.from({ length: n }, (_, i) => clusterRelay(nats.url, prefix, `r${i + 1}`, {}, { downAfterMs: 10_000 })));
    await clusterFormed(all);
    return all;
  }

  it('bob\'s relay is killed, not yet known down; bob proves his key on r3: carol there and alice on r1 see no leave, no join', async () => {
    const [r1, r2, r3] = (await relays(3)) as [Relay, Relay, Relay];
    const [alice] = await registered(r1, 'alice');
    const [carol] = await registered(r3, 'carol');
    const bobKey = newKey();
    await keyed(r2, 'bob', bobKey);
    await until(() => r1.stats().cluster?.remoteContacts === 2 && r3.stats().cluster?.remoteContacts === 2, 'r1 and r3 to know everyone');
    await alice!.next('join', (m) => m.name === 'bob');
    await carol!.next('join', (m) => m.name === 'bob');
    await r2.cluster?.connection.close(); // its NATS link dies: no `moving`
    await r2.stop();
    const bob = await keyed(r3, 'bob', bobKey); // at once: r3 still has bob as r2's, not moving
    expect(r3.stats().cluster).toMatchObject({ peersUp: 2 });
    expect(r3.contacts().map((c) => c.name).sort()).toEqual(['bob', 'carol']);
    await barrier(carol!, 1);
    expect(noise(carol!, 'bob')).toEqual([]);
    // r1 routes it to r3 once it has heard of the relocation (before that it went to the dead r2: retransmitted, as a client does).
    const sent = chat('bob', 'where are you?', { epoch: 1, seq: 1 });
    const got = bob.next('chat', (m) => m.id === sent.id, 5000);
    let arrived = false;
    void got.then(() => (arrived = true), () => undefined);
    for (let i = 0; i < 20 && !arrived; i++) {
      await alice!.send(sent);
      await until(() => arrived, 'the chat at bob', 250).catch(() => undefined);
    }
    expect((await got).from).toBe('alice');
    await barrier(alice!, 1);
    expect(noise(alice!, 'bob')).toEqual([]);
  });

  it('the same key under another spelling from a live relay: a rename at the arrival relay, as on the others', async () => {
    const [r1, r2, r3] = (await relays(3)) as [Relay, Relay, Relay];
    const [carol] = await registered(r2, 'carol');
    const [erin] = await registered(r3, 'erin');
    const bobKey = newKey();
    const first = await keyed(r1, 'bob', bobKey);
    await carol!.next('join', (m) => m.name === 'bob');
    await erin!.next('join', (m) => m.name === 'bob');
    await keyed(r2, 'Bob', bobKey);
    expect((await first.next('error')).code).toBe('SESSION_REPLACED');
    expect(await carol!.next('rename')).toMatchObject({ from: 'bob', name: 'Bob' });
    expect(await erin!.next('rename')).toMatchObject({ from: 'bob', name: 'Bob' });
    await barrier(carol!, 1);
    await barrier(erin!, 1);
    expect(noise(carol!, 'bob')).toEqual([]);
    expect(noise(erin!, 'bob')).toEqual([]);
  });
});

if (missing) it.skip(NATS_MISSING, () => {});

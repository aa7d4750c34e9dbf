/**
 * Cluster mode's store is JetStream (issue 14, CLUSTER-STORE.md), end to
 * end: relays in this process with `startRelay` in cluster mode on a real
 * nats-server, protocol clients on real sockets. A name bound on one relay
 * is reserved on the others; a chat to a name offline cluster-wide is
 * `stored` once it is in JetStream, delivered once wherever the name comes
 * back, its receipt handed to the sender on its own relay; the loss of the
 * relay that stored it loses nothing. A single relay loads none of it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { barrier, chat, type TestPeer } from './helpers/peer.js';
import { captureLogger, peerOf, registered } from './helpers/relay.js';
import { clusterFormed, clusterRelay, freshPrefix, NATS_MISSING, natsServerPath, natsServerForSuite } from './helpers/cluster.js';
import { until } from './helpers/wait.js';
import { runRelay } from './helpers/process.js';
import { freeTcpPort } from '../../../tools/test/natsServer.js';
import type { Relay } from '../src/index.js';
import { identifyWithKey, newKey } from './helpers/identity.js';

const missing = natsServerPath() === undefined;

/** hello → welcome → identify (signing the welcome's token): the first answer (contacts, or an error). */
async function identify(peer: TestPeer, name: string, key: KeyObject) {
  await identifyWithKey(peer, name, key);
  return peer.nextMatching((m) => m.kind === 'contacts' || m.kind === 'error');
}

/** A peer of `relay` registered as `name` with `key`. */
async function keyed(relay: Relay, name: string, key: KeyObject): Promise<TestPeer> {
  const peer = await peerOf(relay);
  expect((await identify(peer, name, key)).kind).toBe('contacts');
  return peer;
}

/** The relay's NATS link dies (no `moving`, no more writes to JetStream), then it stops serving. */
async function crash(relay: Relay): Promise<void> {
  await relay.cluster?.connection.close();
  await relay.stop();
}

describe.skipIf(missing)('the cluster store (JetStream) in cluster mode', () => {
  const nats = natsServerForSuite();

  /** Every relay's log lines, to check that none is an error. */
  let logs: Array<ReturnType<typeof captureLogger>['lines']> = [];
  const errors = () => logs.flat().filter((l) => l.level >= 50);

  async function twoRelays(): Promise<[Relay, Relay]> {
    const prefix = freshPrefix();
    logs = [];
    const relays = await Promise.all(
      ['r1', 'r2'].map((id) => {
        const { logger, lines } = captureLogger();
        logs.push(lines);
        return clusterRelay(nats.url, prefix, id, { logger });
      }),
    );
    await clusterFormed(relays);
    return relays as [Relay, Relay];
  }

  /** bob registers with `key` on `relay` and leaves: reserved, offline cluster-wide once `others` know. */
  async function bobBoundAndGone(relay: Relay, key: KeyObject, others: readonly Relay[]): Promise<void> {
    const bob = await keyed(relay, 'bob', key);
    await bob.send({ kind: 'bye', reason: '' });
    await until(() => others.every((r) => r.stats().store?.bindings === 1 && r.stats().cluster?.remoteContacts === 0), 'bob bound and gone, everywhere');
  }

  it('a name bound on one relay is reserved on the other; a chat to it offline is stored, delivered once on the other relay, and its receipt reaches the sender on hers', async () => {
    const [r1, r2] = await twoRelays();
    const bobKey = newKey();
    await bobBoundAndGone(r1, bobKey, [r2]);
    const mallory = await peerOf(r2);
    expect(await identify(mallory, 'bob', newKey())).toMatchObject({ kind: 'error', code: 'NAME_KEY_MISMATCH' });

    const alice = await keyed(r1, 'alice', newKey());
    const sent = chat('bob', 'while you were away', { epoch: 5, seq: 1, base: 1 });
    await alice.send(sent);
    expect(await alice.next('stored')).toEqual({ kind: 'stored', id: sent.id, to: 'bob' });
    expect(r1.stats().store).toMatchObject({ stored: 1, held: { released: 1, dropped: 0, waiting: 0 } });

    const bob = await keyed(r2, 'bob', bobKey);
    expect(await bob.next('chat', (m) => m.id === sent.id)).toMatchObject({ from: 'alice', to: 'bob', text: 'while you were away', seq: 1 });
    await bob.send({ kind: 'ack', from: '', to: 'alice', group: false, epoch: 5, upTo: 1, ranges: [] });
    await barrier(bob, 1);
    expect(bob.pending('chat').filter((m) => m.id === sent.id)).toHaveLength(0); // once

    expect(await alice.next('receipt')).toEqual({ kind: 'receipt', id: sent.id, by: 'bob' }); // r2 wrote it, r1 handed it over
    await alice.send({ kind: 'receipt-ack', id: sent.id });
    await until(() => r2.stats().store?.receipts === 0 && r2.stats().store?.stored === 0, 'the receipt and the chat gone, on r2');
    expect(r2.stats().store).toMatchObject({ failed: 0, malformed: 0 });
    expect(errors()).toEqual([]); // none at start either (the cluster's first tick)
  });

  it('a keyless sender online on another relay gets its receipt too (as from a single relay)', async () => {
    const [r1, r2] = await twoRelays();
    const bobKey = newKey();
    await bobBoundAndGone(r2, bobKey, [r1]);
    const [alice] = await registered(r1, 'alice'); // no key
    await until(() => r2.stats().cluster?.remoteContacts === 1, 'r2 to know alice');
    const sent = chat('bob', 'no key here', { epoch: 3, seq: 1, base: 1 });
    await alice!.send(sent);
    await alice!.next('stored');
    const bob = await keyed(r2, 'bob', bobKey);
    await bob.next('chat', (m) => m.id === sent.id);
    await bob.send({ kind: 'ack', from: '', to: 'alice', group: false, epoch: 3, upTo: 1, ranges: [] });
    expect(await alice!.next('receipt')).toEqual({ kind: 'receipt', id: sent.id, by: 'bob' });
    await alice!.send({ kind: 'receipt-ack', id: sent.id });
    await until(() => r2.stats().store?.receipts === 0, 'the receipt gone');
  });

  it('the relay that stored a chat dies after `stored`: the name gets it on another relay', async () => {
    const [r1, r2] = await twoRelays();
    const bobKey = newKey();
    await bobBoundAndGone(r2, bobKey, [r1]);
    const alice = await keyed(r1, 'alice', newKey());
    const sent = chat('bob', 'kept in JetStream', { epoch: 9, seq: 1, base: 1 });
    await alice.send(sent);
    await alice.next('stored'); // only once it is in JetStream
    await crash(r1);
    const bob = await keyed(r2, 'bob', bobKey);
    expect(await bob.next('chat', (m) => m.id === sent.id)).toMatchObject({ from: 'alice', text: 'kept in JetStream' });
  });

  it('a relay program whose NATS server has no JetStream says so in one line and exits 1', async () => {
    const port = await freeTcpPort();
    const plain = spawn(natsServerPath() as string, ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let log = '';
      await new Promise<void>((resolve, reject) => {
        plain.stderr.on('data', (chunk: Buffer) => ((log += chunk.toString()), log.includes('Server is ready') && resolve()));
        plain.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
      });
      const { code, stderr } = await runRelay(['--port', '0', '--ephemeral', '--cluster', `nats://127.0.0.1:${port}`]);
      expect(code).toBe(1);
      const lines = stderr.filter((l) => l.trim());
      expect(lines).toEqual([expect.stringMatching(/^udpchat-relay: cannot open the cluster's store: JetStream is not enabled on the NATS server \(start nats-server with -js\)/)]);
    } finally {
      plain.kill('SIGKILL');
    }
  });
});

describe('a single relay', () => {
  it('loads neither NATS nor the cluster store (only the cluster flags\' checks)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/singleRelayModules.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 20_000 });
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe('DONE');
    const loaded = lines.filter((l) => l.startsWith('LOADED ')).map((l) => l.replace(/^LOADED .*\/dist\//, ''));
    // Resolved once per importer (index.js exports it too); pure (no NATS import); seen here, so the hook sees the cluster folder.
    expect([...new Set(loaded)]).toEqual(['cluster/options.js']);
  });
});

if (missing) it.skip(NATS_MISSING, () => {});

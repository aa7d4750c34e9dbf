/**
 * Cluster tests: a real nats-server (tools/test/natsServer.ts) per test
 * file, relays on 127.0.0.1 port 0 in cluster mode with short test-only
 * timings, and a NATS client that watches subjects (to count publishes).
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll } from 'vitest';
import type { Relay, RelayOptions } from '../../src/index.js';
import type { ClusterOptions } from '../../src/cluster/options.js';
import { testRelay } from './relay.js';
import { until } from './wait.js';

import { natsServerForSuite } from '../../../../tools/test/natsServer.js';

export { NATS_MISSING, natsServerForSuite, natsServerPath, startNatsServer, type NatsServer } from '../../../../tools/test/natsServer.js';

/** Test timings: heartbeat 100 ms, down after 800 ms (a loaded machine's late heartbeat is not an outage), grace 1.5 s (the product's are 1 s, 3 s, 15 s). */
export const FAST: Omit<ClusterOptions, 'url'> = { heartbeatMs: 100, downAfterMs: 800, graceMs: 1500 };

let prefixes = 0;
/** A fresh subject prefix, so that two tests of a file never share a cluster. */
export function freshPrefix(): string {
  prefixes += 1;
  return `t${process.pid}x${prefixes}`;
}

/** A relay of the cluster `prefix` on the NATS server `url` (stopped after the test). */
export function clusterRelay(url: string, prefix: string, relayId: string, options: RelayOptions = {}, cluster: Partial<ClusterOptions> = {}): Promise<Relay> {
  return testRelay({ ...options, cluster: { url, prefix, relayId, ...FAST, ...cluster } });
}

/** Waits until each relay sees the other relays up. */
export async function clusterFormed(relays: readonly Relay[], timeoutMs = 5000): Promise<void> {
  await until(() => relays.every((r) => r.stats().cluster?.peersUp === relays.length - 1), `${relays.length} relays to see each other`, timeoutMs);
}

const watchers: NatsConnection[] = [];
afterAll(async () => {
  await Promise.all(watchers.splice(0).map((nc) => nc.close()));
});

/** Counts the messages on `subject` (a test's own NATS client, closed after the file). */
export async function watchSubject(url: string, subject: string): Promise<{ count(): number; messages: Uint8Array[] }> {
  const nc = await connect({ servers: url });
  watchers.push(nc);
  const messages: Uint8Array[] = [];
  nc.subscribe(subject, { callback: (_err, msg) => messages.push(msg.data) });
  await nc.flush();
  return { count: () => messages.length, messages };
}

/**
 * A real nats-server and one NATS connection to it for the enclosing `describe`: started in its
 * `beforeAll`, closed in its `afterAll` after every store pushed to `stores`. Read `nc` inside tests.
 */
export function natsForSuite(): { readonly nc: NatsConnection; readonly stores: Array<{ close(): void }> } {
  const nats = natsServerForSuite(); // its afterAll runs after the one below
  let nc: NatsConnection | undefined;
  const stores: Array<{ close(): void }> = [];
  beforeAll(async () => {
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    for (const s of stores.splice(0)) s.close();
    await nc?.close();
  });
  return {
    get nc(): NatsConnection {
      if (nc === undefined) throw new Error('natsForSuite: the connection is opened in beforeAll');
      return nc;
    },
    stores,
  };
}

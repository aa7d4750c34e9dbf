/**
 * The RelayStore contract (helpers/storeContract.ts) against both stores:
 * the embedded SQLite store (in memory), and the JetStream store on a real
 * nats-server (each test in its own bucket prefix; every test's data is then
 * read back by a second store opened over the same buckets).
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe } from 'vitest';
import { NATS_MISSING, natsServerPath, startNatsServer, type NatsServer } from '../../../tools/test/natsServer.js';
import { openJetStreamStore, type ClusterStore } from '../src/cluster/store/index.js';
import { openRelayStore } from '../src/store/relayStore.js';
import { openMemoryStore } from '../src/store/memoryStore.js';
import { storeContract } from './helpers/storeContract.js';

storeContract('embedded (SQLite)', { open: () => Promise.resolve(openRelayStore(null)) });
storeContract('in memory (maps)', { open: () => Promise.resolve(openMemoryStore()) });

describe.skipIf(natsServerPath() === undefined)(`JetStream store${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let n = 0;
  const prefixOf = new WeakMap<object, string>();
  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  storeContract('JetStream', {
    async open() {
      const prefix = `contract${++n}`;
      const store = await openJetStreamStore(nc, { prefix });
      prefixOf.set(store, prefix);
      return store;
    },
    async reopen(store) {
      await (store as ClusterStore).settled();
      return openJetStreamStore(nc, { prefix: prefixOf.get(store) as string });
    },
  });
});

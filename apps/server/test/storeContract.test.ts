/**
 * The RelayStore contract (helpers/storeContract.ts) against both stores:
 * the embedded SQLite store (in memory), and the JetStream store on a real
 * nats-server (each test in its own bucket prefix; every test's data is then
 * read back by a second store opened over the same buckets).
 */
import { describe } from 'vitest';
import { NATS_MISSING, natsServerPath } from '../../../tools/test/natsServer.js';
import { openJetStreamStore, type ClusterStore } from '../src/cluster/store/index.js';
import { openRelayStore } from '../src/store/relayStore.js';
import { openMemoryStore } from '../src/store/memoryStore.js';
import { storeContract } from './helpers/storeContract.js';
import { natsForSuite } from './helpers/cluster.js';

storeContract('embedded (SQLite)', { open: () => Promise.resolve(openRelayStore(null)) });
storeContract('in memory (maps)', { open: () => Promise.resolve(openMemoryStore()) });

describe.skipIf(natsServerPath() === undefined)(`JetStream store${natsServerPath() === undefined ? ` (skipped: ${NATS_MISSING})` : ''}`, () => {
  const suite = natsForSuite();
  let n = 0;
  const prefixOf = new WeakMap<object, string>();
  storeContract('JetStream', {
    async open() {
      const prefix = `contract${++n}`;
      const store = await openJetStreamStore(suite.nc, { prefix });
      prefixOf.set(store, prefix);
      return store;
    },
    async reopen(store) {
      await (store as ClusterStore).settled();
      return openJetStreamStore(suite.nc, { prefix: prefixOf.get(store) as string });
    },
  });
});

/**
 * A real nats-server for cluster tests: the launcher lives beside the cluster
 * benchmark (apps/server/bench/natsServer.ts, which `pnpm bench cluster` uses
 * too); tests import it from here.
 */
export * from '../../apps/server/bench/natsServer.js';

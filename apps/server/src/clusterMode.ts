/**
 * Cluster mode's start (issue 14): joins the cluster over NATS
 * (cluster/driver.ts), then opens the relay's store over that connection's
 * JetStream (cluster/store/, CLUSTER-STORE.md) in place of the embedded
 * SQLite store, and wraps the relay's datagram sink so that `stored` goes
 * out only once its chat is in JetStream (`durableStoredSink`). Only
 * relay.ts imports this module, lazily, with `options.cluster`: a single
 * relay never loads NATS or the JetStream store.
 */
import type { Logger } from 'pino';
import type { DatagramSink } from './io/socket.js';
import { joinCluster, type ClusterDriverDeps, type ClusterHandle } from './cluster/driver.js';
import { ClusterStartError, type ResolvedClusterOptions } from './cluster/options.js';
import { durableStoredSink, openJetStreamStore, type ClusterStore, type HeldStats } from './cluster/store/index.js';

/** A relay's cluster membership and its store in JetStream. */
export interface ClusterMode {
  readonly cluster: ClusterHandle;
  readonly store: ClusterStore;
  /** The relay core's `out`: the socket, holding each `stored` until its chat is in JetStream. */
  readonly out: DatagramSink;
  /** What `out` held back so far. */
  readonly held: HeldStats;
  /** Resolves once the store's writes asked for so far have ended, or after `ms` at the latest. Never rejects. */
  settle(ms: number): Promise<void>;
}

/**
 * Joins the cluster and opens its store.
 * @throws ClusterStartError (as a rejection, one sentence for the operator) when NATS is not reachable,
 *   or when the JetStream store cannot be opened (JetStream off, not answering, a bucket not loaded in time);
 *   the NATS connection is closed then.
 */
export async function startClusterMode(options: ResolvedClusterOptions, deps: ClusterDriverDeps & { readonly socket: DatagramSink; readonly log: Logger }): Promise<ClusterMode> {
  const cluster = await joinCluster(options, deps);
  let store: ClusterStore;
  try {
    store = await openJetStreamStore(cluster.connection, { prefix: options.prefix, logger: deps.log });
  } catch (err) {
    await cluster.close();
    throw new ClusterStartError(`cannot open the cluster's store: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out = durableStoredSink(deps.socket, store, deps.log);
  return {
    cluster,
    store,
    out,
    held: out.held,
    settle: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        store.settled().then(done, done);
      }),
  };
}

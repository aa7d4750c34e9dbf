/**
 * The cluster's NATS driver: one connection per relay (`nats` 2.x), the
 * subscriptions (`<prefix>.presence`, `<prefix>.group`,
 * `<prefix>.relay.<id>`), the tick timer, and the connection's status in
 * the log. Everything else is the cluster core's (clusterCore.ts). Only
 * relay.ts imports this module, lazily, in cluster mode: a single relay
 * never loads NATS.
 *
 * NATS at start: the first connection must succeed within
 * `connectTimeoutMs`, else `ClusterStartError` (the program says so in one
 * line and exits 1: a typo in the URL, or NATS not running, is seen at once;
 * a supervisor restarts it). NATS lost while running: logged; the relay
 * keeps serving its own users; the client reconnects for ever (every
 * `RECONNECT_WAIT_MS`) and then the core asks every relay for its users again.
 */
import { connect, Events, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from 'pino';
import type { ClusterStats } from '../observe/stats.js';
import type { ClusterAttachment, RouterContext } from '../rules/context.js';
import { createClusterCore, type ClusterCore } from './clusterCore.js';
import { ClusterStartError, clusterSubjects, type ResolvedClusterOptions } from './options.js';

/** Wait between reconnection attempts, ms. */
const RECONNECT_WAIT_MS = 500;
/** How long `leave` waits for NATS to confirm the last messages, ms. */
const LEAVE_FLUSH_MS = 300;
/** How long `close` waits for the connection to close, ms. */
const CLOSE_WAIT_MS = 200;

/** A relay's membership of its cluster. */
export interface ClusterHandle {
  readonly relayId: string;
  /** The NATS connection (for the JetStream store, in cluster mode). */
  readonly connection: NatsConnection;
  /** The relay core's `cluster` option. */
  attach(ctx: RouterContext): ClusterAttachment;
  /** Subscribes and starts the timer (after `attach`). */
  start(): void;
  stats(): ClusterStats;
  /** Tells the others this relay's users are moving, and waits (bounded) for NATS to have it. Stops the timer. */
  leave(reason: string): Promise<void>;
  /** Closes the connection (bounded). */
  close(): Promise<void>;
}

/** What the driver needs of the relay. */
export interface ClusterDriverDeps {
  readonly log: Logger;
  /** The relay's monotonic clock, ms. */
  readonly now: () => number;
  /** After a cluster message or tick changed something: the relay arms its timer. */
  readonly onChange: () => void;
}

/** Resolves within `ms` at the latest, never rejects. */
function within(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/**
 * Connects to NATS.
 * @throws ClusterStartError (as a rejection) when NATS cannot be reached within `connectTimeoutMs`.
 */
export async function joinCluster(options: ResolvedClusterOptions, deps: ClusterDriverDeps): Promise<ClusterHandle> {
  const { log } = deps;
  const url = options.servers.join(',');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers,
      name: `udpchat-relay ${options.relayId}`,
      noEcho: true, // a relay never needs its own messages back
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: RECONNECT_WAIT_MS,
      timeout: options.connectTimeoutMs,
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ClusterStartError(`cannot join the cluster: NATS at ${url} is not reachable (${why})`);
  }
  const subjects = clusterSubjects(options.prefix);
  const core: ClusterCore = createClusterCore({
    relayId: options.relayId,
    subjects,
    heartbeatMs: options.heartbeatMs,
    downAfterMs: options.downAfterMs,
    graceMs: options.graceMs,
    now: deps.now,
    log,
    onChange: deps.onChange,
    bus: {
      publish(subject, data) {
        try {
          nc.publish(subject, data);
        } catch (err) {
          log.warn({ err, subject }, 'cluster publish failed');
        }
      },
    },
  });
  const subscriptions: Subscription[] = [];
  let timer: NodeJS.Timeout | undefined;

  const watchStatus = async (): Promise<void> => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        core.disconnected();
        log.warn({ nats: url }, 'NATS connection lost: serving local users, reconnecting');
      } else if (status.type === Events.Reconnect) {
        log.info({ nats: url }, 'NATS connection back: resyncing the cluster');
        core.connected();
      } else if (status.type === Events.Error) {
        log.warn({ nats: url, error: String(status.data) }, 'NATS error');
      }
    }
  };

  return {
    relayId: options.relayId,
    connection: nc,
    attach: (ctx) => core.attach(ctx),
    start() {
      for (const subject of [subjects.presence, subjects.group, subjects.relay(options.relayId)]) {
        subscriptions.push(nc.subscribe(subject, { callback: (err, msg) => (err ? log.warn({ err, subject }, 'NATS subscription error') : core.receive(msg.subject, msg.data)) }));
      }
      void watchStatus().catch((err: unknown) => log.warn({ err }, 'NATS status watch ended'));
      timer = setInterval(() => core.tick(), Math.max(10, Math.floor(options.heartbeatMs / 2)));
      timer.unref();
      core.connected();
      log.info({ relayId: options.relayId, nats: url, prefix: options.prefix }, 'cluster joined');
    },
    stats: () => core.stats(),
    async leave(reason) {
      clearInterval(timer);
      core.leave(reason);
      await within(nc.flush(), LEAVE_FLUSH_MS);
      log.info({ relayId: options.relayId, reason }, 'cluster left: the other relays take our users as moving');
    },
    async close() {
      clearInterval(timer);
      await within(nc.close(), CLOSE_WAIT_MS);
    },
  };
}

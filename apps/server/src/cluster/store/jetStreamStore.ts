/**
 * The relay's store in cluster mode, on NATS JetStream (issue 14,
 * packages/protocol/CLUSTER-STORE.md): the synchronous `RelayStore` the
 * relay's rules call, served from in-memory mirrors of three KV buckets
 * (names, stored chats, receipts) that are loaded completely before
 * `openJetStreamStore` resolves and kept current by KV watchers. A mutation
 * changes the mirror at once and is written to JetStream behind it; a write
 * that fails is logged, counted and tried again while that is safe (every
 * write is a create, a put, or a delete at an expected revision: doing it
 * twice changes nothing), never thrown into the relay's receive path.
 *
 * Consistency: another relay's mirror has a write when its watcher gets it
 * (a few ms on one machine: CLUSTER-STORE.md has the measured figures); two
 * relays binding one name at once both see their own binding until JetStream
 * has decided (first writer wins), then the loser's mirror takes the
 * winner's and reports `conflict`. Bounds are checked against the mirror, so
 * two relays storing for one recipient at the same moment may pass a bound
 * by the chats in flight between them.
 */
import { ErrorCode, NatsError, type NatsConnection } from 'nats';
import { pino } from 'pino';
import type { Receipt } from '../../store/relayStore.js';
import { bucketNames } from './keys.js';
import type { MirrorControl } from './kvMirror.js';
import { NameBindings } from './names.js';
import { OfflineChats } from './offline.js';
import { Receipts } from './receipts.js';
import type { ClusterStore, ClusterStoreStats, JetStreamStoreOptions, StoreChange } from './types.js';


/** One sentence for an error at the opening of the buckets (nats.js says only "503" when JetStream is off). */
function openingError(error: unknown, prefix: string): Error {
  if (error instanceof NatsError && (error.code === ErrorCode.JetStreamNotEnabled || error.api_error?.code === 503)) {
    return new Error(`JetStream is not enabled on the NATS server (start nats-server with -js): the ${prefix}_* buckets cannot be opened`);
  }
  if (error instanceof NatsError && error.code === ErrorCode.Timeout) {
    return new Error(`JetStream did not answer in time: the ${prefix}_* buckets cannot be opened`);
  }
  return new Error(`the JetStream store (${prefix}_*) cannot be opened: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Opens the store over `nc`'s JetStream, creating the buckets when missing
 * (file storage), and resolves once all three are loaded.
 * @throws Error (one sentence, for the operator) when JetStream is not enabled or does not answer, or a bucket is not loaded within `loadTimeoutMs`.
 */
export async function openJetStreamStore(nc: NatsConnection, options: JetStreamStoreOptions = {}): Promise<ClusterStore> {
  const prefix = options.prefix ?? 'udpchat';
  const buckets = bucketNames(prefix);
  const logger = options.logger ?? pino({ level: 'silent' });
  const js = nc.jetstream({ timeout: options.timeoutMs ?? 5000 });
  const listeners = new Set<(change: StoreChange) => void>();
  let loaded = false;
  const emit = (change: StoreChange) => {
    if (!loaded) return;
    for (const l of [...listeners]) {
      try {
        l(change);
      } catch (error) {
        logger.error({ err: String(error), change: change.type }, 'JetStream store: a change listener threw');
      }
    }
  };
  const common = { js, logger, replicas: options.replicas ?? 1, timeoutMs: options.timeoutMs ?? 5000 };
  const names = new NameBindings({ ...common, bucket: buckets.names }, emit);
  const chats = new OfflineChats({ ...common, bucket: buckets.offline }, emit);
  const receipts = new Receipts({ ...common, bucket: buckets.receipts }, emit);
  const mirrors: MirrorControl[] = [names.mirror, chats.mirror, receipts.mirror];
  const stopAll = () => mirrors.forEach((m) => m.stop());
  try {
    await Promise.all(mirrors.map((m) => m.start(options.loadTimeoutMs ?? 30_000)));
  } catch (error) {
    stopAll();
    throw openingError(error, prefix);
  }
  loaded = true;

  // After a reconnect (nats-server restarted) the watchers' consumers may be gone: watch again from where each got to.
  let closed = false;
  void (async () => {
    for await (const s of nc.status()) {
      if (closed) break;
      if (s.type === 'reconnect') {
        logger.info({ prefix }, 'JetStream store: NATS reconnected, watching again');
        await Promise.all(mirrors.map((m) => m.resume()));
      }
    }
  })().catch(() => undefined);

  const jsm = await nc.jetstreamManager({ timeout: options.timeoutMs ?? 5000 });
  const markerAgeMs = options.markerAgeMs ?? 3600_000;
  let lastCompact = Number.NEGATIVE_INFINITY;
  let compacting: Promise<unknown> = Promise.resolve();
  const compact = (now: number) => {
    if (now - lastCompact < markerAgeMs) return;
    lastCompact = now;
    compacting = Promise.all(
      mirrors.map((m) => {
        const stream = `KV_${m.bucket}`;
        return m
          .compact(async (filter, seq) => void (await jsm.streams.purge(stream, { filter, seq })), now - markerAgeMs)
          .catch((error: unknown) => logger.warn({ stream, err: String(error) }, 'JetStream store: removing old delete markers failed'));
      }),
    );
  };

  return {
    file: `jetstream:${prefix}`,
    binding: (key) => names.binding(key),
    bind: (name, key, publicKey, now) => names.bind(name, key, publicKey, now),
    bindings: () => names.bindings(),
    release(key) {
      chats.removeFor(key);
      receipts.removeFor(key);
      return names.release(key);
    },
    usage: (recipientKey) => chats.usage(recipientKey),
    isStored: (recipientKey, id) => chats.isStored(recipientKey, id),
    storeChat: (chat, now) => chats.store(chat, now),
    storedFor: (recipientKey) => chats.storedFor(recipientKey),
    acknowledged(rows: readonly number[], added: readonly Receipt[]) {
      // The receipts first: a relay that dies in between has a chat delivered twice (deduplicated), never a receipt lost.
      const written = receipts.add(added);
      chats.remove(rows, written);
    },
    receiptsFor: (senderKey) => receipts.for(senderKey),
    dropReceipt: (senderKey, id) => receipts.drop(senderKey, id),
    expire(before) {
      const n = chats.expire(before) + receipts.expire(before);
      compact(Date.now());
      return n;
    },
    counts: () => ({ bindings: names.size, stored: chats.size, receipts: receipts.size }),
    close() {
      closed = true;
      stopAll();
      const pending = mirrors.reduce((n, m) => n + m.pending, 0);
      if (pending > 0) logger.warn({ pending }, 'JetStream store closed with writes not yet acknowledged (they go on while NATS is connected)');
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    chatWritten: (recipientKey, id) => chats.written(recipientKey, id),
    async settled() {
      await Promise.all(mirrors.map((m) => m.settled()));
      await compacting;
    },
    stats(): ClusterStoreStats {
      const sum = (f: (m: MirrorControl) => number) => mirrors.reduce((n, m) => n + f(m), 0);
      return {
        writes: sum((m) => m.counters.writes),
        retries: sum((m) => m.counters.retries),
        lost: sum((m) => m.counters.lost),
        failed: sum((m) => m.counters.failed),
        malformed: sum((m) => m.counters.malformed),
        pending: sum((m) => m.pending),
      };
    },
  };
}

/**
 * An in-memory mirror of one KV bucket, for a synchronous store over
 * JetStream: the view a relay reads is the bucket as its watcher has seen it
 * (`confirmed`), overlaid by this relay's own writes that are not settled yet
 * (read your writes). A local write changes the view at once and goes to
 * JetStream behind it (one key's writes in order, a transient failure
 * retried with backoff); it settles when the watcher has passed its
 * revision, or at once when it lost (first writer wins: the view then shows
 * the winner). Every change of the view is reported to `onView`, with
 * `remote` true when it did not come from a local write (another relay's
 * write, or a local write that lost).
 */
import { StorageType, type KV, type KvEntry, type QueuedIterator } from 'nats';
import { openBucket } from './openBucket.js';
import { writeOnce, type WriteOp, type WriteResult, type WriteTarget } from './kvWrite.js';
import type { MirrorControl, MirrorEntry, MirrorOptions, WriteCounters, WriteOutcome } from './mirrorTypes.js';

export type { MirrorControl, MirrorEntry, MirrorHooks, MirrorOptions, WriteCounters, WriteOutcome } from './mirrorTypes.js';

interface Overlay<V> {
  readonly entry: MirrorEntry<V> | undefined;
  readonly op: number;
  /** The revision the watcher must pass before the view goes back to `confirmed` (set once the write has ended). */
  settleAt?: number;
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

/** The mirror of one bucket (see the top of this file). */
export class KvMirror<V> implements MirrorControl {
  private readonly confirmed = new Map<string, { value: V; revision: number }>();
  private readonly overlay = new Map<string, Overlay<V>>();
  /** Revisions of the delete markers seen, for `compact`. */
  private readonly tombstones = new Map<string, { revision: number; at: number }>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly ownRevision = new Map<string, number>();
  private kv: KV | undefined;
  private iterator: QueuedIterator<KvEntry> | undefined;
  private position = 0;
  private nextOp = 1;
  private stopped = false;
  private resuming: Promise<void> | undefined;
  readonly counters: WriteCounters = { writes: 0, retries: 0, lost: 0, failed: 0, malformed: 0 };

  constructor(private readonly o: MirrorOptions<V>) {}

  /** Creates the bucket if missing (file storage, history 1; openBucket.ts: retried when another relay creates it at the same moment) and loads it all; resolves once the view holds every key. */
  async start(loadTimeoutMs: number): Promise<void> {
    this.kv = await openBucket(this.o.js, this.o.bucket, { history: 1, storage: StorageType.File, replicas: this.o.replicas, timeout: this.o.timeoutMs });
    const last = (await this.kv.status()).streamInfo.state.last_seq;
    let loaded!: () => void;
    const done = new Promise<void>((resolve) => (loaded = resolve));
    const check = () => {
      if (this.position >= last) loaded();
    };
    await this.watch(check, loaded); // loaded when nats.js says so, or when the last revision at start is in
    check();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bucket ${this.o.bucket} was not loaded in ${loadTimeoutMs} ms (at revision ${this.position} of ${last})`)), loadTimeoutMs);
    });
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts watching after the last revision seen (the whole bucket the first
   * time); `seen` runs after each entry, `initialized` once the values there
   * at the start are in. A watcher that ends by itself is started again 1 s later.
   */
  private async watch(seen?: () => void, initialized?: () => void): Promise<void> {
    const kv = this.kv;
    if (!kv || this.stopped) return;
    const from = this.position > 0 ? { resumeFromRevision: this.position + 1 } : {};
    const iterator = await kv.watch({ ...from, ...(initialized ? { initializedFn: initialized } : {}) });
    this.iterator = iterator;
    void (async () => {
      for await (const e of iterator) {
        this.apply(e);
        seen?.();
      }
    })()
      .catch((error: unknown) => this.o.logger.warn({ bucket: this.o.bucket, err: String(error) }, 'JetStream store: watcher stopped'))
      .finally(() => {
        if (this.stopped || this.iterator !== iterator) return;
        setTimeout(() => void this.resume(), 1000).unref();
      });
  }

  /** Watches again from the last revision seen (after a reconnect: the old watcher's consumer may be gone with the server). */
  resume(): Promise<void> {
    this.resuming ??= (async () => {
      if (this.stopped) return;
      const old = this.iterator;
      this.iterator = undefined;
      old?.stop();
      try {
        await this.watch();
      } catch (error) {
        this.o.logger.warn({ bucket: this.o.bucket, err: String(error) }, 'JetStream store: watching again failed, trying in 1 s');
        setTimeout(() => void this.resume(), 1000).unref();
      }
    })().finally(() => (this.resuming = undefined));
    return this.resuming;
  }

  private apply(e: KvEntry): void {
    if (e.revision <= this.position) return; // seen (a resumed watcher starts again where the old one may have got to)
    this.position = e.revision;
    const key = e.key;
    const before = this.get(key);
    if (e.operation === 'PUT') {
      const value = this.o.hooks.decode(e.value);
      if (value === undefined) {
        this.counters.malformed++;
        this.o.logger.warn({ bucket: this.o.bucket, key, revision: e.revision }, 'JetStream store: malformed entry skipped');
        this.confirmed.delete(key);
      } else this.confirmed.set(key, { value, revision: e.revision });
      this.tombstones.delete(key);
    } else {
      this.confirmed.delete(key);
      this.tombstones.set(key, { revision: e.revision, at: e.created.getTime() });
    }
    const own = this.ownRevision.get(key);
    if (own !== undefined && own <= e.revision) this.ownRevision.delete(key); // the watcher knows as much now
    const o = this.overlay.get(key);
    if (o?.settleAt !== undefined && o.settleAt <= e.revision) this.overlay.delete(key);
    this.report(key, before, this.get(key), true);
  }

  private report(key: string, before: MirrorEntry<V> | undefined, after: MirrorEntry<V> | undefined, remote: boolean): void {
    if (before === after) return;
    if (before && after && before.revision === after.revision && (before.value === after.value || this.same(before.value, after.value))) return;
    this.o.hooks.onView(key, before, after, remote);
  }

  private same(a: V, b: V): boolean {
    return Buffer.compare(this.o.hooks.encode(a), this.o.hooks.encode(b)) === 0;
  }

  /** The view of `key`. */
  get(key: string): MirrorEntry<V> | undefined {
    const o = this.overlay.get(key);
    if (o) return o.entry;
    return this.confirmed.get(key);
  }

  /** Every key of the view with its entry. */
  *entries(): IterableIterator<[string, MirrorEntry<V>]> {
    for (const [key, o] of this.overlay) if (o.entry) yield [key, o.entry];
    for (const [key, e] of this.confirmed) if (!this.overlay.has(key)) yield [key, e];
  }

  /** Creates `key` (first writer wins): the view has it at once; when another relay's value was there first, the view takes that one. */
  create(key: string, value: V): Promise<WriteOutcome> {
    return this.write(key, { value, revision: undefined }, { kind: 'create', bytes: this.o.hooks.encode(value) });
  }

  /** Sets `key` to `value`. */
  put(key: string, value: V): Promise<WriteOutcome> {
    return this.write(key, { value, revision: undefined }, { kind: 'put', bytes: this.o.hooks.encode(value) });
  }

  /**
   * Deletes `key` if it is still at the revision this relay knows (a newer
   * value written meanwhile elsewhere stays); in JetStream only once `after`
   * has ended (the view has it deleted at once).
   */
  delete(key: string, after?: Promise<unknown>): Promise<WriteOutcome> {
    return this.write(key, undefined, undefined, after);
  }

  /**
   * Applies a write to the view now and queues it behind the key's other writes.
   * @returns a promise of how it ended.
   */
  private write(key: string, entry: MirrorEntry<V> | undefined, op: WriteOp | undefined, after?: Promise<unknown>): Promise<WriteOutcome> {
    this.counters.writes++;
    const id = this.nextOp++;
    const before = this.get(key);
    this.overlay.set(key, { entry, op: id });
    this.report(key, before, entry, false);
    const previous = Promise.all([this.chains.get(key), after?.catch(() => undefined)]);
    const run = previous.then(() => this.execute(key, id, op));
    const tail = run.then(() => undefined);
    this.chains.set(key, tail);
    this.inflight.add(tail);
    void tail.then(() => {
      this.inflight.delete(tail);
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  private async execute(key: string, id: number, given: WriteOp | undefined): Promise<WriteOutcome> {
    const t: WriteTarget = { js: this.o.js, kv: this.kv as KV, bucket: this.o.bucket, timeoutMs: this.o.timeoutMs };
    let result: WriteResult;
    if (given === undefined) {
      const expected = Math.max(this.confirmed.get(key)?.revision ?? 0, this.ownRevision.get(key) ?? 0);
      if (expected === 0 || (this.tombstones.get(key)?.revision ?? 0) >= expected) {
        this.ended(key, id, this.position);
        return 'none'; // nothing there to delete (a write before lost, or it is deleted already)
      }
      given = { kind: 'delete', expected };
    }
    for (let delay = RETRY_FIRST_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      result = await writeOnce(t, key, given);
      if (result.status !== 'failed' || !result.transient || this.stopped) break;
      this.counters.retries++;
      this.o.logger.warn({ bucket: this.o.bucket, key, op: given.kind, err: result.error.message, retryInMs: delay }, 'JetStream store: write failed, trying again');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    if (result.status === 'done') {
      this.ownRevision.set(key, result.revision);
      const o = this.overlay.get(key);
      if (o?.op === id && o.entry) {
        const before = o.entry;
        const entry = { value: o.entry.value, revision: result.revision };
        this.overlay.set(key, { entry, op: id });
        this.report(key, before, entry, false);
      }
      this.ended(key, id, result.revision);
      return 'done';
    }
    if (result.status === 'lost') {
      this.counters.lost++;
      this.o.logger.info({ bucket: this.o.bucket, key, op: given.kind, revision: result.revision }, 'JetStream store: another relay wrote first');
      this.ended(key, id, result.revision);
      return 'lost';
    }
    this.counters.failed++;
    this.o.logger.error({ bucket: this.o.bucket, key, op: given.kind, err: result.error.message }, 'JetStream store: write failed for good');
    this.ended(key, id, this.position);
    return 'failed';
  }

  /** The write `id` on `key` ended: its overlay (if still the latest) settles once the watcher has passed `revision`. */
  private ended(key: string, id: number, revision: number): void {
    const o = this.overlay.get(key);
    if (o?.op !== id) return; // a later write of this key settles it
    if (revision > this.position) {
      o.settleAt = revision;
      return;
    }
    this.overlay.delete(key);
    this.report(key, o.entry, this.get(key), true);
  }

  /** Resolves when every write asked for so far has ended (acknowledged, lost or failed). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  /** Writes not ended yet. */
  get pending(): number {
    return this.inflight.size;
  }

  /** The bucket's name. */
  get bucket(): string {
    return this.o.bucket;
  }

  /** The revision of the last entry the watcher delivered. */
  get revision(): number {
    return this.position;
  }

  /**
   * Removes from the bucket's stream the delete markers older than `before`
   * (ms since the epoch) that this relay has seen, so that deleted entries
   * do not pile up; a marker's key written again since is left alone.
   * @returns how many were removed.
   */
  async compact(jsmPurge: (filter: string, seq: number) => Promise<void>, before: number): Promise<number> {
    let n = 0;
    for (const [key, t] of [...this.tombstones]) {
      if (t.at >= before) continue;
      await jsmPurge(`$KV.${this.o.bucket}.${key}`, t.revision + 1);
      if (this.tombstones.get(key) === t) this.tombstones.delete(key);
      n++;
    }
    return n;
  }

  /** Stops watching; writes still queued end at their next failure (counted as failed). */
  stop(): void {
    this.stopped = true;
    this.iterator?.stop();
  }
}

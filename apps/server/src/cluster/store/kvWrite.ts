/**
 * One write to a KV bucket's stream, done by hand (`js.publish` on the
 * bucket's subject, as nats.js's own `kv.put`/`kv.delete` do) so that every
 * write, deletes included, returns its revision (the stream sequence) and
 * may carry the expected last revision of its key (compare and set):
 *
 * - `create`: only when the key has no value (never written, or deleted):
 *   first writer wins across the cluster.
 * - `put`: whatever is there.
 * - `delete`: only when the key is still at `expected` (so that a late
 *   delete — a second relay expiring or acknowledging the same entry —
 *   never deletes a newer value of the key).
 */
import { ErrorCode, headers, NatsError, type JetStreamClient, type KV } from 'nats';

/** What a write is: a create (first writer wins), a put, or a delete at an expected revision. */
export type WriteOp =
  | { readonly kind: 'create'; readonly bytes: Uint8Array }
  | { readonly kind: 'put'; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly expected: number };

/** How a write ended: done at `revision`, lost (the key was not as expected; `revision` is its current one, 0 when gone), or failed. */
export type WriteResult =
  | { readonly status: 'done'; readonly revision: number }
  | { readonly status: 'lost'; readonly revision: number }
  | { readonly status: 'failed'; readonly error: Error; readonly transient: boolean };

const isNatsError = (error: unknown): error is NatsError => error instanceof NatsError;

/** JetStream's error for a publish whose expected last subject sequence is not the subject's (`JSStreamWrongLastSequenceErrF`). */
const WRONG_LAST_SEQUENCE = 10071;
const KV_OPERATION = 'KV-Operation';

/** Whether `error` may pass if tried again (no answer in time, no JetStream yet, a reconnect), not a refusal. */
export function isTransient(error: unknown): boolean {
  if (!isNatsError(error)) return false;
  if (error.api_error) return error.api_error.code === 503; // JetStream not ready (restarting)
  return [ErrorCode.Timeout, ErrorCode.NoResponders, ErrorCode.Disconnect, ErrorCode.ConnectionRefused, ErrorCode.ConnectionTimeout].includes(
    error.code as ErrorCode,
  );
}

const wrongSequence = (error: unknown): boolean => isNatsError(error) && error.api_error?.err_code === WRONG_LAST_SEQUENCE;

function asError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  if (isNatsError(error) && error.api_error?.description) return new Error(`${error.api_error.description} (${error.api_error.err_code})`);
  return error;
}

/** A bucket to write to: its JetStream client, its KV view (to read a key's last entry) and its name. */
export interface WriteTarget {
  readonly js: JetStreamClient;
  readonly kv: KV;
  readonly bucket: string;
  /** ms to wait for the PubAck. */
  readonly timeoutMs: number;
}

async function publish(t: WriteTarget, key: string, bytes: Uint8Array, expected: number | undefined, del: boolean): Promise<number> {
  const h = headers();
  if (del) h.set(KV_OPERATION, 'DEL');
  const expect = expected === undefined ? {} : { lastSubjectSequence: expected };
  const ack = await t.js.publish(`$KV.${t.bucket}.${key}`, bytes, { headers: h, expect, timeout: t.timeoutMs });
  return ack.seq;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Writes `op` to `key` once (no retry: the caller retries a transient failure).
 * A create whose key holds exactly these bytes already is done (a retry of a
 * create that landed, or the same value from another relay).
 */
export async function writeOnce(t: WriteTarget, key: string, op: WriteOp): Promise<WriteResult> {
  try {
    if (op.kind === 'put') return { status: 'done', revision: await publish(t, key, op.bytes, undefined, false) };
    if (op.kind === 'delete') return { status: 'done', revision: await publish(t, key, new Uint8Array(0), op.expected, true) };
    try {
      return { status: 'done', revision: await publish(t, key, op.bytes, 0, false) };
    } catch (error) {
      if (!wrongSequence(error)) throw error;
    }
    const last = await t.kv.get(key);
    if (last && last.operation === 'PUT') return sameBytes(last.value, op.bytes) ? { status: 'done', revision: last.revision } : { status: 'lost', revision: last.revision };
    return { status: 'done', revision: await publish(t, key, op.bytes, last?.revision ?? 0, false) }; // deleted: create over the tombstone
  } catch (error) {
    if (wrongSequence(error)) {
      const last = await t.kv.get(key).catch(() => null);
      return { status: 'lost', revision: last?.revision ?? 0 };
    }
    return { status: 'failed', error: asError(error), transient: isTransient(error) };
  }
}

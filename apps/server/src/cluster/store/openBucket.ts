/**
 * Opening a KV bucket, creating it when missing, when several relays may do
 * so at the same moment (a cluster started at once).
 */
import { ErrorCode, NatsError, type JetStreamClient, type KV, type KvOptions } from 'nats';

/** How many times a bucket is asked for before its error is given up on. */
export const OPEN_ATTEMPTS = 5;
/** The wait before the second attempt, in ms; doubled before each further one (50, 100, 200, 400). */
const FIRST_RETRY_MS = 50;

/** Errors that another attempt will not change: JetStream off (503), or no answer within the timeout. */
function isFinal(error: unknown): boolean {
  return error instanceof NatsError && (error.code === ErrorCode.JetStreamNotEnabled || error.api_error?.code === 503 || error.code === ErrorCode.Timeout);
}

/**
 * `js.views.kv(bucket, options)`, tried again when it fails for another reason
 * than JetStream being off or not answering. Two relays creating the same
 * bucket at once can both see it missing; the server then refuses the loser's
 * stream ("subjects overlap with an existing stream", "invalid stream": seen
 * with nats-server 2.9; nats-server#4600 fixed one form of it in 2.10), and the
 * loser's next attempt finds the bucket and binds to it.
 * @throws the last error after OPEN_ATTEMPTS attempts (about 0.75 s of waits), or a final one at once.
 */
export async function openBucket(js: JetStreamClient, bucket: string, options: Partial<KvOptions>): Promise<KV> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await js.views.kv(bucket, options);
    } catch (error) {
      if (attempt >= OPEN_ATTEMPTS || isFinal(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)));
    }
  }
}

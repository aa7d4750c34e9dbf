/**
 * Names of the JetStream store's buckets and of the keys in them. A KV key
 * may only hold `[-/_=.a-zA-Z0-9]` and `.` separates tokens, so every part
 * taken from users (a `nameKey` — NFC, lower-cased, any script — or a
 * message id) is written in base64url (RFC 4648 §5, no padding) and the
 * parts are joined with `.`.
 */

/** The buckets of one cluster (prefix `udpchat`: `udpchat_names`, `udpchat_offline`, `udpchat_receipts`). */
export interface BucketNames {
  /** name key → binding (first writer wins: `create`). */
  readonly names: string;
  /** `<recipient>.<id>` → stored chat (one id at most once per recipient: `create`). */
  readonly offline: string;
  /** `<sender>.<id>` → receipt. */
  readonly receipts: string;
}

/** What a cluster prefix may hold: it becomes part of bucket (stream) names. */
const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The buckets for `prefix`.
 * @throws Error when the prefix is not 1–32 of `[A-Za-z0-9_-]`.
 */
export function bucketNames(prefix: string): BucketNames {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`cluster prefix ${JSON.stringify(prefix)} may only hold 1 to 32 letters, digits, _ and -`);
  return { names: `${prefix}_names`, offline: `${prefix}_offline`, receipts: `${prefix}_receipts` };
}

/** `text` as base64url of its UTF-8 (a KV key token; never empty for a non-empty text). */
export function encodePart(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The text of a base64url key token. */
export function decodePart(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** The names bucket's key of `nameKey`. */
export const nameEntryKey = (nameKey: string): string => encodePart(nameKey);

/** The offline bucket's key of chat `id` stored for `recipientKey`. */
export const chatEntryKey = (recipientKey: string, id: string): string => `${encodePart(recipientKey)}.${encodePart(id)}`;

/** The receipts bucket's key of the receipt of `id` for `senderKey`. */
export const receiptEntryKey = (senderKey: string, id: string): string => `${encodePart(senderKey)}.${encodePart(id)}`;

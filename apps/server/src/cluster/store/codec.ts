/**
 * The values of the JetStream store's buckets: UTF-8 JSON, one object per
 * entry (packages/protocol/CLUSTER-STORE.md). Decoding checks every field's
 * type and returns undefined for anything else (an entry written by
 * something that is not a relay of this version is skipped, not trusted).
 */
import type { Binding, Receipt, StoredChat } from '../../store/relayStore.js';

/** A stored chat as kept in the bucket: its row is the entry's revision, not part of the value. */
export type ChatValue = Omit<StoredChat, 'row'>;

const text = new TextEncoder();
const json = (value: unknown): Uint8Array => text.encode(JSON.stringify(value));

function parse(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A binding's value: `{name, key, publicKey (base64, 32 bytes), boundAt}`. */
export function encodeBinding(b: Binding): Uint8Array {
  return json({ name: b.name, key: b.key, publicKey: Buffer.from(b.publicKey).toString('base64'), boundAt: b.boundAt });
}

/** The binding in `bytes`, or undefined when malformed. */
export function decodeBinding(bytes: Uint8Array): Binding | undefined {
  const v = parse(bytes);
  if (!v || !isString(v.name) || !isString(v.key) || !isString(v.publicKey) || !isNumber(v.boundAt)) return undefined;
  const publicKey = new Uint8Array(Buffer.from(v.publicKey, 'base64'));
  if (publicKey.length !== 32) return undefined;
  return { name: v.name, key: v.key, publicKey, boundAt: v.boundAt };
}

/** A stored chat's value: every field of `StoredChat` but `row`. */
export function encodeChat(c: ChatValue): Uint8Array {
  const { recipientKey, recipient, sender, senderKey, senderKeyed, id, epoch, seq, base, time, text: t, storedAt } = c;
  return json({ recipientKey, recipient, sender, senderKey, senderKeyed, id, epoch, seq, base, time, text: t, storedAt });
}

/** The stored chat in `bytes`, or undefined when malformed. */
export function decodeChat(bytes: Uint8Array): ChatValue | undefined {
  const v = parse(bytes);
  if (!v) return undefined;
  const { recipientKey, recipient, sender, senderKey, senderKeyed, id, epoch, seq, base, time, text: t, storedAt } = v;
  if (![recipientKey, recipient, sender, senderKey, id, t].every(isString) || typeof senderKeyed !== 'boolean') return undefined;
  if (![epoch, seq, base, time, storedAt].every(isNumber)) return undefined;
  return {
    recipientKey: recipientKey as string,
    recipient: recipient as string,
    sender: sender as string,
    senderKey: senderKey as string,
    senderKeyed,
    id: id as string,
    epoch: epoch as number,
    seq: seq as number,
    base: base as number,
    time: time as number,
    text: t as string,
    storedAt: storedAt as number,
  };
}

/** A receipt's value: `{senderKey, id, by, at}`. */
export function encodeReceipt(r: Receipt): Uint8Array {
  return json({ senderKey: r.senderKey, id: r.id, by: r.by, at: r.at });
}

/** The receipt in `bytes`, or undefined when malformed. */
export function decodeReceipt(bytes: Uint8Array): Receipt | undefined {
  const v = parse(bytes);
  if (!v || !isString(v.senderKey) || !isString(v.id) || !isString(v.by) || !isNumber(v.at)) return undefined;
  return { senderKey: v.senderKey, id: v.id, by: v.by, at: v.at };
}

/**
 * The relay ↔ relay control messages (CLUSTER.md "Messages"): JSON objects,
 * one per NATS message, with a type `t`. Pure: `encodeControl` and
 * `parseControl` (which checks every field, so that whatever another
 * process publishes under the prefix cannot crash a relay or put garbage in
 * its roster). Routed datagrams are not JSON: see envelope.ts.
 */
import { nameProblem } from '@udpchat/protocol';
import { RELAY_ID_PATTERN } from './options.js';

/** One user in a snapshot: its name and, when it proved one, its Ed25519 public key (base64). */
export interface SnapshotUser {
  readonly name: string;
  readonly key?: string;
}

/** Every control message. `relay` is always the sender's id, `instance` a random id of its process (a restart changes it). */
export type ControlMessage =
  /** Every heartbeat interval on `presence`: alive; `seq` is its last presence change. */
  | { readonly t: 'hb'; readonly relay: string; readonly instance: string; readonly seq: number; readonly users: number }
  /** On `presence` once connected (again): the others answer with their snapshot on `relay.<id>`. */
  | { readonly t: 'hello'; readonly relay: string; readonly instance: string }
  /** On `presence`: a user registered on `relay` (`replaces`: the relay it took the name from: a take-over or a relocation). */
  | { readonly t: 'join'; readonly relay: string; readonly instance: string; readonly seq: number; readonly name: string; readonly key?: string; readonly replaces?: string }
  /** On `presence`: a user left `relay`. */
  | { readonly t: 'leave'; readonly relay: string; readonly instance: string; readonly seq: number; readonly name: string; readonly reason: 'bye' | 'timeout' }
  /** On `presence`: a user of `relay` renamed itself. */
  | { readonly t: 'rename'; readonly relay: string; readonly instance: string; readonly seq: number; readonly from: string; readonly name: string; readonly key?: string }
  /** On `presence`: `relay` stops; its users are moving to other relays. */
  | { readonly t: 'moving'; readonly relay: string; readonly instance: string; readonly reason: string }
  /** On `relay.<id>`: send me your snapshot. */
  | { readonly t: 'sync'; readonly relay: string }
  /** On `relay.<id>`: every user of `relay` now, as of its presence change `seq`. */
  | { readonly t: 'snapshot'; readonly relay: string; readonly instance: string; readonly seq: number; readonly users: readonly SnapshotUser[] }
  /** On `relay.<id>`: `relay` takes `name` over (same key, or the user moved there): end your session of it. */
  | { readonly t: 'takeover'; readonly relay: string; readonly name: string };

/** The type names. */
export type ControlType = ControlMessage['t'];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** `message` as the bytes of one NATS message (UTF-8 JSON). */
export function encodeControl(message: ControlMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

type Fields = Record<string, unknown>;

const isRelay = (v: unknown): v is string => typeof v === 'string' && RELAY_ID_PATTERN.test(v);
const isName = (v: unknown): v is string => typeof v === 'string' && !nameProblem(v);
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;
const isInstance = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 64;
const isKey = (v: unknown): boolean => v === undefined || (typeof v === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(v));

/** Whether `f` has the fields every message of type `t` must have, well-formed. */
function valid(f: Fields): boolean {
  if (!isRelay(f.relay)) return false;
  switch (f.t) {
    case 'hb':
      return isInstance(f.instance) && isSeq(f.seq) && isSeq(f.users);
    case 'hello':
      return isInstance(f.instance);
    case 'join':
      return isInstance(f.instance) && isSeq(f.seq) && isName(f.name) && isKey(f.key) && (f.replaces === undefined || isRelay(f.replaces));
    case 'leave':
      return isInstance(f.instance) && isSeq(f.seq) && isName(f.name) && (f.reason === 'bye' || f.reason === 'timeout');
    case 'rename':
      return isInstance(f.instance) && isSeq(f.seq) && isName(f.from) && isName(f.name) && isKey(f.key);
    case 'moving':
      return isInstance(f.instance) && typeof f.reason === 'string' && f.reason.length <= 255;
    case 'sync':
      return true;
    case 'snapshot':
      return isInstance(f.instance) && isSeq(f.seq) && Array.isArray(f.users) && f.users.every((u: unknown) => typeof u === 'object' && u !== null && isName((u as Fields).name) && isKey((u as Fields).key));
    case 'takeover':
      return isName(f.name);
    default:
      return false;
  }
}

/**
 * Reads one control message.
 * @returns the message, or the reason it is not one (not UTF-8 JSON, an unknown type, a missing or malformed field).
 */
export function parseControl(bytes: Uint8Array): { message: ControlMessage } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return { error: 'not UTF-8 JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  const fields = value as Fields;
  if (!valid(fields)) return { error: `not a valid ${typeof fields.t === 'string' ? JSON.stringify(fields.t).slice(0, 20) : 'typed'} message` };
  return { message: fields as unknown as ControlMessage };
}

/** A raw Ed25519 public key as base64 (the `key` fields), or undefined. */
export function keyText(key: Uint8Array | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(key).toString('base64');
}

/** The raw key of a `key` field, or undefined. */
export function keyBytes(text: string | undefined): Uint8Array | undefined {
  return text === undefined ? undefined : new Uint8Array(Buffer.from(text, 'base64'));
}

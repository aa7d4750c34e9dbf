/**
 * Layout of every message kind: the single source of truth that `encode`,
 * `decode` and `encodingLength` all walk (messageCodec.ts). Per kind: its kind
 * byte, its direction, and its fields as `name: codec` in wire order (the
 * order of the keys, which JavaScript keeps for string keys).
 *
 * `Layout<K>` ties the fields to the message interfaces (messages.ts): a
 * field missing, misspelt or given the codec of another type does not compile.
 */
import { CHALLENGE_BYTES, MAX_TEXT_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './constants.js';
import {
  bool,
  contactKind,
  type FieldCodec,
  fixedBytes,
  id,
  leaveReason,
  MAX_ID_BYTES,
  MAX_NAME_BYTES,
  name,
  str16,
  str8,
  token,
  u16,
  u32,
  u64,
} from './fields.js';
import { changes, contacts, errorCode, padding, ranges } from './compoundFields.js';
import type { Message, MessageKind, MessageOf } from './messages.js';

export { MAX_ACK_RANGES, MAX_ID_BYTES, MAX_NAME_BYTES } from './fields.js';

/** Who sends a kind: a client to the relay, the relay to a client, or either (PROTOCOL.md §4). */
export type Direction = 'client-to-relay' | 'relay-to-client' | 'both';

/** The fields of kind `K`'s message, `kind` aside. */
export type FieldsOf<K extends MessageKind> = Omit<MessageOf<K>, 'kind'>;

/** A codec for every field of kind `K`, of that field's type (optional fields: their codec takes undefined). */
export type Layout<K extends MessageKind> = { readonly [F in keyof FieldsOf<K>]-?: FieldCodec<FieldsOf<K>[F]> };

/** Everything about one kind. */
export interface KindSchema<K extends MessageKind> {
  /** The kind byte (header offset 3). */
  readonly code: number;
  /** Who sends it. */
  readonly direction: Direction;
  /** Its fields, in wire order. */
  readonly fields: Layout<K>;
}

/** A sender name: like `name`, but empty is accepted (clients may leave it to the relay to fill in). */
const sender = str8({ maxBytes: MAX_NAME_BYTES });

/** Layout of every kind. */
export const SCHEMAS: { readonly [K in MessageKind]: KindSchema<K> } = {
  hello: { code: 0x01, direction: 'client-to-relay', fields: { name, padding } },
  welcome: {
    code: 0x02,
    direction: 'relay-to-client',
    fields: {
      name,
      address: str8({ maxBytes: 64, nonEmpty: true }),
      port: u16,
      heartbeatIntervalMs: u32,
      presenceTimeoutMs: u32,
      token,
      hostedByClient: bool,
    },
  },
  contacts: { code: 0x03, direction: 'relay-to-client', fields: { epoch: u32, version: u32, page: u16, pages: u16, contacts } },
  join: { code: 0x04, direction: 'relay-to-client', fields: { epoch: u32, version: u32, name, type: contactKind } },
  leave: { code: 0x05, direction: 'relay-to-client', fields: { epoch: u32, version: u32, name, reason: leaveReason } },
  chat: {
    code: 0x06,
    direction: 'both',
    fields: { id, from: sender, to: name, epoch: u32, seq: u32, base: u32, time: u64, text: str16({ maxBytes: MAX_TEXT_BYTES }) },
  },
  heartbeat: { code: 0x07, direction: 'client-to-relay', fields: { seq: u32 } },
  'heartbeat-ack': { code: 0x08, direction: 'relay-to-client', fields: { seq: u32, epoch: u32, version: u32 } },
  bye: { code: 0x09, direction: 'both', fields: { reason: str8() } },
  error: {
    code: 0x0a,
    direction: 'relay-to-client',
    fields: { code: errorCode, message: str16({ maxBytes: 512 }), ref: str8({ maxBytes: MAX_ID_BYTES }) },
  },
  'relay-ack': { code: 0x0b, direction: 'relay-to-client', fields: { id, recipients: u16 } },
  ack: { code: 0x0c, direction: 'both', fields: { from: sender, to: name, group: bool, epoch: u32, upTo: u32, ranges } },
  list: { code: 0x0d, direction: 'client-to-relay', fields: { epoch: u32, version: u32 } },
  rename: { code: 0x0e, direction: 'relay-to-client', fields: { epoch: u32, version: u32, from: name, name } },
  'roster-delta': { code: 0x0f, direction: 'relay-to-client', fields: { epoch: u32, from: u32, version: u32, changes } },
  identify: {
    code: 0x12,
    direction: 'client-to-relay',
    fields: { name, publicKey: fixedBytes(PUBLIC_KEY_BYTES), signature: fixedBytes(SIGNATURE_BYTES) },
  },
  challenge: { code: 0x13, direction: 'relay-to-client', fields: { name, challenge: fixedBytes(CHALLENGE_BYTES) } },
  stored: { code: 0x14, direction: 'relay-to-client', fields: { id, to: name } },
  receipt: { code: 0x15, direction: 'relay-to-client', fields: { id, by: name } },
  'receipt-ack': { code: 0x16, direction: 'client-to-relay', fields: { id } },
};

/**
 * The fewest and most bytes a `kind`'s body (its fields, after the 5-byte
 * header, without token or trailer) takes, summed from its layout's field
 * codecs (`minBytes`, `maxBytes`): what the size column of PROTOCOL.md §3 and
 * the "every kind fits with token and trailer" tests are computed from.
 */
export function bodyBounds(kind: MessageKind): { readonly min: number; readonly max: number } {
  const codecs = Object.values(SCHEMAS[kind].fields) as Array<FieldCodec<unknown>>;
  let min = 0;
  let max = 0;
  for (const codec of codecs) {
    min += codec.minBytes;
    max += codec.maxBytes;
  }
  return { min, max };
}

/** Every kind, in kind-byte order. */
export const MESSAGE_KINDS: readonly MessageKind[] = (Object.keys(SCHEMAS) as MessageKind[]).sort((a, b) => SCHEMAS[a].code - SCHEMAS[b].code);

/** Kind by kind byte, for decoding. */
export const KIND_BY_CODE: ReadonlyMap<number, MessageKind> = new Map(MESSAGE_KINDS.map((kind) => [SCHEMAS[kind].code, kind]));

/**
 * Who sends each kind (PROTOCOL.md §4): e.g. a relay drops a `relay-to-client`
 * kind that comes from a client (UNEXPECTED), a client one that comes from the relay.
 */
export const KIND_DIRECTION: { readonly [K in MessageKind]: Direction } = Object.freeze(
  Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, SCHEMAS[kind].direction])) as { [K in MessageKind]: Direction },
);

/** Whether `kind` may be sent by `sender` (`both` kinds by either). */
export function sentBy(kind: MessageKind, sender: 'client' | 'relay'): boolean {
  const direction = KIND_DIRECTION[kind];
  return direction === 'both' || direction === (sender === 'client' ? 'client-to-relay' : 'relay-to-client');
}

/** The kinds a client sends (client-to-relay or both, PROTOCOL.md §4), in kind-byte order; a test ties it to KIND_DIRECTION. */
export const CLIENT_KINDS = ['hello', 'chat', 'heartbeat', 'bye', 'ack', 'list', 'identify', 'receipt-ack'] as const satisfies readonly MessageKind[];

/** A message of a kind a client sends: what the relay's rules take. */
export type ClientMessage = MessageOf<(typeof CLIENT_KINDS)[number]>;

/** Whether `message` is of a kind a client sends (by KIND_DIRECTION); the relay drops the others as unexpected. */
export function isClientMessage(message: Message): message is ClientMessage {
  return sentBy(message.kind, 'client');
}

/**
 * The codec of a whole message body (the fields after the header), built
 * once per kind from its layout in schema.ts: length, write and read walk the
 * same field list, so they cannot disagree. Refusals are `CodecFailure`s.
 */
import type { FieldCodec } from './fields.js';
import type { Message, MessageKind, MessageOf } from './messages.js';
import type { Reader } from './reader.js';
import { type FieldsOf, type Layout, MESSAGE_KINDS, SCHEMAS } from './schema.js';
import type { Writer } from './writer.js';

/** Length, write and read of the body of a message of type `M`. */
export interface BodyCodec<M> {
  /** Validates every field and returns the body's size in bytes; refuses BAD_FIELD. */
  readonly encodingLength: (message: M) => number;
  /** Writes the body of a message that `encodingLength` accepted. */
  readonly encode: (message: M, w: Writer) => void;
  /** Reads a body up to the reader's end; refuses TRUNCATED, BAD_UTF8, BAD_FIELD (not TRAILING_BYTES: the caller checks). */
  readonly decode: (r: Reader) => M;
}

/** One field bound to its name, so that its value's type follows from the name. */
interface BoundField<M> {
  readonly encodingLength: (message: M) => number;
  readonly encode: (message: M, w: Writer) => void;
  /** Reads the field into `out` (left out when it decodes as undefined: an optional field absent). */
  readonly decode: (r: Reader, out: Partial<M>) => void;
}

function bind<M, F extends keyof M & string>(kind: string, field: F, codec: FieldCodec<M[F]>): BoundField<M> {
  const path = `${kind}.${field}`;
  return {
    encodingLength: (message) => codec.encodingLength(message[field], path),
    encode: (message, w) => codec.encode(message[field], w),
    decode: (r, out) => {
      const value = codec.decode(r, path);
      if (value !== undefined) out[field] = value;
    },
  };
}

function bindLayout<K extends MessageKind, F extends keyof FieldsOf<K> & string>(kind: K, layout: Layout<K>, field: F): BoundField<FieldsOf<K>> {
  return bind<FieldsOf<K>, F>(kind, field, layout[field]);
}

function bodyCodec<K extends MessageKind>(kind: K): BodyCodec<MessageOf<K>> {
  const layout = SCHEMAS[kind].fields;
  // Object.keys keeps the order of the layout's keys: the wire order.
  const fields = (Object.keys(layout) as Array<keyof FieldsOf<K> & string>).map((field) => bindLayout(kind, layout, field));
  return {
    encodingLength: (message) => {
      let total = 0;
      for (const f of fields) total += f.encodingLength(message);
      return total;
    },
    encode: (message, w) => {
      for (const f of fields) f.encode(message, w);
    },
    decode: (r) => {
      // Filled in below (kind first, as before); a cast, as an empty Partial of a generic type is not inferred.
      const message = { kind } as Partial<FieldsOf<K>> & { kind: K };
      for (const f of fields) f.decode(r, message);
      // Every field of the layout was read (optional ones only when present): a whole message.
      return message as MessageOf<K>;
    },
  };
}

/** The body codec of every kind. */
const BODY_CODECS: { readonly [K in MessageKind]: BodyCodec<MessageOf<K>> } = Object.fromEntries(
  MESSAGE_KINDS.map((kind) => [kind, bodyCodec(kind)]),
) as { [K in MessageKind]: BodyCodec<MessageOf<K>> };

/** The body codec of `kind`. */
export function bodyCodecOf<K extends MessageKind>(kind: K): BodyCodec<MessageOf<K>> {
  return BODY_CODECS[kind];
}

/** Body size of `message` in bytes, validating it (its kind already known to exist). */
export function bodyLength(message: Message): number {
  return lengthOf(message.kind, message);
}

/** Writes the body of `message`. */
export function writeBody(message: Message, w: Writer): void {
  writeOf(message.kind, message, w);
}

function lengthOf<K extends MessageKind>(kind: K, message: MessageOf<K>): number {
  return bodyCodecOf(kind).encodingLength(message);
}

function writeOf<K extends MessageKind>(kind: K, message: MessageOf<K>, w: Writer): void {
  bodyCodecOf(kind).encode(message, w);
}

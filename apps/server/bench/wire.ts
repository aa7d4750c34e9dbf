/**
 * The load generator's side of the wire: chat datagrams built from one
 * encoded template (only seq, base, time and the id's tail change), acks
 * from another (upTo and the ranges appended), and the few fields a load
 * generator reads parsed in place — so that the load generator spends as
 * little CPU per message as it can (it shares the machine with the process
 * it measures). Kind bytes and templates come from the codec (`encode`);
 * the offsets read in place follow PROTOCOL.md.
 *
 * Every datagram a client sends to the relay carries its session token
 * (FLAG_TOKEN, 16 bytes after the header, PROTOCOL.md §3.1); in
 * shared-secret mode it also ends with an auth trailer (FLAG_AUTH: time,
 * a fresh nonce and an HMAC-SHA256 tag, §3.2), written per send by `Signer`
 * — a signed datagram cannot be sent twice (the relay refuses a replayed
 * nonce), so even a retransmission is signed again. The readers skip a
 * token when the flags say there is one (the bare forwarder passes the
 * sender's datagrams on as they are) and ignore a trailer (they read
 * forward from the header and never look at the end).
 */
import { randomFillSync } from 'node:crypto';
import {
  AUTH_TRAILER_BYTES,
  computeTag,
  encode,
  FLAG_AUTH,
  FLAG_TOKEN,
  HEADER_BYTES,
  MAGIC_0,
  MAGIC_1,
  MAX_ACK_RANGES,
  NONCE_BYTES,
  TOKEN_BYTES,
  type AuthKey,
  type Message,
} from '@udpchat/protocol';

/** A `contacts` page starts with its roster version, `epoch` and `version` (two u32, PROTOCOL.md §4.3). */
const CONTACTS_VERSION_BYTES = 8;
/** Offset of the kind byte in the header. */
const KIND_OFFSET = 3;
/** Offset of the flags byte in the header. */
const FLAGS_OFFSET = 4;

/** The kind byte of `message` as the codec writes it (so no second table of kind bytes to keep in step). */
function kindByte(message: Message): number {
  return encode(message)[KIND_OFFSET] as number;
}

/** Kind bytes (header offset 3) the load generator and the crowd look at. */
export const KIND = {
  welcome: kindByte({ kind: 'welcome', name: 'k', address: '127.0.0.1', port: 1, heartbeatIntervalMs: 1, presenceTimeoutMs: 1, token: new Uint8Array(TOKEN_BYTES), hostedByClient: false }),
  contacts: kindByte({ kind: 'contacts', epoch: 1, version: 0, page: 0, pages: 1, contacts: [] }),
  chat: kindByte({ kind: 'chat', id: 'k', from: 'k', to: 'k', epoch: 1, seq: 1, base: 1, time: 0, text: '' }),
  heartbeatAck: kindByte({ kind: 'heartbeat-ack', seq: 0, epoch: 1, version: 0 }),
  error: kindByte({ kind: 'error', code: 'UNEXPECTED', message: '', ref: '' }),
  relayAck: kindByte({ kind: 'relay-ack', id: 'k', recipients: 0 }),
  ack: kindByte({ kind: 'ack', from: '', to: 'k', group: false, epoch: 1, upTo: 0, ranges: [] }),
} as const;

/** Characters of a chat id (hex digits are in nanoid's alphabet). */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Length of a chat id, in characters (what clients generate). */
const ID_CHARS = 21;
/** The id's last 8 characters carry the seq in hex. */
const ID_SEQ_CHARS = 8;

/** Kind byte of a protocol datagram, or -1 when it is not one. */
export function kindOf(bytes: Uint8Array): number {
  return bytes.length >= HEADER_BYTES && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1 ? (bytes[KIND_OFFSET] as number) : -1;
}

/** Whether a protocol datagram (kind byte already checked) ends with an auth trailer (FLAG_AUTH). */
export function isSigned(bytes: Uint8Array): boolean {
  return ((bytes[FLAGS_OFFSET] as number) & FLAG_AUTH) !== 0;
}

/** Where the fields of a protocol datagram start: after the header, and after the session token when it has one. */
function fieldsAt(bytes: Uint8Array): number {
  return HEADER_BYTES + ((bytes[FLAGS_OFFSET] as number) & FLAG_TOKEN ? TOKEN_BYTES : 0);
}

/** Random bytes drawn from node:crypto's CSPRNG 4 KiB at a time (512 nonces per draw). */
const noncePool = Buffer.allocUnsafe(4096);
let noncePoolAt = noncePool.length;

/**
 * Signs datagrams for shared-secret mode (PROTOCOL.md §3.2) in place: the
 * caller leaves AUTH_TRAILER_BYTES (48) free at the end of the buffer and
 * sets FLAG_AUTH in the header; `sign` writes the time, a fresh nonce and
 * the HMAC-SHA256 tag over everything before the tag (`computeTag`, the
 * codec's own). The same bytes as `encode(message, { token, auth, time, nonce })`.
 */
export class Signer {
  constructor(readonly key: AuthKey) {}

  /**
   * Writes the trailer of `b` at `end` (= b.length − 48): `time` (ms since
   * the epoch), a nonce from the pool (or `nonce` when given), the tag.
   */
  sign(b: Buffer, end: number, time: number, nonce?: Uint8Array): void {
    b.writeUInt32BE(Math.floor(time / 0x1_0000_0000), end);
    b.writeUInt32BE(time >>> 0, end + 4);
    if (nonce) b.set(nonce, end + 8);
    else {
      if (noncePoolAt + NONCE_BYTES > noncePool.length) {
        randomFillSync(noncePool);
        noncePoolAt = 0;
      }
      noncePool.copy(b, end + 8, noncePoolAt, noncePoolAt + NONCE_BYTES);
      noncePoolAt += NONCE_BYTES;
    }
    const tagAt = end + 8 + NONCE_BYTES;
    computeTag(this.key, b, tagAt).copy(b, tagAt);
  }
}

/**
 * The template of a datagram to the relay: `message` encoded with `token`,
 * and, when `signer` is given, FLAG_AUTH set and room for the trailer
 * (AUTH_TRAILER_BYTES of zeros, written per send by `Signer.sign`).
 */
function templateOf(message: Message, token: Uint8Array, signer: Signer | null): Buffer {
  const body = encode(message, { token });
  if (!signer) return Buffer.from(body);
  const b = Buffer.alloc(body.length + AUTH_TRAILER_BYTES);
  b.set(body);
  b[FLAGS_OFFSET] = (b[FLAGS_OFFSET] as number) | FLAG_AUTH;
  return b;
}

/** The `epoch` of every bench conversation (PROTOCOL.md §4.6: the load generator never restarts one), and its size before `seq`. */
const BENCH_EPOCH = 1;
const EPOCH_BYTES = 4;

/** Builds the chat datagrams of one conversation (sender -> `to`), with the sender's token, signed when there is a signer. */
export class ChatTemplate {
  private readonly template: Buffer;
  private readonly idTail: number;
  private readonly seqOffset: number;
  /** Where the auth trailer starts (= the template's length without it). */
  private readonly trailerAt: number;

  /**
   * @param from the sender's name (the relay overwrites it; a bare forwarder does not).
   * @param to the recipient's name.
   * @param bodyBytes text length, in bytes (ASCII).
   * @param runTag 13 id characters (A-Za-z0-9_-) that make this run's ids unique.
   * @param token the sender's session token (TOKEN_BYTES).
   * @param signer shared-secret mode: signs each datagram built; null: unsigned.
   */
  constructor(
    from: string,
    to: string,
    bodyBytes: number,
    runTag: string,
    token: Uint8Array,
    private readonly signer: Signer | null = null,
  ) {
    const id = `${runTag}${'0'.repeat(ID_SEQ_CHARS)}`;
    if (id.length !== ID_CHARS) throw new RangeError(`runTag must be ${ID_CHARS - ID_SEQ_CHARS} characters`);
    const text = 'x'.repeat(bodyBytes);
    this.template = templateOf({ kind: 'chat', id, from, to, epoch: BENCH_EPOCH, seq: 1, base: 1, time: 0, text }, token, signer);
    this.trailerAt = this.template.length - (signer ? AUTH_TRAILER_BYTES : 0);
    const idAt = HEADER_BYTES + TOKEN_BYTES;
    this.idTail = idAt + 1 + ID_CHARS - ID_SEQ_CHARS;
    const fromLength = this.template[idAt + 1 + ID_CHARS] as number;
    const toAt = idAt + 1 + ID_CHARS + 1 + fromLength;
    this.seqOffset = toAt + 1 + (this.template[toAt] as number) + EPOCH_BYTES;
  }

  /** Size of every chat datagram, in bytes. */
  get length(): number {
    return this.template.length;
  }

  /**
   * A new datagram (a copy of the template: the socket may still hold an
   * earlier one) for `seq`, with `base` and `time` (ms since the epoch), also
   * the time of its auth trailer when signed (`nonce`: for tests; default a fresh one).
   */
  build(seq: number, base: number, time: number, nonce?: Uint8Array): Buffer {
    const b = Buffer.allocUnsafe(this.template.length);
    this.template.copy(b);
    for (let i = 0; i < ID_SEQ_CHARS; i++) b[this.idTail + i] = HEX[(seq >>> ((ID_SEQ_CHARS - 1 - i) * 4)) & 15] as number;
    const o = this.seqOffset;
    b.writeUInt32BE(seq, o);
    b.writeUInt32BE(base, o + 4);
    b.writeUInt32BE(Math.floor(time / 0x1_0000_0000), o + 8);
    b.writeUInt32BE(time >>> 0, o + 12);
    this.signer?.sign(b, this.trailerAt, time, nonce);
    return b;
  }
}

/**
 * The `seq` of a chat datagram (kind byte already checked), or -1 when it is
 * cut short. Reads the three length-prefixed strings before it.
 */
export function chatSeq(b: Buffer): number {
  let o = fieldsAt(b);
  for (let i = 0; i < 3; i++) {
    if (o >= b.length) return -1;
    o += 1 + (b[o] as number);
  }
  o += EPOCH_BYTES;
  return o + 4 <= b.length ? b.readUInt32BE(o) : -1;
}

/** An ack as the sender reads it. */
export interface AckView {
  /** Every seq up to this one arrived. */
  upTo: number;
  /** Further runs that arrived, as flat pairs first0, last0, first1, last1, … */
  ranges: number[];
}

/**
 * Parses an ack datagram (kind byte already checked) into `out`
 * (reused: no allocation per ack when there are no ranges).
 * @returns false when it is cut short.
 */
export function parseAck(b: Buffer, out: AckView): boolean {
  let o = fieldsAt(b);
  for (let i = 0; i < 2; i++) {
    if (o >= b.length) return false;
    o += 1 + (b[o] as number);
  }
  o += 1 + EPOCH_BYTES; // group, epoch
  if (o + 5 > b.length) return false;
  out.upTo = b.readUInt32BE(o);
  const count = b[o + 4] as number;
  o += 5;
  if (o + count * 8 > b.length) return false;
  out.ranges.length = 0;
  for (let i = 0; i < count; i++, o += 8) out.ranges.push(b.readUInt32BE(o), b.readUInt32BE(o + 4));
  return true;
}

/** Builds the acks of one conversation, as the recipient sends them to the relay (`from` empty, its token, signed when there is a signer). */
export class AckBuilder {
  /** An encoded ack with no ranges: header, token, `from`, `to`, `group`, then upTo (u32) and the range count (u8); no trailer. */
  private readonly template: Buffer;
  /** Offset of `upTo` in the template. */
  private readonly upToAt: number;

  /**
   * @param to the name of the conversation's sender.
   * @param token the recipient's session token (TOKEN_BYTES).
   * @param signer shared-secret mode: signs each ack built; null: unsigned.
   */
  constructor(
    to: string,
    token: Uint8Array,
    private readonly signer: Signer | null = null,
  ) {
    // `from` empty: the relay writes the acker's name.
    this.template = Buffer.from(encode({ kind: 'ack', from: '', to, group: false, epoch: BENCH_EPOCH, upTo: 0, ranges: [] }, { token }));
    if (signer) this.template[FLAGS_OFFSET] = (this.template[FLAGS_OFFSET] as number) | FLAG_AUTH;
    this.upToAt = this.template.length - 5;
  }

  /**
   * A direct-conversation ack: every seq ≤ `upTo` arrived, plus `ranges`
   * (flat pairs, at most MAX_ACK_RANGES of them are written); signed with
   * `time` (ms since the epoch; `nonce`: for tests) when there is a signer.
   */
  build(upTo: number, ranges: readonly number[], time = 0, nonce?: Uint8Array): Buffer {
    const count = Math.min(ranges.length / 2, MAX_ACK_RANGES);
    const end = this.template.length + count * 8;
    const b = Buffer.allocUnsafe(end + (this.signer ? AUTH_TRAILER_BYTES : 0));
    this.template.copy(b);
    let o = this.upToAt;
    b.writeUInt32BE(upTo, o);
    o += 4;
    b[o++] = count;
    for (let i = 0; i < count * 2; i++, o += 4) b.writeUInt32BE(ranges[i] as number, o);
    this.signer?.sign(b, end, time, nonce);
    return b;
  }
}

/** Number of entries in a `contacts` page (kind byte already checked), or -1 when cut short. */
export function contactsOnPage(b: Buffer): number {
  const o = fieldsAt(b) + CONTACTS_VERSION_BYTES;
  return b.length >= o + 6 ? b.readUInt16BE(o + 4) : -1;
}

/** `page` and `pages` of a `contacts` page (kind byte already checked). */
export function contactsPageOf(b: Buffer): { page: number; pages: number } {
  const o = fieldsAt(b) + CONTACTS_VERSION_BYTES;
  return b.length >= o + 4 ? { page: b.readUInt16BE(o), pages: b.readUInt16BE(o + 2) } : { page: -1, pages: -1 };
}

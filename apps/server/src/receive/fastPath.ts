/**
 * The relay's forwarding fast path (issue 12): a chat, an ack or a heartbeat
 * from a registered client is checked by a `DatagramScanner` (exactly what
 * decoding checks, without building strings or a message), its recipient is
 * found by the name's bytes, and the datagram that goes out is spliced from
 * the received bytes — `from` replaced by the sender's registered name, the
 * token left out, the rest copied — into a pooled buffer. The bytes sent are
 * the ones the rules (router.ts) would send; a property test checks it.
 *
 * It takes only what it can do in full: anything else — a datagram that does
 * not scan (malformed: the slow path refuses, counts and logs it exactly as
 * before), another kind, a sender not registered at its address or without
 * its token, a recipient named in another spelling or case, a plain peer,
 * `all` while plain peers or remote contacts (cluster mode) are online, a remote recipient, an empty text, an unnumbered chat, a
 * failed auth trailer — is left to the slow path, untouched (returns false
 * before any state changes; an auth trailer's nonce is recorded only when it
 * is accepted, so the slow path's check reaches the same verdict).
 * Field offsets come from the protocol's schema (`fieldOf`), none is written here.
 */
import {
  boolAt,
  DatagramScanner,
  fieldOf,
  fixedLayout,
  GROUP_ALL,
  HEADER_BYTES,
  TOKEN_BYTES,
  u32At,
  verifyAuth,
  type MessageKind,
} from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { RouterContext } from '../rules/context.js';
import { heldRelayAckSender } from '../rules/router.js';
import type { Sender } from '../io/socket.js';
import type { StatsCounter } from '../observe/stats.js';
import type { AuthGateDeps } from './authGate.js';

const CHAT = { id: fieldOf('chat', 'id'), from: fieldOf('chat', 'from'), to: fieldOf('chat', 'to'), epoch: fieldOf('chat', 'epoch'), seq: fieldOf('chat', 'seq'), text: fieldOf('chat', 'text') };
const ACK = { from: fieldOf('ack', 'from'), to: fieldOf('ack', 'to'), group: fieldOf('ack', 'group'), epoch: fieldOf('ack', 'epoch'), upTo: fieldOf('ack', 'upTo'), ranges: fieldOf('ack', 'ranges') };
/**
 * A heartbeat-ack is written in place: its fields have fixed sizes (seq,
 * epoch, version: u32 each), the heartbeat's `seq` is copied, the roster
 * version last pushed is written (PROTOCOL.md §4.8). Null (a field of
 * variable size): heartbeats take the slow path.
 */
const HEARTBEAT_ACK = fixedLayout('heartbeat-ack');
const HEARTBEAT_SEQ = fieldOf('heartbeat', 'seq');
const GROUP_BYTES = new TextEncoder().encode(GROUP_ALL);
const latin1 = new TextDecoder('latin1');

/** What the fast path needs. */
export interface FastPathDeps {
  readonly ctx: RouterContext;
  /** The relay's sender (pooled buffers, signing). */
  readonly sender: Sender;
  readonly stats: StatsCounter;
  /** Shared-secret checks (the same as the slow path's). */
  readonly auth: AuthGateDeps;
}

/**
 * Builds the fast path: `(bytes, key, now) => handled`. True: the datagram was
 * handled and counted (accepted). False: nothing was done, nothing counted;
 * the caller runs the slow path on it.
 * @param key the sender's address, `formatEndpoint`.
 * @param now the relay's clock, ms.
 */
export function createFastPath(deps: FastPathDeps): (bytes: Buffer, key: string, now: number) => boolean {
  const { ctx, sender: out, stats } = deps;
  const { secret, replay } = deps.auth;
  const scanner = new DatagramScanner();
  const release = heldRelayAckSender(ctx);

  /** Sends the fields [fieldsStart, fieldsEnd) of `bytes` as a `kind` datagram whose `from` (at [fromStart, fromEnd)) becomes `name`. */
  const splice = (bytes: Buffer, kind: MessageKind, fromStart: number, fromEnd: number, name: Uint8Array): Buffer => {
    const { fieldsStart, fieldsEnd } = scanner.envelope;
    const datagram = out.prepare(kind, fieldsEnd - fieldsStart - (fromEnd - fromStart) + 1 + name.length);
    let at = HEADER_BYTES + bytes.copy(datagram, HEADER_BYTES, fieldsStart, fromStart);
    datagram[at++] = name.length; // `from` is a str8
    datagram.set(name, at);
    at += name.length;
    bytes.copy(datagram, at, fromEnd, fieldsEnd);
    out.seal(datagram);
    return datagram;
  };

  return (bytes, key, now) => {
    if (scanner.scan(bytes) !== null) return false;
    const e = scanner.envelope;
    const kind = e.kind;
    if (kind !== 'chat' && kind !== 'ack' && !(kind === 'heartbeat' && HEARTBEAT_ACK !== null)) return false;
    const sender = ctx.contacts.atKey(key);
    if (sender === undefined || sender.type !== 'client' || e.tokenAt < 0 || !tokenAt(bytes, e.tokenAt, sender.token)) return false;
    let target: Contact | undefined;
    let group: Contact[] | undefined;
    let seq = 0;
    if (kind === 'chat') {
      seq = u32At(bytes, scanner.start(CHAT.seq));
      if (seq === 0 || scanner.end(CHAT.text) === scanner.valueStart(CHAT.text)) return false;
      const toStart = scanner.valueStart(CHAT.to);
      const toEnd = scanner.end(CHAT.to);
      if (equalBytes(bytes, toStart, toEnd, GROUP_BYTES)) {
        if (ctx.contacts.plainCount > 0 || ctx.contacts.remoteCount > 0) return false;
        group = ctx.contacts.clients(sender);
      } else {
        target = ctx.contacts.exactlyNamed(bytes, toStart, toEnd);
        if (target === undefined || target.type !== 'client' || target.remote !== undefined) return false;
      }
    } else if (kind === 'ack') {
      // An ack that may cover stored chats in flight to its sender turns them into receipts (rules/offline.ts): the slow path.
      if (ctx.offline.deliveries.hasInFlight(sender.key)) return false;
      target = ctx.contacts.exactlyNamed(bytes, scanner.valueStart(ACK.to), scanner.end(ACK.to));
      if (target === undefined || target.type !== 'client' || target.remote !== undefined) return false;
    }
    if (secret !== undefined && verifyAuth(secret, bytes, scanner.trailer(bytes), deps.auth.wallClock(), replay) !== 'ok') return false;

    // From here on it is handled: the same effects, in the same order, as router.ts.
    ctx.contacts.touch(sender, now);
    if (kind === 'heartbeat') {
      const layout = HEARTBEAT_ACK as NonNullable<typeof HEARTBEAT_ACK>;
      const ack = out.prepare('heartbeat-ack', layout.bytes);
      const seqAt = scanner.start(HEARTBEAT_SEQ);
      bytes.copy(ack, HEADER_BYTES + layout.fields.seq.offset, seqAt, seqAt + layout.fields.seq.bytes);
      ack.writeUInt32BE(ctx.roster.epoch, HEADER_BYTES + layout.fields.epoch.offset);
      ack.writeUInt32BE(ctx.roster.published, HEADER_BYTES + layout.fields.version.offset);
      out.seal(ack);
      out.sendBytes(ack, sender.endpoint);
    } else if (kind === 'ack') {
      const recipient = target as Contact;
      out.sendBytes(splice(bytes, 'ack', scanner.start(ACK.from), scanner.end(ACK.from), sender.nameBytes), recipient.endpoint);
      if (!boolAt(bytes, scanner.start(ACK.group))) {
        ctx.relayAcks.ackPassed(recipient, sender, u32At(bytes, scanner.start(ACK.epoch)), u32At(bytes, scanner.start(ACK.upTo)), bytes, scanner.start(ACK.ranges), now);
      }
    } else {
      const chat = splice(bytes, 'chat', scanner.start(CHAT.from), scanner.end(CHAT.from), sender.nameBytes);
      const idStart = scanner.valueStart(CHAT.id);
      const idEnd = scanner.end(CHAT.id);
      if (group !== undefined) {
        for (const c of group) out.sendBytes(chat, c.endpoint);
        const id = latin1.decode(bytes.subarray(idStart, idEnd)); // the id alphabet is ASCII
        ctx.out.send({ kind: 'relay-ack', id, recipients: Math.min(group.length, 0xffff) }, sender.endpoint);
        if (ctx.log.isLevelEnabled('debug')) ctx.log.debug({ id, from: sender.name, to: GROUP_ALL, recipients: group.length }, 'chat relayed');
      } else {
        const recipient = target as Contact;
        out.sendBytes(chat, recipient.endpoint);
        ctx.relayAcks.hold(sender, recipient, u32At(bytes, scanner.start(CHAT.epoch)), seq, bytes, idStart, idEnd, now, release);
        if (ctx.log.isLevelEnabled('debug')) {
          ctx.log.debug({ id: latin1.decode(bytes.subarray(idStart, idEnd)), from: sender.name, to: recipient.name }, 'chat relayed');
        }
      }
    }
    stats.accept();
    stats.fastPathHandled++;
    return true;
  };
}

/** Whether the TOKEN_BYTES at `bytes[at]` are `token`; in constant time over the 16 bytes, like `tokensEqual`. */
function tokenAt(bytes: Uint8Array, at: number, token: Uint8Array | undefined): boolean {
  if (token === undefined || token.length !== TOKEN_BYTES) return false;
  let diff = 0;
  for (let i = 0; i < TOKEN_BYTES; i++) diff |= (bytes[at + i] as number) ^ (token[i] as number);
  return diff === 0;
}

/** Whether `bytes[start, end)` are exactly `expected`. */
function equalBytes(bytes: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false;
  return true;
}

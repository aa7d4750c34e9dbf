/**
 * The relay's UDP socket: binding (mapped to RelayStartError), sending that
 * counts and logs instead of throwing, and a bounded close.
 */
import type { Socket } from 'node:dgram';
import {
  AUTH_TRAILER_BYTES,
  encode,
  encodingLength,
  HEADER_BYTES,
  MAX_DATAGRAM_BYTES,
  signInto,
  writeHeader,
  type AuthKey,
  type EncodeOptions,
  type Message,
  type MessageKind,
} from '@udpchat/protocol';
import type { Logger } from 'pino';
import type { AmplificationLimiter } from '../guards/amplification.js';
import type { Contact } from '../state/contacts.js';
import type { Outbox, ReplyOptions } from '../rules/context.js';
import { bindUdpSocket, formatEndpoint, settleWithin, type Endpoint } from '@udpchat/net';
import { bindError } from './errors.js';
import type { RateLimitedLog } from '../observe/log.js';
import type { StatsCounter } from '../observe/stats.js';

const textEncoder = new TextEncoder();

/**
 * Binds the relay's socket to `host:port` (bindUdpSocket: `udp6` for an IPv6
 * literal host, else `udp4`; no address reuse; 4 MiB buffers). After the
 * bind, socket errors are logged on `log`, never thrown.
 * @throws RelayStartError (as a rejection) when binding fails.
 */
export async function bindSocket(host: string, port: number, log: Logger): Promise<Socket> {
  try {
    return await bindUdpSocket({ host, port, onError: (err) => log.error({ err }, 'socket error') });
  } catch (err) {
    throw bindError(err, host, port);
  }
}

/**
 * Sends datagrams on a bound socket; counts them; never throws for network
 * errors. With a shared secret (`auth`) it signs every protocol datagram
 * (PROTOCOL.md §3.2, §6.2) unless a reply says otherwise.
 */
/**
 * Where a relay's datagrams go: a bound `node:dgram` socket is one; the
 * deterministic simulation's in-memory bus is another.
 */
export interface DatagramSink {
  /**
   * Sends `bytes` as one datagram to `address:port`; `done` is called once it
   * is sent or failed. `bytes` may be a slice of a buffer shared with other
   * datagrams (Node's pool); it is never written again once given here.
   */
  send(bytes: Uint8Array, port: number, address: string, done?: (err: Error | null) => void): void;
}

export class Sender implements Outbox {
  private closed = false;
  private readonly signed: EncodeOptions | undefined;
  private readonly key: AuthKey | undefined;
  /** The one send callback of sends without `done` (a closure per send costs an allocation per datagram). */
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.failed(err, undefined, undefined);
  };
  /** {@inheritDoc Outbox.maxMessageBytes} */
  readonly maxMessageBytes: number;

  /**
   * @param amplification credit of unvalidated addresses, for `reply`.
   * @param auth the shared secret, or undefined for an open relay.
   */
  constructor(
    private readonly socket: DatagramSink,
    private readonly stats: StatsCounter,
    private readonly limited: RateLimitedLog,
    private readonly amplification: AmplificationLimiter,
    auth?: AuthKey,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.signed = auth ? { auth } : undefined;
    this.key = auth;
    this.maxMessageBytes = MAX_DATAGRAM_BYTES - (auth ? AUTH_TRAILER_BYTES : 0);
  }

  /** `message` encoded, signed in shared-secret mode. */
  encode(message: Message): Uint8Array {
    return encode(message, this.signed);
  }

  /**
   * Sends `bytes` as one datagram to `to`. A send error (in the callback or
   * thrown at once) is counted in `sendErrors` and logged, rate-limited.
   * @param done called once the send finished or failed (also when closed).
   */
  sendBytes(bytes: Uint8Array, to: Endpoint, done?: () => void): void {
    if (this.closed) {
      done?.();
      return;
    }
    this.stats.sent(bytes.length);
    try {
      if (done === undefined) {
        this.socket.send(bytes, to.port, to.address, this.afterSend);
      } else {
        this.socket.send(bytes, to.port, to.address, (err) => {
          if (err) this.failed(err, to, bytes.length);
          done();
        });
      }
    } catch (err) {
      this.failed(err, to, bytes.length);
      done?.();
    }
  }

  /**
   * Counts and logs a failed send. Without `to` (the shared callback) the
   * address is the one node:dgram puts on its error (`address`, `port`).
   */
  private failed(err: unknown, to: Endpoint | undefined, bytes: number | undefined): void {
    this.stats.sendFailed();
    const e = typeof err === 'object' && err !== null ? (err as { code?: unknown; address?: unknown; port?: unknown }) : {};
    const code = e.code !== undefined ? String(e.code) : 'unknown';
    const where = to ? formatEndpoint(to) : typeof e.address === 'string' && typeof e.port === 'number' ? formatEndpoint({ address: e.address, port: e.port }) : 'unknown';
    this.limited.log(`send:${code}`, 'warn', { to: where, ...(bytes !== undefined ? { bytes } : {}), err }, 'send failed');
  }

  /**
   * A buffer for one relay → client datagram of kind `kind` with `fieldBytes`
   * bytes of fields: the header is written (FLAG_AUTH in shared-secret mode),
   * the caller writes the fields at HEADER_BYTES, then `seal`s it. The bytes
   * are a slice of Node's buffer pool (`Buffer.allocUnsafe`: one shared slab
   * for many datagrams, nothing zeroed), not an ArrayBuffer per datagram.
   */
  prepare(kind: MessageKind, fieldBytes: number): Buffer {
    const bytes = Buffer.allocUnsafe(HEADER_BYTES + fieldBytes + (this.key ? AUTH_TRAILER_BYTES : 0));
    writeHeader(bytes, 0, kind, this.key !== undefined);
    return bytes;
  }

  /** Signs a `prepare`d datagram whose fields are written (shared-secret mode; nothing to do otherwise). */
  seal(bytes: Uint8Array): void {
    if (this.key) signInto(this.key, bytes, bytes.length - AUTH_TRAILER_BYTES, Date.now());
  }

  /** {@inheritDoc Outbox.send} Counts `error` messages by code in `refused`. */
  send(message: Message, to: Endpoint): void {
    const bytes = this.encode(message);
    if (message.kind === 'error') this.stats.refuse(message.code);
    this.sendBytes(bytes, to);
  }

  /**
   * {@inheritDoc Outbox.sendToAll} Remote contacts (cluster mode) are skipped too. Signed once for all of them: each
   * receiver has its own replay window, so one nonce per datagram suffices.
   */
  sendToAll(message: Message, to: readonly Contact[]): void {
    let bytes: Uint8Array | undefined;
    for (const contact of to) {
      if (contact.type !== 'client' || contact.remote !== undefined) continue;
      bytes ??= this.encode(message);
      this.sendBytes(bytes, contact.endpoint);
    }
  }

  /** {@inheritDoc Outbox.sendText} */
  sendText(text: string, peer: Contact): boolean {
    const bytes = textEncoder.encode(text);
    if (bytes.length > peer.sendBudget) {
      this.stats.withheld('plain-budget');
      this.limited.log('plain-budget', 'warn', { to: peer.name, bytes: bytes.length, budget: peer.sendBudget }, 'not sent: plain peer budget used up');
      return false;
    }
    peer.sendBudget -= bytes.length;
    this.sendBytes(bytes, peer.endpoint);
    return true;
  }

  /** {@inheritDoc Outbox.reply} */
  reply(message: Message, to: Endpoint, key: string, options: ReplyOptions = {}): boolean {
    const envelope = options.signed === false ? undefined : this.signed;
    const budget = this.amplification.available(key);
    let fitting: Message | undefined = message;
    if (encodingLength(message, envelope) > budget) {
      fitting = undefined;
      if (message.kind === 'error' && message.message !== '') {
        const bare: Message = { ...message, message: '' };
        if (encodingLength(bare, envelope) <= budget) fitting = bare;
      }
    }
    if (fitting === undefined) {
      this.stats.withheld('amplification');
      this.limited.log('amplification', 'debug', { to: key, kind: message.kind, budget }, 'not sent: anti-amplification limit');
      return false;
    }
    const bytes = encode(fitting, envelope);
    this.amplification.spend(key, bytes.length, this.now());
    if (fitting.kind === 'error') this.stats.refuse(fitting.code);
    this.sendBytes(bytes, to);
    return true;
  }

  /**
   * Sends `bytes` to each of `to` and resolves when every send finished, or
   * after `maxWaitMs`, whichever is first. Never rejects.
   */
  async sendAndWait(bytes: Uint8Array, to: readonly Endpoint[], maxWaitMs: number): Promise<void> {
    const sends = to.map((endpoint) => new Promise<void>((resolve) => this.sendBytes(bytes, endpoint, resolve)));
    await settleWithin(Promise.all(sends), maxWaitMs);
  }

  /** Stops sending: later sends are dropped (their `done` still called). The socket is closed by its owner. Idempotent. */
  close(): void {
    this.closed = true;
  }
}

/**
 * The relay's UDP socket: binding (mapped to RelayStartError), sending that
 * counts and logs instead of throwing, and a bounded close.
 */
import type { Socket } from 'node:dgram';
import {
  AUTH_TRAILER_BYTES,
  encode,
  encodingLength,
  MAX_DATAGRAM_BYTES,
  type AuthKey,
  type EncodeOptions,
  type Message,
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
  /** Sends `bytes` as one datagram to `address:port`; `done` is called once it is sent or failed. */
  send(bytes: Uint8Array, port: number, address: string, done?: (err: Error | null) => void): void;
}

export class Sender implements Outbox {
  private closed = false;
  private readonly signed: EncodeOptions | undefined;
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
    const failed = (err: unknown): void => {
      this.stats.sendFailed();
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
      this.limited.log(`send:${code}`, 'warn', { to: formatEndpoint(to), bytes: bytes.length, err }, 'send failed');
    };
    try {
      this.socket.send(bytes, to.port, to.address, (err) => {
        if (err) failed(err);
        done?.();
      });
    } catch (err) {
      failed(err);
      done?.();
    }
  }

  /** {@inheritDoc Outbox.send} Counts `error` messages by code in `refused`. */
  send(message: Message, to: Endpoint): void {
    const bytes = this.encode(message);
    if (message.kind === 'error') this.stats.refuse(message.code);
    this.sendBytes(bytes, to);
  }

  /**
   * {@inheritDoc Outbox.sendToAll} Signed once for all of them: each
   * receiver has its own replay window, so one nonce per datagram suffices.
   */
  sendToAll(message: Message, to: readonly Contact[]): void {
    let bytes: Uint8Array | undefined;
    for (const contact of to) {
      if (contact.type !== 'client') continue;
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

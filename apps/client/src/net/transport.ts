/**
 * The client's UDP socket: one datagram per protocol message, datagrams
 * accepted only from the relay's address and port. No protocol state here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { decode, encode, isProtocolError, type Message } from '@udpchat/protocol';

/** An address and port pair. */
export interface Endpoint {
  /** IP address (no brackets). */
  address: string;
  /** UDP port. */
  port: number;
}

/** Why an incoming datagram was dropped: a ProtocolError code, or `NOT_FROM_RELAY`. */
export type DropReason = string;

/** Events of a `Transport`. */
export interface TransportEvents {
  /** A well-formed protocol message from the relay. */
  message: [message: Message, bytes: number];
  /** A datagram that was dropped (malformed, or not from the relay). */
  drop: [reason: DropReason, from: Endpoint, bytes: number];
  /** A socket or send error (never thrown). */
  'socket-error': [error: Error];
}

/**
 * Resolves a relay host to one IP address, preferring IPv4 (a relay on
 * `127.0.0.1` is the usual case for `localhost`).
 * @throws Error with a one-line message when the host does not resolve.
 */
export async function resolveRelay(host: string, port: number): Promise<Endpoint> {
  if (isIP(host)) return { address: host, port };
  try {
    const found = await lookup(host, { all: true });
    const chosen = found.find((a) => a.family === 4) ?? found[0];
    if (!chosen) throw new Error('no address');
    return { address: chosen.address, port };
  } catch {
    throw new Error(`cannot resolve relay host "${host}"`);
  }
}

/** A bound UDP socket talking to one relay. */
export class Transport extends EventEmitter<TransportEvents> {
  private closed = false;
  /** Datagrams and bytes sent and received, for the status line. */
  readonly counters = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, dropped: 0 };

  private constructor(
    private readonly socket: Socket,
    /** The relay this transport talks to. */
    readonly relay: Endpoint,
  ) {
    super();
    socket.on('message', (bytes, rinfo) => this.receive(bytes, rinfo));
    socket.on('error', (err) => this.emit('socket-error', err));
  }

  /**
   * Binds an ephemeral UDP port of the relay's family.
   * @throws Error when the socket cannot be bound.
   */
  static async open(relay: Endpoint): Promise<Transport> {
    const socket = createSocket({ type: isIP(relay.address) === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new Transport(socket, relay);
  }

  /** Local address and port of the socket. */
  get local(): Endpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /**
   * Encodes `message` and sends it to the relay as one datagram.
   * @throws ProtocolError when the message cannot be encoded (e.g. OVERSIZE).
   */
  send(message: Message): void {
    if (this.closed) return;
    const bytes = encode(message);
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    this.socket.send(bytes, this.relay.port, this.relay.address, (err) => {
      if (err) this.emit('socket-error', err);
    });
  }

  /**
   * Sends like `send` and resolves once the datagram is handed to the kernel
   * (or after `timeoutMs`), so a bye is not lost by closing right after it.
   */
  sendAndWait(message: Message, timeoutMs = 200): Promise<void> {
    if (this.closed) return Promise.resolve();
    const bytes = encode(message);
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.socket.send(bytes, this.relay.port, this.relay.address, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes the socket. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }

  private receive(bytes: Buffer, rinfo: { address: string; port: number }): void {
    this.counters.datagramsIn++;
    this.counters.bytesIn += bytes.length;
    const from = { address: rinfo.address, port: rinfo.port };
    if (rinfo.port !== this.relay.port || rinfo.address !== this.relay.address) {
      this.counters.dropped++;
      this.emit('drop', 'NOT_FROM_RELAY', from, bytes.length);
      return;
    }
    let message: Message;
    try {
      message = decode(bytes);
    } catch (err) {
      this.counters.dropped++;
      this.emit('drop', isProtocolError(err) ? err.code : 'INTERNAL', from, bytes.length);
      return;
    }
    this.emit('message', message, bytes.length);
  }
}

/**
 * RawPeer: a plain UDP socket on 127.0.0.1 (or ::1) that sends text the way
 * `nc -u` does and keeps every datagram it receives as raw bytes — a
 * plain-text peer of the relay, without the protocol.
 */
import type { Socket } from 'node:dgram';
import { closeSocket, openLoopbackSocket, sendDatagram, type RelayEndpoint } from './socket.js';

/** A plain-text UDP peer over a real socket. */
export class RawPeer {
  /** Datagrams received and not yet taken by `next`, oldest first. */
  readonly inbox: Buffer[] = [];
  /** Every datagram received, taken or not, oldest first. */
  readonly received: Buffer[] = [];
  private waiter: ((bytes: Buffer) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly relay: RelayEndpoint,
  ) {
    socket.on('message', (bytes) => {
      this.received.push(bytes);
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter) waiter(bytes);
      else this.inbox.push(bytes);
    });
  }

  /** Opens a socket bound to 127.0.0.1:0 (`[::1]:0` for an IPv6 relay). */
  static async open(relay: RelayEndpoint): Promise<RawPeer> {
    return new RawPeer(await openLoopbackSocket(relay), relay);
  }

  /** This socket's port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** The contact name the relay gives this peer: `127.0.0.1:PORT` / `[::1]:PORT`. */
  get contactName(): string {
    const { address, port } = this.socket.address();
    return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  }

  /** Sends `text` (UTF-8) or raw bytes as one datagram to the relay. */
  send(data: string | Uint8Array): Promise<void> {
    return sendDatagram(this.socket, this.relay, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** The next datagram received (taken out of the inbox); rejects after `timeoutMs`. */
  next(timeoutMs = 3000): Promise<Buffer> {
    const first = this.inbox.shift();
    if (first) return Promise.resolve(first);
    if (this.waiter) return Promise.reject(new Error('RawPeer.next: only one waiter at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`raw peer :${this.port} timed out after ${timeoutMs} ms waiting for a datagram`));
      }, timeoutMs);
      this.waiter = (bytes) => {
        clearTimeout(timer);
        resolve(bytes);
      };
    });
  }

  /** The next datagram, decoded as (lenient) UTF-8 text. */
  async nextText(timeoutMs?: number): Promise<string> {
    const text = (await this.next(timeoutMs)).toString('utf8');
    // The relay ends each plain datagram with one newline (for nc).
    return text.endsWith('\n') ? text.slice(0, -1) : text;
  }

  /** Closes the socket. */
  close(): Promise<void> {
    return closeSocket(this.socket);
  }
}

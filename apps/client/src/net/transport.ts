/**
 * The client's UDP socket: one datagram per protocol message, datagrams
 * accepted only from the relay's address and port. No protocol state here.
 */
import type { Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import {
  decodeDatagram,
  encode,
  ERROR_CODES,
  isProtocolError,
  ReplayWindow,
  verifyAuth,
  type AuthKey,
  type Datagram,
  type Message,
} from '@udpchat/protocol';
import {
  bindUdpSocket,
  closeUdpSocket,
  LossSimulator,
  type Endpoint,
  type SimulateOptions,
  type SimulatorStats,
} from '@udpchat/net';

/** How long `close` waits for the socket to close, in ms (it never blocks the caller). */
const CLOSE_WAIT_MS = 1_000;

/** An address (IP, no brackets) and port pair: @udpchat/net's Endpoint. */
export type { Endpoint };

/**
 * Why an incoming datagram was dropped: a ProtocolError code, `NOT_FROM_RELAY`,
 * or, with a shared secret, `UNAUTHENTICATED` (no or a wrong tag), `STALE`
 * (time more than 30 s off), `REPLAY`.
 */
export type DropReason = string;

/**
 * Unsigned errors a client with a shared secret still accepts from the relay's
 * address: a relay that cannot verify our `hello` cannot sign for us either
 * (PROTOCOL.md §6.2). They only change what the status line says.
 */
const UNSIGNED_ERRORS: ReadonlySet<string> = new Set([ERROR_CODES.SECRET_REQUIRED, ERROR_CODES.NO_SECRET]);

const AUTH_DROP: Record<string, DropReason> = {
  missing: 'UNAUTHENTICATED',
  'bad-tag': 'UNAUTHENTICATED',
  stale: 'STALE',
  replay: 'REPLAY',
  'replay-cache-full': 'REPLAY',
};

/** One datagram as the inspector shows it. */
export interface DatagramRecord {
  /** `out`: sent by this client; `in`: received. */
  direction: 'in' | 'out';
  /** The other end. */
  peer: Endpoint;
  /** The datagram's bytes, exactly as on the wire (length = datagram size in bytes). */
  bytes: Uint8Array;
  /** The message kind, `empty`, or why it was dropped. */
  kind: string;
  /** When, in ms since the epoch. */
  time: number;
}

/** Options of `Transport.open`. */
export interface TransportOptions {
  /**
   * Faults to simulate on the datagrams this socket receives (demos, tests;
   * see LossSimulator). null, absent or every rate 0: no simulation, no cost.
   * A simulated drop "never arrived": it is not counted in `counters` nor
   * shown in the inspector; `simulationStats()` counts it.
   */
  simulate?: SimulateOptions | null;
  /**
   * The shared secret (PROTOCOL.md §3.2), or null/absent: every datagram sent is
   * signed, and every datagram received must be signed with it (except the
   * unsigned SECRET_REQUIRED / NO_SECRET errors).
   */
  secret?: AuthKey | null;
}

/** Events of a `Transport`. */
export interface TransportEvents {
  /** A well-formed protocol message from the relay. */
  message: [message: Message, bytes: number];
  /** A datagram that was dropped (malformed, or not from the relay). */
  drop: [reason: DropReason, from: Endpoint, bytes: number];
  /** Every datagram sent or received, for the inspector (emitted only while someone listens). */
  datagram: [record: DatagramRecord];
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

  /** The simulator on the receive path, or null when nothing is simulated. */
  private readonly simulator: LossSimulator | null;
  /** Nonces of the relay's signed datagrams seen within the auth window (replay check). */
  private readonly replay = new ReplayWindow();

  private constructor(
    private readonly socket: Socket,
    private current: Endpoint,
    simulator: LossSimulator | null,
    /** The shared secret, or null. */
    readonly secret: AuthKey | null,
  ) {
    super();
    this.simulator = simulator;
    const receive = (bytes: Buffer, rinfo: Endpoint): void => this.receive(bytes, rinfo);
    socket.on('message', simulator ? simulator.wrap(receive) : receive);
    socket.on('error', (err) => this.emit('socket-error', err));
  }

  /**
   * Binds an ephemeral UDP port of the relay's family.
   * @param options.simulate faults to simulate on received datagrams (default none).
   * @throws RangeError when a simulate rate is outside 0..1 (or NaN) or the seed is bad.
   * @throws Error when the socket cannot be bound.
   */
  static async open(relay: Endpoint, options: TransportOptions = {}): Promise<Transport> {
    const simulator = LossSimulator.isActive(options.simulate) ? new LossSimulator(options.simulate ?? {}) : null;
    // An ephemeral port on every interface, 4 MiB buffers: a burst of hundreds of datagrams is queued, not dropped by the kernel.
    const socket = await bindUdpSocket({ port: 0, type: isIP(relay.address) === 6 ? 'udp6' : 'udp4' });
    return new Transport(socket, relay, simulator, options.secret ?? null);
  }

  /** The relay this transport talks to (the only source it accepts datagrams from). */
  get relay(): Endpoint {
    return this.current;
  }

  /**
   * Talks to `relay` from now on (fail-over): datagrams go there, and only its are accepted.
   * @throws RangeError when `relay` is of the other address family than the socket.
   */
  use(relay: Endpoint): void {
    if ((isIP(relay.address) === 6) !== (isIP(this.current.address) === 6)) throw new RangeError(`relay ${relay.address} is not of the socket's address family`);
    this.current = relay;
  }

  /** What is simulated on received datagrams, e.g. `simulating loss 30%, duplicate 0%, reorder 0% (seed 1)`; null when nothing is. */
  get simulation(): string | null {
    return this.simulator ? this.simulator.describe() : null;
  }

  /** The simulator's counters (datagrams received before faults, dropped, duplicated, reordered); null when nothing is simulated. */
  simulationStats(): SimulatorStats | null {
    return this.simulator ? this.simulator.stats() : null;
  }

  /** Local address and port of the socket. */
  get local(): Endpoint {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /**
   * Encodes `message` with session token `token` (undefined: none; PROTOCOL.md
   * §3.1) and, with a shared secret, the auth trailer (§3.2), as one datagram.
   * @throws ProtocolError when the message cannot be encoded (e.g. OVERSIZE).
   */
  encode(message: Message, token: Uint8Array | undefined): Uint8Array {
    return encode(message, { token, auth: this.secret ?? undefined });
  }

  /**
   * Encodes `message` (see `encode`) and sends it to the relay as one datagram.
   * The protocol core decides which datagram carries which token.
   * @throws ProtocolError when the message cannot be encoded (e.g. OVERSIZE).
   */
  send(message: Message, token: Uint8Array | undefined): void {
    this.write(this.encode(message, token), message.kind);
  }

  /**
   * Sends like `send` and resolves once the kernel has taken the datagram
   * (or after `timeoutMs`), so a bye is not lost by closing right after it.
   */
  sendAndWait(message: Message, token: Uint8Array | undefined, timeoutMs = 200): Promise<void> {
    const bytes = this.encode(message, token);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.write(bytes, message.kind, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Sends raw bytes to the relay as one datagram (for the inspector's lessons:
   * a 0-byte datagram is still a datagram). `kind` labels it in the inspector.
   */
  sendBytes(bytes: Uint8Array, kind: string): void {
    this.write(bytes, kind);
  }

  private write(bytes: Uint8Array, kind: string, done?: () => void): void {
    if (this.closed) {
      done?.();
      return;
    }
    this.counters.datagramsOut++;
    this.counters.bytesOut += bytes.length;
    this.tap('out', this.relay, bytes, kind);
    this.socket.send(bytes, this.relay.port, this.relay.address, (err) => {
      if (err) this.emit('socket-error', err);
      done?.();
    });
  }

  private tap(direction: 'in' | 'out', peer: Endpoint, bytes: Uint8Array, kind: string): void {
    if (this.listenerCount('datagram') === 0) return;
    this.emit('datagram', { direction, peer, bytes, kind, time: Date.now() });
  }

  /** Closes the socket (datagrams held back by the simulator are discarded). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.simulator?.close();
    void closeUdpSocket(this.socket, CLOSE_WAIT_MS);
  }

  private receive(bytes: Buffer, rinfo: { address: string; port: number }): void {
    this.counters.datagramsIn++;
    this.counters.bytesIn += bytes.length;
    const from = { address: rinfo.address, port: rinfo.port };
    if (rinfo.port !== this.relay.port || rinfo.address !== this.relay.address) {
      this.drop('NOT_FROM_RELAY', from, bytes, 'dropped: not from the relay');
      return;
    }
    let datagram: Datagram;
    try {
      datagram = decodeDatagram(bytes);
    } catch (err) {
      this.drop(isProtocolError(err) ? err.code : 'INTERNAL', from, bytes, bytes.length === 0 ? 'empty' : undefined);
      return;
    }
    const { message } = datagram;
    if (this.secret) {
      const verdict = verifyAuth(this.secret, bytes, datagram.auth, Date.now(), this.replay);
      const unsignedError = datagram.auth === undefined && message.kind === 'error' && UNSIGNED_ERRORS.has(message.code);
      // CLOCK_SKEW is signed with the relay's clock, which is by definition outside our window.
      const skewReport = verdict === 'stale' && message.kind === 'error' && message.code === ERROR_CODES.CLOCK_SKEW;
      if (verdict !== 'ok' && !unsignedError && !skewReport) {
        this.drop(AUTH_DROP[verdict] ?? 'UNAUTHENTICATED', from, bytes);
        return;
      }
    }
    this.tap('in', from, bytes, message.kind);
    this.emit('message', message, bytes.length);
  }

  private drop(reason: DropReason, from: Endpoint, bytes: Uint8Array, label = `dropped: ${reason}`): void {
    this.counters.dropped++;
    this.tap('in', from, bytes, label);
    this.emit('drop', reason, from, bytes.length);
  }
}

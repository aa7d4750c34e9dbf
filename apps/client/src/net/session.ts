/**
 * A chat session with the relay: registration (hello -> welcome), the
 * contact list, heartbeats and relay liveness, sending and receiving chat
 * messages, and hosting the relay in-process when it is missing on loopback.
 * No UI here: the TUI store and line mode both listen to its events.
 */
import { EventEmitter } from 'node:events';
import {
  ERROR_CODES,
  HEARTBEAT_INTERVAL_MS,
  MAX_TEXT_BYTES,
  newMessageId,
  utf8Length,
  type ChatMessage,
  type ContactEntry,
  type ErrorMessage,
  type LeaveReason,
  type Message,
  type WelcomeMessage,
} from '@udpchat/protocol';
import type { Relay } from '@udpchat/server';
import { isLoopback, tryHostRelay } from './hosting.js';
import { resolveRelay, Transport, type DatagramRecord, type Endpoint } from './transport.js';

/** Whether the relay answers: `connecting` before its first answer, `silent` when it stopped answering. */
export type RelayStatus = 'connecting' | 'answering' | 'silent';

/** Registration state: `refused` after a name error until `rename`. */
export type RegistrationState = 'registering' | 'registered' | 'refused' | 'closed';

/** Options of `ChatSession.open`. */
export interface SessionOptions {
  /** Relay host name or IP. */
  host: string;
  /** Relay port. */
  port: number;
  /** Name to register. */
  name: string;
  /** Host the relay in this process when it is on loopback and nothing is bound there. */
  autoHost: boolean;
  /** Interval between hellos while registering, in ms (default 1000). */
  helloRetryMs?: number;
  /** A probe (hello or heartbeat) unanswered this long marks the relay silent, in ms (default 2500). */
  silentAfterMs?: number;
}

/** Events of a `ChatSession`. */
export interface SessionEvents {
  /** Registration accepted (also after a re-registration). */
  registered: [welcome: WelcomeMessage];
  /** The complete contact list (all pages), the caller excluded. */
  contacts: [contacts: ContactEntry[]];
  /** A contact came online. */
  join: [contact: ContactEntry];
  /** A contact went offline. */
  leave: [name: string, reason: LeaveReason];
  /** An incoming chat message (`from` is set by the relay). */
  chat: [message: ChatMessage];
  /** An own message was sent to the relay (possibly after waiting in the queue). */
  sent: [message: ChatMessage];
  /** The relay refused something. */
  'relay-error': [error: ErrorMessage];
  /** Relay liveness changed. */
  status: [status: RelayStatus];
  /** This process started (true) or stopped (false) hosting the relay. */
  hosting: [hosting: boolean];
  /** The relay said it is going away. */
  'relay-bye': [reason: string];
  /** A socket error, reported and survived. */
  'socket-error': [error: Error];
}

/** Why `send` refused a message. */
export class SendError extends Error {
  constructor(
    readonly code: 'EMPTY' | 'TOO_LONG' | 'QUEUE_FULL',
    message: string,
  ) {
    super(message);
  }
}

const NAME_REFUSALS: ReadonlySet<string> = new Set([
  ERROR_CODES.NAME_TAKEN,
  ERROR_CODES.NAME_INVALID,
  ERROR_CODES.NAME_RESERVED,
]);
const MAX_QUEUE = 1000;
const RECENT_SENT = 256;
const TAKEOVER_EVERY_MS = 2000;

export class ChatSession extends EventEmitter<SessionEvents> {
  private state: RegistrationState = 'registering';
  private relayStatus: RelayStatus = 'connecting';
  private welcome: WelcomeMessage | null = null;
  private hosted: Relay | null;
  private heartbeatSeq = 0;
  private awaitingSince: number | null = null;
  private lastProbeAt = 0;
  private lastTakeoverAt = 0;
  private readonly queue: ChatMessage[] = [];
  private readonly recentSent = new Map<string, ChatMessage>();
  private readonly pages = new Map<number, ContactEntry[]>();
  private readonly seqWaiters = new Map<number, () => void>();
  private tick: NodeJS.Timeout | null = null;
  private readonly helloRetryMs: number;
  private readonly silentAfterMs: number;

  private constructor(
    private readonly transport: Transport,
    private readonly options: SessionOptions,
    hosted: Relay | null,
    private requestedName: string,
  ) {
    super();
    this.hosted = hosted;
    this.helloRetryMs = options.helloRetryMs ?? 1000;
    this.silentAfterMs = options.silentAfterMs ?? 2500;
    transport.on('message', (m) => this.receive(m));
    transport.on('socket-error', (err) => this.emit('socket-error', err));
  }

  /**
   * Resolves the relay, hosts it in-process if allowed and needed, binds the socket.
   * Call `start()` after attaching listeners.
   * @throws Error (one-line message) when the host does not resolve or hosting fails for a reason other than a busy port.
   */
  static async open(options: SessionOptions): Promise<ChatSession> {
    const relay = await resolveRelay(options.host, options.port);
    const hosted = options.autoHost && isLoopback(relay.address) ? await tryHostRelay(relay.address, relay.port) : null;
    const transport = await Transport.open(relay);
    return new ChatSession(transport, options, hosted, options.name);
  }

  /** Sends the first hello and starts the timers. */
  start(): void {
    this.sendHello();
    this.tick = setInterval(() => this.onTick(), 250);
    this.tick.unref?.();
  }

  /** The name registered (or being registered). */
  get name(): string {
    return this.welcome?.name ?? this.requestedName;
  }
  /** Registration state. */
  get registration(): RegistrationState {
    return this.state;
  }
  /** Relay liveness. */
  get status(): RelayStatus {
    return this.relayStatus;
  }
  /** The relay's address. */
  get relay(): Endpoint {
    return this.transport.relay;
  }
  /** This client's address and port as the relay sees them (after registration). */
  get seenAs(): Endpoint | null {
    return this.welcome ? { address: this.welcome.address, port: this.welcome.port } : null;
  }
  /** True while this process hosts the relay. */
  get hosting(): boolean {
    return this.hosted !== null;
  }
  /** Contacts other than this client registered at the relay this process hosts (0 when not hosting). */
  get hostedOthers(): number {
    if (!this.hosted) return 0;
    return Math.max(0, this.hosted.contactCount - (this.state === 'registered' ? 1 : 0));
  }
  /** Messages waiting for registration. */
  get queued(): number {
    return this.queue.length;
  }
  /** Datagram counters of the socket. */
  get counters(): Transport['counters'] {
    return this.transport.counters;
  }

  /**
   * Sends a chat message to `to` (a name, or `all`). Before registration it waits in a queue.
   * @returns the message as sent (with its new id and time).
   * @throws SendError EMPTY, TOO_LONG (over MAX_TEXT_BYTES = 850 bytes of UTF-8), QUEUE_FULL.
   */
  send(to: string, text: string): ChatMessage {
    if (text.length === 0) throw new SendError('EMPTY', 'empty messages are not sent');
    const bytes = utf8Length(text);
    if (bytes > MAX_TEXT_BYTES) {
      throw new SendError('TOO_LONG', `message is ${bytes} bytes; one datagram holds at most ${MAX_TEXT_BYTES}`);
    }
    const message: ChatMessage = { kind: 'chat', id: newMessageId(), from: this.name, to, time: Date.now(), text };
    if (this.state === 'registered') this.transmit(message);
    else if (this.queue.length >= MAX_QUEUE) throw new SendError('QUEUE_FULL', 'too many messages waiting for the relay');
    else this.queue.push(message);
    return message;
  }

  /** Sends a 0-byte datagram to the relay (a lesson: it is still a datagram; the relay counts and logs it). */
  sendEmpty(): void {
    this.transport.sendBytes(new Uint8Array(0), 'empty');
  }

  /**
   * Calls `listener` for every datagram this client sends or receives, until
   * the returned function is called. Nothing is recorded while nobody watches.
   */
  watchDatagrams(listener: (record: DatagramRecord) => void): () => void {
    this.transport.on('datagram', listener);
    return () => this.transport.off('datagram', listener);
  }

  /** Registers again under another name (after NAME_TAKEN, or to change name). */
  rename(name: string): void {
    if (this.state === 'registered') this.transport.send({ kind: 'bye', reason: 'renaming' });
    this.requestedName = name;
    this.welcome = null;
    this.state = 'registering';
    this.sendHello();
  }

  /**
   * Round trip to the relay: sends a heartbeat and resolves `true` when its
   * answer arrives, `false` after `timeoutMs`. Since the relay answers in
   * order, everything it sent about earlier datagrams has arrived by then.
   */
  roundTrip(timeoutMs = 2000): Promise<boolean> {
    const seq = this.nextSeq();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.seqWaiters.delete(seq);
        resolve(false);
      }, timeoutMs);
      this.seqWaiters.set(seq, () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.probe({ kind: 'heartbeat', seq });
    });
  }

  /**
   * Resolves once registration is settled (registered, refused or closed),
   * or after `timeoutMs`, with the state then.
   */
  settled(timeoutMs: number): Promise<RegistrationState> {
    return new Promise((resolve) => {
      if (this.state !== 'registering') return resolve(this.state);
      const check = () => {
        if (this.state === 'registering') return;
        done();
      };
      const done = () => {
        clearTimeout(timer);
        this.off('registered', check);
        this.off('relay-error', check);
        resolve(this.state);
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('registered', check);
      this.on('relay-error', check);
    });
  }

  /** Says bye, stops a hosted relay (telling its contacts), closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRegistered = this.state === 'registered';
    this.state = 'closed';
    if (this.tick) clearInterval(this.tick);
    if (wasRegistered) await this.transport.sendAndWait({ kind: 'bye', reason: '' });
    if (this.hosted) await this.hosted.stop('the client hosting the relay quit');
    this.hosted = null;
    this.transport.close();
  }

  private nextSeq(): number {
    this.heartbeatSeq = (this.heartbeatSeq + 1) >>> 0;
    return this.heartbeatSeq;
  }

  private sendHello(): void {
    this.probe({ kind: 'hello', name: this.requestedName });
  }

  /** Sends a datagram that the relay must answer, and starts the silence clock. */
  private probe(message: Message): void {
    const now = Date.now();
    this.lastProbeAt = now;
    this.awaitingSince ??= now;
    this.transport.send(message);
  }

  private transmit(message: ChatMessage): void {
    this.transport.send(message);
    this.recentSent.set(message.id, message);
    if (this.recentSent.size > RECENT_SENT) {
      const oldest = this.recentSent.keys().next().value;
      if (oldest !== undefined) this.recentSent.delete(oldest);
    }
    this.emit('sent', message);
  }

  private onTick(): void {
    const now = Date.now();
    if (this.awaitingSince !== null && now - this.awaitingSince > this.silentAfterMs) {
      this.setStatus('silent');
    }
    if (this.relayStatus === 'silent') void this.takeOver(now);
    const interval = this.welcome?.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
    if (this.state === 'registering' && now - this.lastProbeAt >= this.helloRetryMs) this.sendHello();
    if (this.state === 'registered') {
      // A silent relay is probed every second so that a restart is noticed quickly.
      const every = this.relayStatus === 'silent' ? 1000 : interval;
      if (now - this.lastProbeAt >= every) this.probe({ kind: 'heartbeat', seq: this.nextSeq() });
    }
  }

  /** With the relay gone from loopback, host it here if the port is free. */
  private async takeOver(now: number): Promise<void> {
    if (!this.options.autoHost || this.hosted || !isLoopback(this.relay.address)) return;
    if (now - this.lastTakeoverAt < TAKEOVER_EVERY_MS) return;
    this.lastTakeoverAt = now;
    try {
      const relay = await tryHostRelay(this.relay.address, this.relay.port);
      if (!relay) return;
      if (this.state === 'closed') {
        await relay.stop();
        return;
      }
      this.hosted = relay;
      this.emit('hosting', true);
      if (this.state === 'registered') this.state = 'registering';
      this.sendHello();
    } catch (err) {
      this.emit('socket-error', err as Error);
    }
  }

  private setStatus(status: RelayStatus): void {
    if (status === this.relayStatus) return;
    this.relayStatus = status;
    this.emit('status', status);
  }

  private receive(message: Message): void {
    if (this.state === 'closed') return;
    this.awaitingSince = null;
    this.setStatus('answering');
    switch (message.kind) {
      case 'welcome':
        return this.onWelcome(message);
      case 'contacts':
        if (message.page === 0) this.pages.clear();
        this.pages.set(message.page, message.contacts);
        if (this.pages.size >= message.pages) {
          const all = [...this.pages.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
          this.pages.clear();
          this.emit('contacts', all);
        }
        return;
      case 'join':
        this.emit('join', { name: message.name, type: message.type });
        return;
      case 'leave':
        this.emit('leave', message.name, message.reason);
        return;
      case 'chat':
        this.emit('chat', message);
        return;
      case 'heartbeat-ack':
        this.seqWaiters.get(message.seq)?.();
        this.seqWaiters.delete(message.seq);
        return;
      case 'bye':
        return this.onRelayBye(message.reason);
      case 'error':
        return this.onError(message);
      default:
        return; // hello, heartbeat: not for clients
    }
  }

  private onWelcome(welcome: WelcomeMessage): void {
    const first = this.state !== 'registered';
    this.welcome = welcome;
    this.requestedName = welcome.name;
    this.state = 'registered';
    if (!first) return; // a duplicate welcome (answer to a retried hello)
    this.emit('registered', welcome);
    for (const message of this.queue.splice(0)) this.transmit({ ...message, from: welcome.name });
  }

  private onRelayBye(reason: string): void {
    if (this.state === 'registered') this.state = 'registering';
    this.emit('relay-bye', reason);
    // The relay is gone: silent until a relay (a restarted one, or one this process hosts) answers a hello.
    this.setStatus('silent');
    this.awaitingSince = Date.now();
    this.lastProbeAt = 0;
  }

  private onError(error: ErrorMessage): void {
    if (error.code === ERROR_CODES.NOT_REGISTERED) {
      // The relay restarted or expired us: register again, and re-send a message it refused.
      const refused = this.recentSent.get(error.ref);
      if (refused) this.queue.push(refused);
      if (this.state === 'registered') {
        this.state = 'registering';
        this.sendHello();
      }
      return;
    }
    if (NAME_REFUSALS.has(error.code) && this.state === 'registering') this.state = 'refused';
    this.emit('relay-error', error);
  }
}

/**
 * A chat session with the relay: registration (hello -> welcome{token} -> list), the
 * contact list, heartbeats and relay liveness, sending and receiving chat
 * messages, and hosting the relay in-process when it is missing on loopback.
 * No UI here: the TUI store and line mode both listen to its events.
 */
import { EventEmitter } from 'node:events';
import {
  ERROR_CODES,
  GROUP_ALL,
  HEARTBEAT_INTERVAL_MS,
  MAX_TEXT_BYTES,
  nameKey,
  newMessageId,
  paddedHello,
  utf8Length,
  type AuthKey,
  type ChatMessage,
  type ContactEntry,
  type ErrorMessage,
  type LeaveReason,
  type Message,
  type WelcomeMessage,
} from '@udpchat/protocol';
import { RateLimiter, type SimulateOptions } from '@udpchat/net';
import { isLoopback, tryHostRelay, type Relay } from './hosting.js';
import { Roster } from '../state/roster.js';
import { Inbox, type AckNeeded, type InboxOptions } from './delivery/inbox.js';
import { Outbox, OutboxFullError, type OutboxOptions } from './delivery/outbox.js';
import type { DeliveryState } from './delivery/states.js';
import { explainRelayError, REGISTRATION_BLOCKERS } from './relayErrors.js';
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
  /** Delivery tuning (give-up time, hold time, bounds); defaults as documented in outbox.ts / inbox.ts. */
  delivery?: OutboxOptions & InboxOptions;
  /** Simulated network trouble on received datagrams (demos and tests), or null. */
  simulate?: SimulateOptions | null;
  /** The shared secret (PROTOCOL.md §3.2), also given to a relay hosted in this process; null/absent: none. */
  secret?: AuthKey | null;
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
  /** An own message changed delivery state (queued, sending, at relay, delivered, failed). */
  delivery: [message: ChatMessage, state: DeliveryState];
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
/** How often timers are checked, in ms (retransmissions need better than the 100 ms RTO floor). */
const TICK_MS = 50;
/** While a probe waits for its answer, another goes out this often, in ms: one lost heartbeat is not an outage. */
const REPROBE_MS = 500;
/**
 * How often a registered client asks for the contact list again (`list`), in ms:
 * the whole list repairs joins and leaves lost on the way (PROTOCOL.md §5).
 */
const ROSTER_REFRESH_MS = 30_000;
/** After re-registering, UNKNOWN_CONTACT means "not back yet" for this long, in ms (the presence timeout). */
const REJOIN_GRACE_MS = 15_000;
const TAKEOVER_EVERY_MS = 2000;
/**
 * Pacing of chat datagrams (first sends and retransmissions), per second and
 * burst: below the relay's default rate limit per address (200/s, bursts of
 * 400; PROTOCOL.md §6.3), leaving room for acks and heartbeats, so that a
 * burst or a paste of many lines is paced here instead of dropped there.
 */
const CHAT_RATE_PER_S = 150;
const CHAT_BURST = 300;

export class ChatSession extends EventEmitter<SessionEvents> {
  private state: RegistrationState = 'registering';
  private relayStatus: RelayStatus = 'connecting';
  private welcome: WelcomeMessage | null = null;
  private hosted: Relay | null;
  private heartbeatSeq = 0;
  private awaitingSince: number | null = null;
  private lastProbeAt = 0;
  private lastTakeoverAt = 0;
  private everRegistered = false;
  private lastRosterRefreshAt = 0;
  /** When the last `list` went out while its first contacts page is awaited, or null when none is awaited. */
  private listSentAt: number | null = null;
  /** The last registration blocker reported (SECRET_REQUIRED…), so that retries do not repeat it. */
  private lastBlocker: string | null = null;
  private reregisteredAt = Number.NEGATIVE_INFINITY;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private readonly roster = new Roster();
  private readonly pages = new Map<number, ContactEntry[]>();
  /** Chat pacing (one bucket, the relay's address). */
  private readonly pacer = new RateLimiter(CHAT_RATE_PER_S, CHAT_BURST, 1);
  /**
   * Acks waiting for the next tick, by conversation: the latest supersedes the
   * earlier (acks are cumulative), so a burst of N messages costs a few acks,
   * not N (delayed acknowledgement, as TCP's, RFC 1122 §4.2.3.2, here ≤ 50 ms).
   */
  private readonly pendingAcks = new Map<string, AckNeeded>();
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
    this.outbox = new Outbox((message, state) => this.emit('delivery', message, state), options.delivery);
    this.inbox = new Inbox(options.delivery);
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
    const secret = options.secret ?? null;
    const hosted = options.autoHost && isLoopback(relay.address) ? await tryHostRelay(relay.address, relay.port, secret) : null;
    const transport = await Transport.open(relay, { simulate: options.simulate ?? null, secret });
    return new ChatSession(transport, options, hosted, options.name);
  }

  /** Sends the first hello and starts the timers. */
  start(): void {
    this.sendHello();
    this.tick = setInterval(() => this.onTick(), TICK_MS);
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
  /** Own messages not final yet (queued, sending, or waiting for acks). */
  get pending(): number {
    return this.outbox.size;
  }

  /** Sizes of the delivery state, for tests: pending messages, conversations, held messages, remembered ids. */
  get deliverySizes(): { pending: number; outStreams: number; inStreams: number; held: number; ids: number } {
    const inbox = this.inbox.sizes;
    return { pending: this.outbox.size, outStreams: this.outbox.streamCount, inStreams: inbox.streams, held: inbox.held, ids: inbox.ids };
  }

  /** The current retransmission timeouts (RFC 6298), in ms. */
  get rto(): { relayMs: number; deliveryMs: number } {
    return this.outbox.rto;
  }

  /** Online contacts (the caller excluded), as the relay told us. */
  contacts(): ContactEntry[] {
    return this.roster.list();
  }

  /** A description of the simulated network trouble, or null when off. */
  get simulation(): string | null {
    return this.transport.simulation;
  }
  /** Datagram counters of the socket. */
  get counters(): Transport['counters'] {
    return this.transport.counters;
  }

  /**
   * Sends a chat message to `to` (a name, or `all`) reliably: it is numbered,
   * retransmitted until acknowledged (or given up), and its states are reported
   * as `delivery` events. Before registration, or while the relay is unreachable, it waits.
   * @returns the message (with its new id, seq and time).
   * @throws SendError EMPTY, TOO_LONG (over MAX_TEXT_BYTES = 790 bytes of UTF-8), QUEUE_FULL.
   */
  send(to: string, text: string): ChatMessage {
    if (text.length === 0) throw new SendError('EMPTY', 'empty messages are not sent');
    const bytes = utf8Length(text);
    if (bytes > MAX_TEXT_BYTES) {
      throw new SendError('TOO_LONG', `message is ${bytes} bytes; one datagram holds at most ${MAX_TEXT_BYTES}`);
    }
    const now = Date.now();
    const group = nameKey(to) === GROUP_ALL;
    const expected = group ? this.roster.list().filter((c) => c.type === 'client').map((c) => nameKey(c.name)) : [];
    let message: ChatMessage;
    try {
      message = this.outbox.create({ kind: 'chat', id: newMessageId(), from: this.name, to, time: now, text }, expected, now);
    } catch (err) {
      if (err instanceof OutboxFullError) throw new SendError('QUEUE_FULL', err.message);
      throw err;
    }
    this.pump(now);
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

  /**
   * Resolves `true` once every own message is final (delivered, failed, or at
   * the relay with nobody to ack), `false` after `timeoutMs`.
   */
  drained(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.outbox.size === 0) return resolve(true);
      const check = () => {
        if (this.outbox.size !== 0) return;
        clearTimeout(timer);
        this.off('delivery', check);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.off('delivery', check);
        resolve(false);
      }, timeoutMs);
      this.on('delivery', check);
    });
  }

  /** Says bye, stops a hosted relay (telling its contacts), closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRegistered = this.state === 'registered';
    this.state = 'closed';
    if (this.tick) clearInterval(this.tick);
    if (wasRegistered) {
      this.flushAcks();
      await this.transport.sendAndWait({ kind: 'bye', reason: '' });
    }
    if (this.hosted) await this.hosted.stop('the client hosting the relay quit');
    this.hosted = null;
    this.transport.close();
  }

  private nextSeq(): number {
    this.heartbeatSeq = (this.heartbeatSeq + 1) >>> 0;
    return this.heartbeatSeq;
  }

  /** Sends a `hello` padded to HELLO_MIN_BYTES, so that the relay may answer it (anti-amplification, PROTOCOL.md §6.1). */
  private sendHello(): void {
    this.probe(paddedHello(this.requestedName, { auth: this.transport.secret ?? undefined }));
  }

  /** Asks for the contact list; the first `list` with a new token completes registration (PROTOCOL.md §6.1). */
  private sendList(now: number): void {
    this.listSentAt = now;
    this.lastRosterRefreshAt = now;
    this.probe({ kind: 'list' });
  }

  /** Sends a datagram that the relay must answer, and starts the silence clock. */
  private probe(message: Message): void {
    const now = Date.now();
    this.lastProbeAt = now;
    this.awaitingSince ??= now;
    this.transport.send(message);
  }

  /** Sends what the outbox says is due (first sends and retransmissions). */
  private pump(now: number): void {
    const paced = () => this.pacer.take('relay', now) === 'ok';
    for (const message of this.outbox.due(now, paced)) this.transport.send({ ...message, from: this.name });
  }

  /** Sends the acks gathered since the last tick, one per conversation. */
  private flushAcks(): void {
    for (const ack of this.pendingAcks.values()) this.transport.send({ kind: 'ack', from: this.name, ...ack });
    this.pendingAcks.clear();
  }

  /** Pauses or resumes delivery: it runs only while registered with an answering relay. */
  private updateDelivery(now: number): void {
    if (this.state === 'registered' && this.relayStatus === 'answering') this.outbox.resume(now);
    else this.outbox.pause(now);
  }

  private onTick(): void {
    const now = Date.now();
    if (this.awaitingSince !== null && now - this.awaitingSince > this.silentAfterMs) {
      this.setStatus('silent');
    }
    if (this.relayStatus === 'silent') void this.takeOver(now);
    this.flushAcks();
    this.pump(now);
    for (const message of this.inbox.expire(now)) this.emit('chat', message);
    const interval = this.welcome?.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
    if (this.state === 'registering' && now - this.lastProbeAt >= this.helloRetryMs) this.sendHello();
    if (this.state === 'registered') {
      // A silent relay is probed every second so that a restart is noticed quickly;
      // an unanswered probe is repeated sooner, so one lost datagram is not taken for an outage.
      const every = this.relayStatus === 'silent' ? 1000 : this.awaitingSince !== null ? REPROBE_MS : interval;
      if (this.listSentAt !== null && now - this.listSentAt >= REPROBE_MS) this.sendList(now);
      else if (now - this.lastRosterRefreshAt >= ROSTER_REFRESH_MS) this.sendList(now);
      else if (now - this.lastProbeAt >= every) this.probe({ kind: 'heartbeat', seq: this.nextSeq() });
    }
  }

  /** With the relay gone from loopback, host it here if the port is free. */
  private async takeOver(now: number): Promise<void> {
    if (!this.options.autoHost || this.hosted || !isLoopback(this.relay.address)) return;
    if (now - this.lastTakeoverAt < TAKEOVER_EVERY_MS) return;
    this.lastTakeoverAt = now;
    try {
      const relay = await tryHostRelay(this.relay.address, this.relay.port, this.transport.secret);
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
    this.updateDelivery(Date.now());
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
        this.listSentAt = null;
        if (message.page === 0) this.pages.clear();
        this.pages.set(message.page, message.contacts);
        if (this.pages.size >= message.pages) {
          const all = [...this.pages.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
          this.pages.clear();
          this.roster.reset(all);
          this.emit('contacts', all);
        }
        return;
      case 'join':
        this.roster.join({ name: message.name, type: message.type });
        this.outbox.kick(message.name, Date.now());
        this.emit('join', { name: message.name, type: message.type });
        return;
      case 'leave':
        return this.onLeave(message.name, message.reason);
      case 'chat':
        return this.onChat(message);
      case 'relay-ack':
        this.outbox.onRelayAck(message.id, message.recipients, Date.now(), Date.now() - this.reregisteredAt < REJOIN_GRACE_MS);
        return;
      case 'ack':
        this.outbox.onAck(message, Date.now());
        return;
      case 'heartbeat-ack':
        return; // its arrival (above) is what counts
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
    this.transport.setToken(welcome.token);
    this.state = 'registered';
    this.lastBlocker = null;
    if (!first) return; // a duplicate welcome (answer to a retried hello)
    this.sendList(Date.now());
    if (this.everRegistered) this.reregisteredAt = Date.now();
    this.everRegistered = true;
    this.emit('registered', welcome);
    this.updateDelivery(Date.now());
    this.pump(Date.now());
  }

  private onChat(message: ChatMessage): void {
    const { deliver, ack } = this.inbox.receive(message, Date.now());
    if (ack) this.pendingAcks.set(`${nameKey(ack.to)} ${ack.group ? GROUP_ALL : ''}`, ack);
    for (const m of deliver) this.emit('chat', m);
  }

  private onLeave(name: string, reason: LeaveReason): void {
    this.roster.leave(name);
    for (const m of this.inbox.dropSender(name)) this.emit('chat', m);
    this.outbox.onLeave(name);
    this.emit('leave', name, reason);
  }

  private onRelayBye(reason: string): void {
    if (this.state === 'registered') this.state = 'registering';
    // The roster is kept: messages written during the outage expect those contacts back.
    this.emit('relay-bye', reason);
    // The relay is gone: silent until a relay (a restarted one, or one this process hosts) answers a hello.
    this.setStatus('silent');
    this.awaitingSince = Date.now();
    this.lastProbeAt = 0;
  }

  private onError(relayError: ErrorMessage): void {
    const error = { ...relayError, message: explainRelayError(relayError, this.transport.secret !== null) };
    if (REGISTRATION_BLOCKERS.has(error.code)) {
      // Not in, for a reason that may pass (a full relay, a clock set right, a relay restarted
      // with or without the secret): hellos go on; the reason is reported once, not per retry.
      if (this.state === 'registered') this.state = 'registering';
      if (error.code !== this.lastBlocker) this.emit('relay-error', error);
      this.lastBlocker = error.code;
      return;
    }
    if (error.code === ERROR_CODES.NOT_REGISTERED) {
      // The relay restarted or expired us: register again; pending messages wait and go out after.
      if (this.state === 'registered') {
        this.state = 'registering';
        this.transport.setToken(undefined);
        this.updateDelivery(Date.now());
        this.sendHello();
      }
      return;
    }
    const now = Date.now();
    if (error.code === ERROR_CODES.UNKNOWN_CONTACT && error.ref && now - this.reregisteredAt < REJOIN_GRACE_MS) {
      // Just after a relay restart the others re-register one by one: wait for the
      // recipient (its join sends the message at once) instead of failing it.
      this.outbox.defer(error.ref, 1000, now);
      return;
    }
    // A refused message (unknown contact, empty text) fails now instead of being retried.
    if (error.ref) this.outbox.fail(error.ref, error.message);
    if (NAME_REFUSALS.has(error.code) && this.state === 'registering') this.state = 'refused';
    this.emit('relay-error', error);
  }
}

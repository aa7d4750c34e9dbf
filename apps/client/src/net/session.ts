/**
 * A chat session with the relay: the driver of the sans-I/O protocol core
 * (core/clientCore.ts) over a real UDP socket. It feeds the core what the
 * socket receives and the time, sends what the core queues, runs one timer at
 * the core's next deadline, and re-emits the core's events. Hosting the relay
 * in this process lives beside it (hosting.ts). No UI here: the TUI store and
 * line mode both listen to its events.
 */
import type { Journal } from './journal.js';
import { EventEmitter } from 'node:events';
import { newMessageId, type AuthKey, type ChatMessage, type ContactEntry } from '@udpchat/protocol';
import type { SimulateOptions } from '@udpchat/net';
import { ClientCore } from './core/clientCore.js';
import type { CoreEvents, RegistrationState, RelayMove, RelayStatus, Transmit } from './core/types.js';
import type { KeptIdentity } from './core/deliveryLink.js';
import type { InboxOptions } from './delivery/inbox.js';
import type { OutboxOptions } from './delivery/outbox.js';
import { Hosting } from './hosting.js';
import type { IdentityProvider } from './core/keyedLink.js';
import { resolveRelay, Transport, type DatagramRecord, type Endpoint } from './transport.js';
import { until } from './until.js';
import { isIP } from 'node:net';
import { formatEndpoint } from '@udpchat/net';

export { SendError } from './core/options.js';
import { checkText, SendError } from './core/options.js';
export type { RegistrationState, RelayMove, RelayStatus } from './core/types.js';
export type { KeptIdentity } from './core/deliveryLink.js';

/** Options of `ChatSession.open`. */
export interface SessionOptions {
  /** Relay host name or IP. */
  host: string;
  /** Relay port. */
  port: number;
  /**
   * More relays after `host:port`, in order (`--server a,b,c`): when the relay
   * in use stops answering or says bye, the client registers with the next
   * (round robin; core/failover.ts). With any, this process never hosts a relay.
   */
  moreServers?: ReadonlyArray<{ host: string; port: number }>;
  /** Name to register. */
  name: string;
  /** Host the relay in this process when it is on loopback and nothing is bound there. */
  autoHost: boolean;
  /** Interval between hellos while registering, in ms (default 1000). */
  helloRetryMs?: number;
  /** A probe (hello or heartbeat) unanswered this long marks the relay silent, in ms (default 2500). */
  silentAfterMs?: number;
  /** Heartbeats go out at least this often while idle, in ms (default: the relay's interval, 10 s; 5 s with several servers). */
  maxHeartbeatMs?: number;
  /** Delivery tuning (give-up time, hold time, bounds); defaults as documented in outbox.ts / inbox.ts. */
  delivery?: OutboxOptions & InboxOptions;
  /** Simulated network trouble on received datagrams (demos and tests), or null. */
  simulate?: SimulateOptions | null;
  /** The shared secret (PROTOCOL.md §3.2), also given to a relay hosted in this process; null/absent: none. */
  secret?: AuthKey | null;
  /**
   * After NAME_TAKEN at registration, how long hellos go on before the name is
   * refused for good, in ms (default: the presence timeout + 3 s, so that a
   * registration left by this user's own dead session can expire).
   */
  nameRetryForMs?: number;
  /** After re-registering, how long those online before are awaited back, in ms (default 15,000; core/constants.ts). */
  rejoinGraceMs?: number;
  /** Where chat messages are written down (the history, history/journal.ts), or null/absent: nowhere. */
  journal?: Journal | null;
  /** The identity key of each name (PROTOCOL.md §6.5; identity/keyFiles.ts), or null/absent: no keys (`--ephemeral`). */
  identity?: IdentityProvider | null;
  /** The store file of a relay hosted in this process (`<data dir>/relay.db`), or null/absent: in memory. */
  hostedStoreFile?: string | null;
}

/** Events of a `ChatSession`: the core's, and the driver's own. */
export interface SessionEvents extends CoreEvents {
  /** This process started (true) or stopped (false) hosting the relay. */
  hosting: [hosting: boolean];
  /** A socket error, reported and survived. */
  'socket-error': [error: Error];
}

/** Longest wait of the timer, in ms, even when the core has nothing due (a safety net, not a tick). */
const MAX_TIMER_MS = 1000;

export class ChatSession extends EventEmitter<SessionEvents> {
  private readonly core: ClientCore;
  private readonly journal: Journal | null;
  /** Own messages sent in this turn with a journal: committed, then given to the core (`release`). */
  private readonly held: ChatMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The last fail-over (several servers), or null: the status line tells it. */
  lastMove: RelayMove | null = null;
  private closed = false;

  private constructor(
    private readonly transport: Transport,
    private readonly hostingSupervisor: Hosting,
    /** The relays of the list, resolved, in order (one without `moreServers`). */
    readonly servers: readonly Endpoint[],
    options: SessionOptions,
  ) {
    super();
    this.journal = options.journal ?? null;
    this.core = new ClientCore({
      name: options.name,
      servers: servers.map(formatEndpoint),
      helloRetryMs: options.helloRetryMs,
      silentAfterMs: options.silentAfterMs,
      maxHeartbeatMs: options.maxHeartbeatMs,
      delivery: options.delivery,
      secret: options.secret ?? null,
      nameRetryForMs: options.nameRetryForMs,
      rejoinGraceMs: options.rejoinGraceMs,
      identity: options.identity ?? null,
    });
    transport.on('message', (m) => this.step(() => this.core.handle(m, Date.now())));
    transport.on('socket-error', (err) => this.emit('socket-error', err));
  }

  /**
   * Resolves the relay, hosts it in-process if allowed and needed, binds the socket.
   * Call `start()` after attaching listeners.
   * With several servers (`moreServers`) it never hosts: relays of a list are run by their operators.
   * @throws Error (one-line message) when a host does not resolve, the relays mix IPv4 and IPv6,
   *   or hosting fails for a reason other than a busy port.
   */
  static async open(options: SessionOptions): Promise<ChatSession> {
    const servers = await Promise.all([options, ...(options.moreServers ?? [])].map((s) => resolveRelay(s.host, s.port)));
    const relay = servers[0] as Endpoint;
    if (servers.some((s) => (isIP(s.address) === 6) !== (isIP(relay.address) === 6))) throw new Error('the relays of --server must all be IPv4 or all IPv6');
    const secret = options.secret ?? null;
    const hosting = await Hosting.open(relay, secret, options.autoHost && servers.length === 1, options.hostedStoreFile ?? null);
    const transport = await Transport.open(relay, { simulate: options.simulate ?? null, secret });
    return new ChatSession(transport, hosting, servers, options);
  }

  /** Sends the first hello and starts the timer. */
  start(): void {
    this.step(() => this.core.start(Date.now()));
  }

  /** The name registered (or being registered). */
  get name(): string {
    return this.core.name;
  }
  /** Registration state. */
  get registration(): RegistrationState {
    return this.core.registration;
  }
  /** Relay liveness. */
  get status(): RelayStatus {
    return this.core.status;
  }
  /** The address of the relay in use (with several servers: the one it moved to last). */
  get relay(): Endpoint {
    return this.transport.relay;
  }
  /** This client's address and port as the relay sees them (after registration). */
  get seenAs(): Endpoint | null {
    const welcome = this.core.welcome;
    return welcome ? { address: welcome.address, port: welcome.port } : null;
  }
  /** True while this process hosts the relay. */
  get hosting(): boolean {
    return this.hostingSupervisor.active;
  }
  /** Contacts other than this client registered at the relay this process hosts (0 when not hosting). */
  get hostedOthers(): number {
    return this.hostingSupervisor.others(this.core.registration === 'registered');
  }
  /** Own messages not final yet (queued, sending, or waiting for acks). */
  get pending(): number {
    return this.core.pending;
  }
  /** Sizes of the delivery state, for tests: pending messages, conversations, held messages, remembered ids. */
  get deliverySizes(): ClientCore['deliverySizes'] {
    return this.core.deliverySizes;
  }
  /** The current retransmission timeouts (RFC 6298), in ms. */
  get rto(): { relayMs: number; deliveryMs: number } {
    return this.core.rto;
  }
  /** Online contacts (the caller excluded), as the relay told us. */
  contacts(): ContactEntry[] {
    return this.core.contacts();
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
   * With a journal, it is committed first and handed to the core at the end of this
   * turn (its `seq` is 0 in the message returned; a full queue then reports it failed).
   * @param kept the id and time of a message sent before a restart (the history's retry), else new ones.
   * @returns the message (with its id, new seq and time).
   * @throws SendError EMPTY, TOO_LONG (over MAX_TEXT_BYTES = 790 bytes of UTF-8), QUEUE_FULL.
   */
  send(to: string, text: string, kept?: KeptIdentity): ChatMessage {
    if (!this.journal) {
      try {
        return this.core.send(to, text, Date.now(), kept);
      } finally {
        this.flush();
      }
    }
    // Write before send: the core gets it at the end of this turn, after one commit
    // for every message sent in the turn (a burst, a paste), so its timers start when it leaves.
    checkText(text);
    const identity = kept ?? { id: newMessageId(), time: Date.now() };
    const message: ChatMessage = { kind: 'chat', id: identity.id, from: this.core.name, to, time: identity.time, text, epoch: 0, seq: 0, base: 0 };
    this.journal.sending(message);
    this.held.push(message);
    if (this.held.length === 1) queueMicrotask(() => this.release());
    return message;
  }

  /** The messages held by `send` go to the core once committed; one the core refuses (QUEUE_FULL) is reported failed. */
  private release(): void {
    if (this.closed || this.held.length === 0) return;
    this.step(() => {
      this.journal?.commit();
      for (const m of this.held.splice(0)) {
        try {
          this.core.send(m.to, m.text, Date.now(), { id: m.id, time: m.time });
        } catch (err) {
          if (!(err instanceof SendError)) throw err;
          this.emit('delivery', m, { state: 'failed', reason: err.message });
        }
      }
    });
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

  /**
   * Registers under another name: in place while registered (a refusal keeps
   * the current name and session, and comes as `relay-error`), or instead of
   * the name being registered or refused.
   */
  rename(name: string): void {
    this.step(() => this.core.rename(name, Date.now()));
  }

  /**
   * Resolves once registration is settled (registered, refused or closed),
   * or after `timeoutMs`, with the state then.
   */
  settled(timeoutMs: number): Promise<RegistrationState> {
    return until(this as EventEmitter, ['registered', 'relay-error'], () => this.registration !== 'registering', timeoutMs).then(() => this.registration);
  }

  /**
   * Resolves `true` once every own message is final (delivered, failed, or at
   * the relay with nobody to ack), `false` after `timeoutMs`.
   */
  drained(timeoutMs: number): Promise<boolean> {
    return until(this as EventEmitter, ['delivery'], () => this.core.pending === 0, timeoutMs);
  }

  /** Says bye, stops a hosted relay (telling its contacts), closes the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.journal?.commit();
    const last = this.core.close();
    const bye = last.pop();
    for (const t of last) this.transmit(t);
    if (bye) await this.transport.sendAndWait(bye.message, bye.token);
    await this.hostingSupervisor.stop(bye ? this.core.name : null);
    this.transport.close();
  }

  /**
   * Runs one call into the core, then does what it asked: sends its
   * datagrams, emits its events (in order), takes over hosting when the
   * relay is silent, and sets the timer to the core's next deadline.
   */
  private step(call: () => void): void {
    if (this.closed) return;
    try {
      call();
    } finally {
      this.flush();
    }
  }

  private flush(): void {
    // Own messages are on disk before any of their datagrams leaves.
    this.journal?.commit();
    const { transmits, events } = this.core.take();
    for (const t of transmits) this.transmit(t);
    for (const e of events) {
      // Acknowledged by the core all the same; only not reported again.
      if (e.type === 'chat' && this.journal && !this.journal.received(e.args[0])) continue;
      if (e.type === 'moved') this.lastMove = e.args[0];
      (this.emit as (type: string, ...args: unknown[]) => boolean)(e.type, ...e.args);
    }
    if (this.closed) return;
    if (this.core.status === 'silent') this.tryTakeOver();
    this.schedule();
  }

  /** Sends one datagram of the core to its server (a fail-over moves the transport there first). */
  private transmit(t: Transmit): void {
    const to = this.servers[t.server];
    if (to && to !== this.transport.relay) this.transport.use(to);
    this.transport.send(t.message, t.token);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, this.core.nextDeadline() - Date.now()));
    this.timer = setTimeout(() => this.step(() => this.core.poll(Date.now())), wait);
    this.timer.unref?.();
  }

  /** The relay is silent: host it here if allowed and the port is free (hosting.ts decides). */
  private tryTakeOver(): void {
    void this.hostingSupervisor.takeOver(Date.now(), this.core.relayHostedByClient).then(
      (started) => {
        if (!started || this.closed) return;
        this.emit('hosting', true);
        this.step(() => this.core.hostingStarted(Date.now()));
      },
      (err: unknown) => this.emit('socket-error', err as Error),
    );
  }
}

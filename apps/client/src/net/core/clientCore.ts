/**
 * The client's protocol core, sans I/O (the shape of quinn-proto and h11):
 * registration, relay liveness, the contact list and reliable delivery as a
 * state machine. Feed it what the relay sent with `handle(message, now)`,
 * let time pass with `poll(now)`, and after every call `take()` the
 * datagrams to send and the events to report; `nextDeadline()` says when
 * `poll` must run next. It owns no socket, no timer and reads no clock, so a
 * driver runs it over UDP (session.ts) and the simulation runs thousands of
 * them on a virtual clock.
 */
import {
  GROUP_ALL,
  HEARTBEAT_INTERVAL_MS,
  MAX_TEXT_BYTES,
  nameKey,
  paddedHello,
  type ChatMessage,
  type ContactEntry,
  type Message,
  type WelcomeMessage,
} from '@udpchat/protocol';
import { OutboxFullError } from '../delivery/outbox.js';
import { REJOIN_GRACE_MS, REPROBE_MS } from './constants.js';
import { DeliveryLink, type KeptIdentity } from './deliveryLink.js';
import { coreDeadline } from './deadline.js';
import { KeyedLink } from './keyedLink.js';
import { checkText, SendError, type CoreOptions } from './options.js';
import { RelayLink } from './failover.js';
import { isActive, nameOf, registering, type Registration } from './registration.js';
import { onRelayError, type ErrorContext } from './relayErrorRules.js';
import { onRosterMessage, type RosterCore } from './rosterEvents.js';
import { RosterSync } from './rosterSync.js';
import type { CoreEvent, CoreEvents, RegistrationState, RelayStatus, Transmit } from './types.js';

export class ClientCore {
  private reg: Registration;
  private readonly link: RelayLink; // the current relay of the server list: its liveness, token, queued datagrams
  private readonly roster: RosterSync;
  private readonly delivery: DeliveryLink;
  private readonly keyed: KeyedLink;
  private readonly rosterCore: RosterCore;
  private readonly events: CoreEvent[] = [];
  /** When the last `list` went out while its answer is awaited, or null. */
  private listSentAt: number | null = null;
  private lastBlocker: string | null = null;
  private graceUntil = Number.NEGATIVE_INFINITY; // end of the grace after re-registering (REJOIN_GRACE_MS)
  private everRegistered = false;
  private readonly helloRetryMs: number;
  private lastNow = 0;

  constructor(private readonly options: CoreOptions) {
    this.reg = registering(options.name);
    this.link = new RelayLink(options.servers ?? [], options.silentAfterMs ?? 2500, options.maxHeartbeatMs);
    this.roster = new RosterSync(options.rosterStore?.());
    this.helloRetryMs = options.helloRetryMs ?? 1000;
    this.keyed = new KeyedLink(options.identity ?? null, (error) => this.emit('relay-error', error));
    this.delivery = new DeliveryLink((message, state) => this.emit('delivery', message, this.keyed.translate(message, state)), options.delivery);
    this.rosterCore = {
      sync: this.roster,
      delivery: this.delivery,
      self: () => this.name,
      emit: this.emit.bind(this),
      leave: (name, reason) => this.onLeave(name, reason),
      answered: () => (this.listSentAt = null),
      askIfIdle: (now) => void (this.listSentAt === null && this.reg.state === 'registered' && this.sendList(now)),
    };
  }

  /** Sends the first hello. */
  start(now: number): void {
    this.lastNow = now;
    this.sendHello(now);
  }

  /** The name registered (or being registered). */
  get name(): string {
    return nameOf(this.reg);
  }
  /** Registration state. */
  get registration(): RegistrationState {
    return this.reg.state;
  }
  /** Relay liveness. */
  get status(): RelayStatus {
    return this.link.liveness.status;
  }
  /** The index of the relay in use in the server list (0: the first). */
  get server(): number {
    return this.link.server;
  }
  /** The last welcome, while registered. */
  get welcome(): WelcomeMessage | null {
    return this.reg.state === 'registered' ? this.reg.welcome : null;
  }
  /** Whether the relay last registered with is hosted inside a client (welcome.hostedByClient): only such a relay is taken over. */
  get relayHostedByClient(): boolean {
    return this.link.hostedByClient;
  }
  /** Own messages not final yet. */
  get pending(): number {
    return this.delivery.outbox.size;
  }
  /** Sizes of the delivery state: pending messages, conversations, held messages, remembered ids. */
  get deliverySizes(): DeliveryLink['sizes'] {
    return this.delivery.sizes;
  }
  /** The current retransmission timeouts (RFC 6298), in ms. */
  get rto(): { relayMs: number; deliveryMs: number } {
    return this.delivery.outbox.rto;
  }
  /** Online contacts (the caller excluded), as the relay told us. */
  contacts(): ContactEntry[] {
    return this.roster.roster.list();
  }

  /** What to send and to report since the last call, in order. */
  take(): { transmits: Transmit[]; events: CoreEvent[] } {
    return { transmits: this.link.take(), events: this.events.splice(0) };
  }

  /**
   * Queues a chat message to `to` (a name, or `all`), delivered reliably; `kept`: the id and time of one sent before a restart.
   * @returns the message (with its id, new seq and time).
   * @throws SendError EMPTY, TOO_LONG (over MAX_TEXT_BYTES = 790 bytes of UTF-8), QUEUE_FULL.
   */
  send(to: string, text: string, now: number, kept?: KeptIdentity): ChatMessage {
    checkText(text);
    const group = nameKey(to) === GROUP_ALL;
    const awaited = now < this.graceUntil || this.reg.state !== 'registered';
    const expected = group ? this.roster.groupExpected(awaited) : [];
    try {
      const message = this.delivery.create(this.name, to, text, expected, now, kept);
      this.pump(now);
      return message;
    } catch (err) {
      if (err instanceof OutboxFullError) throw new SendError('QUEUE_FULL', err.message);
      throw err;
    }
  }

  /**
   * Registers under another name. Registered: the relay renames this contact
   * in place (same session, PROTOCOL.md §6.1); a refusal keeps the current name
   * and comes as `relay-error`. Otherwise: registers under `name` instead.
   */
  rename(name: string, now: number): void {
    if (this.reg.state === 'closed') return;
    if (this.reg.state === 'registered') {
      if (name === this.reg.welcome.name) return;
      this.reg.renaming = { name, sentAt: now };
      this.link.probe(paddedHello(name, { auth: this.options.secret ?? undefined }), now);
      return;
    }
    this.reg = registering(name);
    this.sendHello(now);
  }

  /** A relay was started in this process after the old one went silent: register with it. */
  hostingStarted(now: number): void {
    this.lostRegistration();
    this.sendHello(now);
  }

  /**
   * Closes: returns the last datagrams (pending acks, then the bye) for the
   * driver to send before closing its socket; nothing is taken afterwards.
   */
  close(): Transmit[] {
    const wasRegistered = this.reg.state === 'registered';
    if (this.reg.state !== 'closed') this.reg = { state: 'closed', name: this.name };
    if (!wasRegistered) return [];
    const last: Message[] = [...this.delivery.flushAcks(this.name), { kind: 'bye', reason: '' }];
    for (const message of last) this.link.transmit(message);
    return this.link.take();
  }

  /** Takes one datagram from the relay. */
  handle(message: Message, now: number): void {
    this.lastNow = now;
    if (this.reg.state === 'closed') return;
    if (this.link.answered()) this.statusChanged(now);
    switch (message.kind) {
      case 'welcome':
        return this.onWelcome(message, now);
      case 'contacts':
        this.keyed.complete();
        return onRosterMessage(message, now, this.rosterCore);
      case 'join':
      case 'leave':
      case 'rename':
      case 'roster-delta':
      case 'heartbeat-ack': // carries the relay's last pushed roster version: what the list missed is asked for
        return onRosterMessage(message, now, this.rosterCore);
      case 'chat':
        for (const m of this.delivery.receive(message, now)) this.emit('chat', m);
        return;
      case 'relay-ack':
        this.delivery.outbox.onRelayAck(message.id, message.recipients, now, now < this.graceUntil);
        return;
      case 'ack':
        this.delivery.outbox.onAck(message, now);
        return;
      case 'bye':
        this.lostRegistration();
        if (this.link.several && this.reg.state === 'registering') return this.moveOn(now, `${this.link.label} said bye${message.reason ? `: ${message.reason}` : ''}`);
        this.emit('relay-bye', message.reason);
        // Silent until a relay (a restarted one, or one this process hosts) answers a hello.
        if (this.link.liveness.gone(now)) this.statusChanged(now);
        return;
      case 'error':
        return onRelayError(this.errorContext(now), message);
      default:
        return this.onKeyed(message, now); // challenge, stored, receipt; hello, heartbeat, list, identify, receipt-ack: not for clients
    }
  }

  /** Identity keys and offline messages (PROTOCOL.md §6.5–6.6): a rename's challenge, `stored`, `receipt` (keyedLink.ts). */
  private onKeyed(message: Message, now: number): void {
    const renaming = this.reg.state === 'registered' ? (this.reg.renaming?.name ?? null) : null;
    const { reply, receipt } = this.keyed.handle(message, renaming, (id) => this.delivery.outbox.onRelayAck(id, 0, now));
    if (reply) this.link.transmit(reply);
    if (receipt) this.emit('receipt', receipt.id, receipt.by);
  }

  /** Lets time pass: silence, retransmissions, acks, hellos, heartbeats, contact-list repair. */
  poll(now: number): void {
    this.lastNow = now;
    if (this.reg.state === 'closed') return;
    if (this.link.poll(now)) this.statusChanged(now);
    if (now >= this.link.moveAt(isActive(this.reg))) this.moveOn(now, `${this.link.label} stopped answering`);
    if (this.delivery.acksDue(now)) for (const ack of this.delivery.flushAcks(this.name)) this.link.transmit(ack);
    this.pump(now);
    for (const message of this.delivery.inbox.expire(now)) this.emit('chat', message);
    const { reg, link: { liveness } } = this;
    if (reg.state === 'registering' && now - this.link.liveness.lastProbeAt >= this.helloRetryMs && now >= reg.retryAt) this.sendHello(now);
    if (reg.state !== 'registered') return;
    if (this.roster.awaiting && now >= this.graceUntil) {
      this.roster.graceOver(); // the list asked for now says who of those awaited is gone
      this.sendList(now);
    }
    if (reg.renaming && now - reg.renaming.sentAt >= REPROBE_MS) this.rename(reg.renaming.name, now);
    if (this.listSentAt !== null && now - this.listSentAt >= REPROBE_MS) this.sendList(now);
    else if (now - liveness.lastProbeAt >= liveness.probeEvery(this.welcome?.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS)) this.link.probe({ kind: 'heartbeat', seq: liveness.nextHeartbeatSeq() }, now);
  }

  /** When `poll` must run next, in ms (it may run earlier). */
  nextDeadline(): number {
    const { lastNow: now, reg, link, helloRetryMs, listSentAt, graceUntil } = this;
    const deliveryAt = Math.min(this.delivery.nextDeadline(now), link.moveAt(isActive(reg)));
    return coreDeadline({ now, reg, liveness: link.liveness, deliveryAt, helloRetryMs, listSentAt, awaiting: this.roster.awaiting, graceUntil });
  }

  private emit<K extends keyof CoreEvents>(type: K, ...args: CoreEvents[K]): void {
    this.events.push({ type, args } as CoreEvent);
  }

  /** A `hello` padded to HELLO_MIN_BYTES (anti-amplification, PROTOCOL.md §6.1), with the last token if any: a relay that still has us answers only that. */
  private sendHello(now: number): void {
    this.link.probe(paddedHello(this.name, { auth: this.options.secret ?? undefined }), now);
  }

  /** Asks for the changes since the list's roster version (PROTOCOL.md §6.7); the first `list` with a new token completes registration (§6.1). */
  private sendList(now: number): void {
    this.listSentAt = now;
    this.link.probe(this.keyed.listDatagram(this.name, this.link.token, this.roster.version), now); // identify until registered, when keyed
  }

  /** Queues the chat datagrams that are due (first sends and retransmissions, paced). */
  private pump(now: number): void {
    const due = this.delivery.due(this.name, now);
    for (const message of due) this.link.transmit(message);
    if (due.length > 0) this.link.expectAnswer(now); // several servers: a dead relay is noticed while sending
  }

  /** Delivery runs only while registered with an answering relay. */
  private updateDelivery(now: number): void {
    if (this.reg.state === 'registered' && this.link.liveness.status === 'answering') this.delivery.outbox.resume(now);
    else this.delivery.outbox.pause(now);
  }

  private statusChanged(now: number): void {
    this.updateDelivery(now);
    this.emit('status', this.link.liveness.status);
  }

  /** Fail-over (failover.ts): registers with the next relay, keeping name, key, epochs and outbox (resent with the same ids once welcomed). */
  private moveOn(now: number, reason: string): void {
    this.lostRegistration();
    if (this.reg.state === 'registering') this.reg = registering(this.reg.name);
    this.listSentAt = null;
    this.emit('moved', this.link.moveOn(reason));
    this.statusChanged(now);
    this.sendHello(now);
  }

  private onWelcome(welcome: WelcomeMessage, now: number): void {
    const reg = this.reg;
    this.link.token = welcome.token;
    this.link.hostedByClient = welcome.hostedByClient;
    this.lastBlocker = null;
    if (reg.state === 'registered') {
      const renamed = welcome.name !== reg.welcome.name;
      this.reg = { state: 'registered', welcome, renaming: renamed ? null : reg.renaming };
      if (renamed) this.emit('registered', welcome); // an own rename, accepted
      return; // else a duplicate welcome (the answer to a retried hello)
    }
    this.reg = { state: 'registered', welcome, renaming: null };
    this.keyed.restart();
    this.sendList(now);
    if (this.everRegistered) this.graceUntil = now + (this.options.rejoinGraceMs ?? REJOIN_GRACE_MS);
    this.everRegistered = true;
    this.emit('registered', welcome);
    this.updateDelivery(now);
    this.pump(now);
  }

  private onLeave(name: string, reason: 'bye' | 'timeout'): void {
    this.roster.roster.leave(name);
    for (const m of this.delivery.inbox.dropSender(name)) this.emit('chat', m);
    this.delivery.outbox.onLeave(name);
    this.emit('leave', name, reason);
  }

  /** Registration was lost (relay restarted, went away, expired us): who was online is awaited back. */
  private lostRegistration(): void {
    if (this.reg.state !== 'registered') return;
    this.reg = registering(this.reg.welcome.name);
    this.roster.lost();
    this.updateDelivery(this.lastNow);
  }

  /** What the relay-error rules may read and change. */
  private errorContext(now: number): ErrorContext {
    return {
      now,
      hasSecret: (this.options.secret ?? null) !== null,
      nameRetryForMs: this.options.nameRetryForMs,
      graceUntil: this.graceUntil,
      lastBlocker: this.lastBlocker,
      setLastBlocker: (code) => (this.lastBlocker = code),
      getReg: () => this.reg,
      setReg: (reg) => void ((this.reg = reg), this.updateDelivery(now)),
      lostRegistration: () => this.lostRegistration(),
      forgetToken: () => (this.link.token = undefined),
      sendHello: () => this.sendHello(now),
      outbox: this.delivery.outbox,
      emit: (error) => this.emit('relay-error', error),
    };
  }
}

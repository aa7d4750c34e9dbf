/**
 * TestPeer: a real UDP socket on 127.0.0.1 (ephemeral port) talking to a
 * relay, with a queue of the decoded messages it received. It registers the
 * way clients do (PROTOCOL.md §6.1: padded hello → welcome{token} → list with
 * the token → contacts), then sends everything with its token, and signs
 * everything when given the shared secret.
 */
import type { Socket } from 'node:dgram';
import {
  decodeDatagram,
  isProtocolDatagram,
  encode,
  kindCode,
  paddedHello,
  ReplayWindow,
  verifyAuth,
  type AuthKey,
  type AuthVerdict,
  type ContactEntry,
  type EncodeOptions,
  type Message,
  type MessageKind,
  type MessageOf,
  type WelcomeMessage,
} from '@udpchat/protocol';
import { closeSocket, openLoopbackSocket, sendDatagram, type RelayEndpoint } from './socket.js';

export type { RelayEndpoint };

type Waiter = { match: (m: Message) => boolean; resolve: (m: Message) => void };

/** A protocol peer over a real socket. */
export class TestPeer {
  /** Messages received and not yet taken by `next`, oldest first. */
  readonly inbox: Message[] = [];
  /** Datagrams received that did not decode (the relay should never send any). */
  readonly garbage: Uint8Array[] = [];
  /** Socket errors after bind (none expected). */
  readonly errors: Error[] = [];
  /**
   * For each datagram received, in order: `unsigned`; `signed` (a trailer, and
   * no secret to check it with); or (with a secret) what verifyAuth said of
   * its trailer (`ok`, `bad-tag`, `stale`, `replay`…).
   */
  readonly verdicts: Array<AuthVerdict | 'unsigned' | 'signed'> = [];
  /** Bytes received in all (UDP payloads). */
  bytesReceived = 0;
  /** Datagrams of a kind in `skipKinds`, by kind: counted, not decoded (and not in `inbox` or `verdicts`). */
  readonly skipped = new Map<MessageKind, number>();
  /** Bytes sent in all (UDP payloads). */
  bytesSent = 0;
  /** The session token from the last welcome; sent with every datagram once set. */
  token: Uint8Array | undefined;
  private readonly waiters: Waiter[] = [];
  private readonly replay = new ReplayWindow();

  private constructor(
    private readonly socket: Socket,
    private readonly relay: RelayEndpoint,
    /** The shared secret to sign with and check against; undefined: sign nothing. */
    readonly secret: AuthKey | undefined,
    /** Kind bytes of the kinds not to decode (see `skipped`). */
    private readonly skipCodes: ReadonlyMap<number, MessageKind> = new Map(),
  ) {
    socket.on('message', (bytes) => this.onDatagram(bytes));
    socket.on('error', (err) => this.errors.push(err));
  }

  /**
   * Opens a peer bound to 127.0.0.1:`port` (default 0, any free port), or `[::1]` for an IPv6 relay.
   * @param options.secret sign every datagram with it.
   * @param options.skipKinds kinds received only to be counted in `skipped`, never decoded or
   *   verified: for scale tests, where decoding and checking the tag of every `join` would be
   *   most of the test's time.
   */
  static async open(relay: RelayEndpoint, options: { secret?: AuthKey; port?: number; skipKinds?: readonly MessageKind[] } = {}): Promise<TestPeer> {
    // The kind bytes from the codec's schema (a copy here had lost roster-delta, 0x0f: it was never skipped).
    const skip = new Map((options.skipKinds ?? []).map((kind) => [kindCode(kind), kind] as const));
    return new TestPeer(await openLoopbackSocket(relay, options.port), relay, options.secret, skip);
  }

  /** The envelope this peer sends with: its token (once it has one) and its secret (if any). */
  get envelope(): EncodeOptions {
    return { token: this.token, auth: this.secret };
  }

  /** This peer's port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** This peer's address. */
  get address(): string {
    return this.socket.address().address;
  }

  /** Sends one message to the relay, with this peer's token and signature (`envelope`). */
  send(message: Message): Promise<void> {
    return this.sendRaw(encode(message, this.envelope));
  }

  /** Sends one message with exactly the envelope given (no token or signature unless in `options`). */
  sendWith(message: Message, options: EncodeOptions = {}): Promise<void> {
    return this.sendRaw(encode(message, options));
  }

  /** Sends a `hello` padded to HELLO_MIN_BYTES (300), with this peer's envelope. */
  hello(name: string): Promise<void> {
    return this.send(paddedHello(name, this.envelope));
  }

  /** Sends raw bytes as one datagram to the relay. */
  sendRaw(bytes: Uint8Array): Promise<void> {
    this.bytesSent += bytes.length;
    return sendDatagram(this.socket, this.relay, bytes);
  }

  /**
   * The next received message of `kind` matching `where` (taken out of the
   * inbox; other messages stay). Rejects after `timeoutMs`.
   */
  next<K extends MessageKind>(kind: K, where: (m: MessageOf<K>) => boolean = () => true, timeoutMs = 3000): Promise<MessageOf<K>> {
    return this.nextMatching((m): m is MessageOf<K> => m.kind === kind && where(m as MessageOf<K>), timeoutMs, kind);
  }

  /** The next received message for which `predicate` holds (taken out of the inbox). */
  nextMatching<T extends Message>(predicate: (m: Message) => m is T, timeoutMs?: number, what?: string): Promise<T>;
  nextMatching(predicate: (m: Message) => boolean, timeoutMs?: number, what?: string): Promise<Message>;
  nextMatching(predicate: (m: Message) => boolean, timeoutMs = 3000, what = 'a matching message'): Promise<Message> {
    const index = this.inbox.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0] as Message);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match: predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`peer :${this.port} timed out after ${timeoutMs} ms waiting for ${what}; inbox: ${JSON.stringify(this.inbox)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Messages of `kind` still in the inbox (not taken). */
  pending<K extends MessageKind>(kind: K): MessageOf<K>[] {
    return this.inbox.filter((m): m is MessageOf<K> => m.kind === kind);
  }

  /**
   * Registers as `name` (PROTOCOL.md §6.1): sends a padded hello (with its
   * token when it has one), waits for the welcome and keeps its token, sends
   * `list` with the token and waits for every page of the contact list.
   * @returns the welcome and the contact entries of all pages, in page order.
   */
  async register(name: string): Promise<{ welcome: WelcomeMessage; contacts: ContactEntry[]; pages: number }> {
    await this.hello(name);
    const welcome = await this.next('welcome');
    this.token = welcome.token;
    await this.send({ kind: 'list', epoch: 0, version: 0 });
    const first = await this.next('contacts');
    const pages = [first];
    while (pages.length < first.pages) pages.push(await this.next('contacts'));
    pages.sort((a, b) => a.page - b.page);
    return { welcome, contacts: pages.flatMap((p) => p.contacts), pages: first.pages };
  }

  /** Closes the socket. */
  close(): Promise<void> {
    return closeSocket(this.socket);
  }

  private onDatagram(bytes: Uint8Array): void {
    this.bytesReceived += bytes.length;
    const skippedKind = bytes.length > 3 && isProtocolDatagram(bytes) ? this.skipCodes.get(bytes[3] as number) : undefined;
    if (skippedKind !== undefined) {
      this.skipped.set(skippedKind, (this.skipped.get(skippedKind) ?? 0) + 1);
      return;
    }
    let message: Message;
    try {
      const datagram = decodeDatagram(bytes);
      message = datagram.message;
      if (datagram.auth === undefined) this.verdicts.push('unsigned');
      else if (this.secret) this.verdicts.push(verifyAuth(this.secret, bytes, datagram.auth, Date.now(), this.replay));
      else this.verdicts.push('signed');
    } catch {
      this.garbage.push(bytes);
      return;
    }
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else {
      this.inbox.push(message);
    }
  }
}

let counter = 0;
/** A fresh valid message id. */
export function chatId(): string {
  counter += 1;
  return `t${Date.now().toString(36)}_${counter}`;
}

/** A chat message with sensible defaults. */
export function chat(to: string, text: string, extra: Partial<MessageOf<'chat'>> = {}): MessageOf<'chat'> {
  return { kind: 'chat', id: chatId(), from: '', to, epoch: 0, seq: 0, base: 0, time: Date.now(), text, ...extra };
}

/** Proves everything sent to `peer` before now has arrived: a heartbeat round trip (`seq` echoed). */
export async function barrier(peer: TestPeer, seq: number): Promise<void> {
  await peer.send({ kind: 'heartbeat', seq });
  await peer.next('heartbeat-ack', (m) => m.seq === seq);
}

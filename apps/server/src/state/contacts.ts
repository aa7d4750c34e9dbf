/**
 * The contact table: who is registered, under which name, at which address.
 * Contacts are found both by name key (case-insensitive, `nameKey`) and by
 * endpoint (`address:port`); the two indexes always hold the same contacts.
 * One table holds both kinds of contact: protocol clients (`client`, named by
 * their `hello`) and plain-text peers (`plain`, named after their address,
 * `127.0.0.1:54321`), so a direct message and the contact list find either.
 * A client name can never look like an address (no `:` is allowed in names),
 * so the two kinds never compete for a name.
 *
 * In cluster mode (apps/server/src/cluster/) the table also holds the
 * clients of the other relays (`remote` set: their relay, no address): they
 * are in the contact list and the roster like any client, but never sent to
 * (`clients()` and the send paths skip them), never expire here (their relay
 * says when they leave), and do not count in `localSize` or per IP.
 */
import { nameKey, type ContactKind } from '@udpchat/protocol';
import { formatEndpoint, type Endpoint } from '@udpchat/net';
import { IpCount } from './ipCount.js';

/**
 * What the relay may send a plain-text peer before that peer sends again, in
 * bytes (PROTOCOL.md §6.3): a plain peer's address is unvalidated (anyone can
 * forge one), so a forged datagram makes the relay send its victim at most this.
 */
export const PLAIN_PEER_BUDGET_BYTES = 16 * 1024;

/** Where a remote contact (a client of another relay in the cluster) is, and whether it is moving. */
export interface RemoteOwner {
  /** The relay id of the relay that holds it. */
  readonly relay: string;
  /** True while its relay is down or said its users are moving (PROTOCOL: CLUSTER.md "Relay failure"). */
  moving: boolean;
  /** When it started moving, ms of the table's clock (0 when not moving). */
  movingSince: number;
}

/** Address of every remote contact: no datagram ever goes to it (the send paths skip remote contacts before). */
const NO_ENDPOINT: Endpoint = Object.freeze({ address: '0.0.0.0', port: 0 });

/** One registered contact. */
export interface Contact {
  /** The name as registered (original spelling). */
  readonly name: string;
  /** `nameKey(name)`: the unique, case-insensitive key. */
  readonly key: string;
  /** `name` as UTF-8 bytes (the forwarding fast path finds and writes names as bytes). */
  readonly nameBytes: Uint8Array;
  /** Where its datagrams come from, and where the relay sends to it. */
  readonly endpoint: Endpoint;
  /** `formatEndpoint(endpoint)`. */
  readonly endpointKey: string;
  /** `client` (speaks the protocol) or `plain` (a plain-text UDP peer, see plainPeers.ts). */
  readonly type: ContactKind;
  /** When it registered, in ms of the table's clock. */
  readonly registeredAt: number;
  /** When its last valid datagram arrived, in ms of the table's clock. */
  lastSeen: number;
  /**
   * Its session token (PROTOCOL.md §3.1), TOKEN_BYTES (16) bytes; every
   * datagram from its address must carry it. Undefined for a plain peer.
   * Never logged.
   */
  readonly token: Uint8Array | undefined;
  /**
   * The raw Ed25519 public key this client proved at registration or its
   * last rename (PROTOCOL.md §6.5), or undefined: registered without a key.
   */
  identity: Uint8Array | undefined;
  /** The challenge of a rename to `name` waiting for its `identify` (PROTOCOL.md §4.16), if any. */
  challenge: { readonly key: string; readonly name: string; readonly bytes: Uint8Array } | undefined;
  /**
   * Plain peers: bytes the relay may still send it, set back to
   * PLAIN_PEER_BUDGET_BYTES each time it sends (PROTOCOL.md §6.3). Unused for clients.
   */
  sendBudget: number;
  /** Set for a client of another relay of the cluster (then `endpoint` is a placeholder, never sent to); undefined for a local contact. */
  remote: RemoteOwner | undefined;
}

/** The two indexes of the registered contacts. Not thread-safe, not persistent. */
export class ContactTable {
  private readonly byKey = new Map<string, Contact>();
  private readonly byAddress = new Map<string, Contact>();
  /**
   * By `nameHash(nameBytes)`: the exact spelling as registered, for the fast
   * path (`exactlyNamed`). On a hash collision only the first contact is
   * here; the other is still found by `named` (the slow path).
   */
  private readonly byNameBytes = new Map<number, Contact>();
  private plain = 0;
  private remote = 0;
  /** Numbers the placeholder endpoint keys of remote contacts (`@remote#N`: never an `ip:port`). */
  private remoteSerial = 0;

  /** @param ipCount where contacts are counted per IP address (shared with the pending registrations). */
  constructor(readonly ipCount: IpCount = new IpCount()) {}

  /** Number of registered contacts. */
  get size(): number {
    return this.byKey.size;
  }

  /** The contact registered at `endpoint`, if any. */
  atEndpoint(endpoint: Endpoint): Contact | undefined {
    return this.byAddress.get(formatEndpoint(endpoint));
  }

  /** The contact registered at the address `key` (`formatEndpoint` / `endpointKey`), if any. */
  atKey(key: string): Contact | undefined {
    return this.byAddress.get(key);
  }

  /** The contact whose name matches `name` case-insensitively, if any. */
  named(name: string): Contact | undefined {
    return this.byKey.get(nameKey(name));
  }

  /**
   * The contact whose registered name is exactly the UTF-8 bytes
   * `bytes[start, end)` (same spelling, same case), without decoding them;
   * undefined when none is (then `named` may still find one by its key: the
   * caller falls back to it). Allocates nothing.
   */
  exactlyNamed(bytes: Uint8Array, start: number, end: number): Contact | undefined {
    const contact = this.byNameBytes.get(nameHash(bytes, start, end));
    if (contact === undefined) return undefined;
    const own = contact.nameBytes;
    if (own.length !== end - start) return undefined;
    for (let i = 0; i < own.length; i++) if (own[i] !== bytes[start + i]) return undefined;
    return contact;
  }

  /** Plain-text peers registered now (the fast path leaves group messages to the slow one while there are any). */
  get plainCount(): number {
    return this.plain;
  }

  /**
   * Registers `name` at `endpoint` with `lastSeen = now`.
   * @param now current time in ms (same clock as `expired`).
   * @param token the session token of a client (none for a plain peer).
   * @throws Error when the name key or the endpoint is already registered (callers check first).
   */
  add(name: string, endpoint: Endpoint, now: number, type: ContactKind = 'client', token?: Uint8Array): Contact {
    const key = nameKey(name);
    const endpointKey = formatEndpoint(endpoint);
    if (this.byKey.has(key)) throw new Error(`name ${JSON.stringify(name)} is already registered`);
    if (this.byAddress.has(endpointKey)) throw new Error(`${endpointKey} is already registered`);
    const contact: Contact = {
      name,
      key,
      nameBytes: utf8Bytes(name),
      endpoint: { address: endpoint.address, port: endpoint.port },
      endpointKey,
      type,
      registeredAt: now,
      lastSeen: now,
      token,
      identity: undefined,
      challenge: undefined,
      sendBudget: PLAIN_PEER_BUDGET_BYTES,
      remote: undefined,
    };
    this.byKey.set(key, contact);
    this.byAddress.set(endpointKey, contact);
    this.ipCount.add(contact.endpoint.address);
    this.indexName(contact);
    if (type === 'plain') this.plain++;
    return contact;
  }

  /**
   * Registers `name` as a client of the relay `relay` of the cluster (no
   * address, no token), with the identity key its relay announced.
   * @throws Error when the name key is already registered (callers check first).
   */
  addRemote(name: string, relay: string, identity: Uint8Array | undefined, now: number): Contact {
    const key = nameKey(name);
    if (this.byKey.has(key)) throw new Error(`name ${JSON.stringify(name)} is already registered`);
    const endpointKey = `@remote#${++this.remoteSerial}`;
    const contact: Contact = {
      name,
      key,
      nameBytes: utf8Bytes(name),
      endpoint: NO_ENDPOINT,
      endpointKey,
      type: 'client',
      registeredAt: now,
      lastSeen: now,
      token: undefined,
      identity,
      challenge: undefined,
      sendBudget: 0,
      remote: { relay, moving: false, movingSince: 0 },
    };
    this.byKey.set(key, contact);
    this.byAddress.set(endpointKey, contact);
    this.indexName(contact);
    this.remote++;
    return contact;
  }

  /** Registered contacts of this relay (clients and plain peers), the remote ones not counted. */
  get localSize(): number {
    return this.byKey.size - this.remote;
  }

  /** Remote contacts (clients of the other relays of the cluster) registered now. */
  get remoteCount(): number {
    return this.remote;
  }

  /** The remote contacts, of `relay` only when given, in registration order. */
  remotes(relay?: string): Contact[] {
    if (this.remote === 0) return [];
    return this.all().filter((c) => c.remote !== undefined && (relay === undefined || c.remote.relay === relay));
  }

  /** The contacts of this relay (clients and plain peers), in registration order. */
  locals(): Contact[] {
    return this.remote === 0 ? this.all() : this.all().filter((c) => c.remote === undefined);
  }

  /**
   * Moves `contact` to `endpoint` with a new `token` (its address changed,
   * PROTOCOL.md §6.1 "Moving"): same name, same place in the registration
   * order, `lastSeen = now`.
   * @returns the contact as it is now registered (a new object; `contact` is no longer in the table).
   * @throws Error when `contact` is not registered or `endpoint` is taken (callers check first).
   */
  rebind(contact: Contact, endpoint: Endpoint, token: Uint8Array, now: number): Contact {
    if (this.byKey.get(contact.key) !== contact) throw new Error(`${JSON.stringify(contact.name)} is not registered`);
    const endpointKey = formatEndpoint(endpoint);
    if (this.byAddress.has(endpointKey)) throw new Error(`${endpointKey} is already registered`);
    const moved: Contact = { ...contact, endpoint: { address: endpoint.address, port: endpoint.port }, endpointKey, token, lastSeen: now };
    this.byAddress.delete(contact.endpointKey);
    this.ipCount.remove(contact.endpoint.address);
    this.byKey.set(contact.key, moved); // an existing key keeps its place in the order
    this.byAddress.set(endpointKey, moved);
    this.ipCount.add(endpoint.address);
    this.unindexName(contact);
    this.indexName(moved);
    return moved;
  }

  /**
   * Renames `contact` to `name` (a registered client sent `hello` with another
   * name, PROTOCOL.md §6.1): same address, token, presence and registration
   * time; the old name is free at once. The contact moves to the end of the
   * registration order (its name key is a new one).
   * @returns the contact as it is now registered (a new object; `contact` is no longer in the table).
   * @throws Error when `contact` is not registered or `name` belongs to another contact (callers check first).
   */
  rename(contact: Contact, name: string): Contact {
    if (this.byKey.get(contact.key) !== contact) throw new Error(`${JSON.stringify(contact.name)} is not registered`);
    const key = nameKey(name);
    const owner = this.byKey.get(key);
    if (owner !== undefined && owner !== contact) throw new Error(`name ${JSON.stringify(name)} is already registered`);
    const renamed: Contact = { ...contact, name, key, nameBytes: utf8Bytes(name) };
    this.byKey.delete(contact.key);
    this.byKey.set(key, renamed);
    this.byAddress.set(contact.endpointKey, renamed);
    this.unindexName(contact);
    this.indexName(renamed);
    return renamed;
  }

  /**
   * Removes `contact` from both indexes.
   * @returns false when it was not registered (already removed).
   */
  remove(contact: Contact): boolean {
    if (this.byKey.get(contact.key) !== contact) return false;
    this.byKey.delete(contact.key);
    this.byAddress.delete(contact.endpointKey);
    if (contact.remote === undefined) this.ipCount.remove(contact.endpoint.address);
    else this.remote--;
    this.unindexName(contact);
    if (contact.type === 'plain') this.plain--;
    return true;
  }

  private indexName(contact: Contact): void {
    const hash = nameHash(contact.nameBytes, 0, contact.nameBytes.length);
    if (!this.byNameBytes.has(hash)) this.byNameBytes.set(hash, contact);
  }

  private unindexName(contact: Contact): void {
    const hash = nameHash(contact.nameBytes, 0, contact.nameBytes.length);
    if (this.byNameBytes.get(hash) === contact) this.byNameBytes.delete(hash);
  }

  /** Marks `contact` as heard from at `now` (ms). */
  touch(contact: Contact, now: number): void {
    contact.lastSeen = now;
  }

  /** Every contact, in registration order. */
  all(): Contact[] {
    return [...this.byKey.values()];
  }

  /** Every contact except `contact`, in registration order. */
  othersThan(contact: Contact): Contact[] {
    return this.all().filter((c) => c !== contact);
  }

  /** Every protocol client of this relay (`type === 'client'`, not remote) except `except` (if given), in registration order. */
  clients(except?: Contact): Contact[] {
    return this.all().filter((c) => c.type === 'client' && c.remote === undefined && c !== except);
  }

  /**
   * Local contacts silent for longer than their timeout at `now` (not removed: the caller does that; remote ones never expire here).
   * @param now current time in ms (same clock as `lastSeen`).
   * @param timeoutMs the timeout in ms, one for every contact or one per contact
   *   (e.g. a longer one for plain peers).
   */
  expired(now: number, timeoutMs: number | ((contact: Contact) => number)): Contact[] {
    const timeoutOf = typeof timeoutMs === 'number' ? () => timeoutMs : timeoutMs;
    return this.all().filter((c) => c.remote === undefined && now - c.lastSeen > timeoutOf(c));
  }
}

const encoder = new TextEncoder();

function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** FNV-1a (32 bits) of `bytes[start, end)`, kept to 30 bits so that it is a small integer (a Map key that allocates nothing). */
export function nameHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h & 0x3fff_ffff;
}

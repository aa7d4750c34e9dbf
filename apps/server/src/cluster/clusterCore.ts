/**
 * The cluster core (CLUSTER.md), sans I/O: what this relay tells the others
 * and what it does with what they tell it. It is attached to a relay core
 * (`attach`, the relay core's `cluster` option) and driven by a thin driver
 * (driver.ts: NATS, timers) or by a test's in-memory bus: `receive` takes
 * one message of a subject, `tick` sends heartbeats and notices silent
 * relays and expired graces, `connected` (again) asks everyone for their
 * users; what it sends goes to `bus.publish`. Never throws for what others send.
 */
import { randomBytes } from 'node:crypto';
import type { AckMessage, ChatMessage } from '@udpchat/protocol';
import type { Logger } from 'pino';
import type { ClusterStats } from '../observe/stats.js';
import type { ClusterAttachment, RouterContext } from '../rules/context.js';
import type { Contact } from '../state/contacts.js';
import { decodeEnvelope, encodeEnvelope, isEnvelope } from './envelope.js';
import { deliverRouted, takenOver, type RoutedCounts } from './inbound.js';
import { encodeControl, keyBytes, keyText, parseControl, type ControlMessage } from './messages.js';
import type { ClusterSubjects } from './options.js';
import { PeerTable } from './peers.js';
import { applySnapshot, expireMoving, markMoving, remoteArrived, remoteLeft, remoteRenamed, removeRemote } from './remoteRoster.js';

/** Where the core's messages go: NATS (driver.ts), or a test's bus. */
export interface ClusterBus {
  /** Publishes `data` on `subject`; never throws (a failure is the bus's to log). */
  publish(subject: string, data: Uint8Array): void;
}

/** The core's settings. */
export interface ClusterCoreOptions {
  readonly relayId: string;
  readonly subjects: ClusterSubjects;
  readonly heartbeatMs: number;
  readonly downAfterMs: number;
  readonly graceMs: number;
  readonly bus: ClusterBus;
  /** The relay's monotonic clock, ms. */
  readonly now: () => number;
  readonly log: Logger;
  /** This process's id in heartbeats (default random): a restart under the same relay id is told apart by it. */
  readonly instance?: string;
  /** Called after a cluster message changed the roster or queued relay-acks: the relay arms its timer (push pacing). */
  readonly onChange?: () => void;
}

/** A change of a local contact waiting for `flush` (published in order, numbered then). */
type LocalChange =
  | { readonly t: 'join'; readonly contact: Contact; readonly replaces: string | undefined }
  | { readonly t: 'leave'; readonly name: string; readonly reason: 'bye' | 'timeout' }
  | { readonly t: 'rename'; readonly contact: Contact; readonly from: string };

/** A cluster core: attach it to a relay core, then feed it. */
export interface ClusterCore {
  /** The relay core's `cluster` option. */
  attach(ctx: RouterContext): ClusterAttachment;
  /** One NATS message on `subject`. Never throws. */
  receive(subject: string, data: Uint8Array): void;
  /** Heartbeat when due, relays silent too long, graces over. Call it at least every heartbeatMs / 2. */
  tick(): void;
  /** The connection to NATS is up (first time or again): says hello (everyone answers with its snapshot). */
  connected(): void;
  /** The connection to NATS is down (the driver logs it; this relay keeps serving its own users). */
  disconnected(): void;
  /** This relay stops: tells the others its users are moving (publish, then the driver flushes). */
  leave(reason: string): void;
  stats(): ClusterStats;
}

/** Builds a cluster core. */
export function createClusterCore(o: ClusterCoreOptions): ClusterCore {
  const { relayId: self, subjects, bus, now, log } = o;
  const instance = o.instance ?? randomBytes(6).toString('hex');
  const peers = new PeerTable();
  const queue: LocalChange[] = [];
  /** Names (keys) this relay took from another relay, until their join is published: the relay it took them from. */
  const claimed = new Map<string, string>();
  let ctx: RouterContext | undefined;
  let seq = 0;
  let isConnected = false;
  let lastHeartbeat = Number.NEGATIVE_INFINITY;
  const counts: RoutedCounts = { routedOut: 0, routedIn: 0, routedDropped: 0, malformed: 0 };

  const publish = (subject: string, message: ControlMessage): void => bus.publish(subject, encodeControl(message));
  const keyOf = (c: Contact) => keyText(c.identity);

  const flush = (): void => {
    for (const change of queue.splice(0)) {
      seq++;
      if (change.t === 'join') {
        const { contact, replaces } = change;
        publish(subjects.presence, { t: 'join', relay: self, instance, seq, name: contact.name, ...opt('key', keyOf(contact)), ...opt('replaces', replaces) });
      } else if (change.t === 'leave') {
        publish(subjects.presence, { t: 'leave', relay: self, instance, seq, name: change.name, reason: change.reason });
      } else {
        publish(subjects.presence, { t: 'rename', relay: self, instance, seq, from: change.from, name: change.contact.name, ...opt('key', keyOf(change.contact)) });
      }
    }
  };

  const snapshotFor = (to: string): void => {
    if (ctx === undefined) return;
    flush();
    const users = ctx.contacts.clients().map((c) => ({ name: c.name, ...opt('key', keyOf(c)) }));
    publish(subjects.relay(to), { t: 'snapshot', relay: self, instance, seq, users });
  };

  const askSync = (peerId: string): void => {
    const peer = peers.get(peerId);
    if (peer === undefined) return;
    peer.syncAskedAt = now();
    publish(subjects.relay(peerId), { t: 'sync', relay: self });
  };

  /** Bookkeeping of hearing from `relay`: new, restarted or back relays are logged and asked for their users. */
  const heard = (relay: string, inst: string): void => {
    const c = ctx as RouterContext;
    const { peer, change } = peers.heard(relay, inst, now());
    if (change === 'same') return;
    if (change === 'new') log.info({ relay, peersUp: peers.upCount }, 'relay joined the cluster');
    else if (change === 'back') log.info({ relay, peersUp: peers.upCount }, 'relay is up again');
    else {
      const moving = markMoving(c, relay, now());
      log.info({ relay, moving, peersUp: peers.upCount }, 'relay restarted: its users are moving');
    }
    if (now() - peer.syncAskedAt >= o.heartbeatMs) askSync(relay);
  };

  /** A numbered presence change of `relay`: applied when it is the next one, else a snapshot is asked for. */
  const inOrder = (relay: string, changeSeq: number): boolean => {
    const peer = peers.get(relay);
    if (peer === undefined || !peer.synced) return false; // its snapshot will tell
    if (changeSeq <= peer.seq) return false; // seen
    if (changeSeq !== peer.seq + 1) {
      peer.synced = false;
      askSync(relay);
      return false;
    }
    peer.seq = changeSeq;
    return true;
  };

  const onControl = (m: ControlMessage): void => {
    const c = ctx as RouterContext;
    if (m.relay === self) return; // our own (a bus that echoes)
    switch (m.t) {
      case 'hb': {
        heard(m.relay, m.instance);
        const peer = peers.get(m.relay);
        if (peer !== undefined && peer.synced && m.seq !== peer.seq) {
          peer.synced = false;
          askSync(m.relay);
        }
        return;
      }
      case 'hello':
        heard(m.relay, m.instance);
        snapshotFor(m.relay);
        return;
      case 'join':
        heard(m.relay, m.instance);
        if (inOrder(m.relay, m.seq)) arrived(m.relay, m.name, keyBytes(m.key), m.replaces);
        return;
      case 'leave':
        heard(m.relay, m.instance);
        if (inOrder(m.relay, m.seq)) remoteLeft(c, m.relay, m.name, m.reason);
        return;
      case 'rename':
        heard(m.relay, m.instance);
        if (inOrder(m.relay, m.seq)) remoteRenamed(c, self, m.relay, m.from, m.name, keyBytes(m.key));
        return;
      case 'moving': {
        peers.stopped(m.relay);
        const moving = markMoving(c, m.relay, now());
        log.info({ relay: m.relay, moving, reason: m.reason, peersUp: peers.upCount }, 'relay left the cluster: its users are moving');
        return;
      }
      case 'sync':
        snapshotFor(m.relay);
        return;
      case 'snapshot': {
        heard(m.relay, m.instance);
        const peer = peers.get(m.relay);
        if (peer === undefined || (peer.synced && m.seq < peer.seq)) return; // an older one
        applySnapshot(c, self, m.relay, m.users.map((u) => ({ name: u.name, key: keyBytes(u.key) })));
        peer.seq = m.seq;
        peer.synced = true;
        log.debug({ relay: m.relay, users: m.users.length, seq: m.seq }, 'relay snapshot applied');
        return;
      }
      case 'takeover':
        takenOver(c, log, m.relay, m.name);
        return;
    }
  };

  const arrived = (relay: string, name: string, key: Uint8Array | undefined, replaces: string | undefined): void => {
    const outcome = remoteArrived(ctx as RouterContext, self, relay, name, key, replaces);
    if (outcome === 'refused') log.warn({ contact: name, relay }, 'name announced by two relays: kept by the smaller relay id');
  };

  const receive = (subject: string, data: Uint8Array): void => {
    if (ctx === undefined) return;
    try {
      if (isEnvelope(data)) {
        const env = decodeEnvelope(data);
        if ('error' in env) {
          counts.malformed++;
          log.warn({ subject, reason: env.error }, 'cluster datagram dropped');
          return;
        }
        if (env.origin !== self) deliverRouted(ctx, counts, env.message, subject === subjects.group);
      } else {
        const parsed = parseControl(data);
        if ('error' in parsed) {
          counts.malformed++;
          log.warn({ subject, reason: parsed.error }, 'cluster message dropped');
          return;
        }
        onControl(parsed.message);
      }
      flush();
      o.onChange?.();
    } catch (err) {
      counts.malformed++;
      log.error({ err, subject }, 'cluster message handling failed');
    }
  };

  const tick = (): void => {
    if (ctx === undefined) return;
    const t = now();
    try {
      if (isConnected && t - lastHeartbeat >= o.heartbeatMs) {
        lastHeartbeat = t;
        flush();
        publish(subjects.presence, { t: 'hb', relay: self, instance, seq, users: ctx.contacts.clients().length });
      }
      for (const peer of peers.silent(t, o.downAfterMs)) {
        const moving = markMoving(ctx, peer.id, t);
        log.warn({ relay: peer.id, silentMs: Math.round(t - peer.lastHeard), moving, peersUp: peers.upCount }, 'relay down: its users are moving');
      }
      const gone = expireMoving(ctx, t, o.graceMs);
      if (gone.length > 0) log.info({ contacts: gone.length, relays: [...new Set(gone.map((g) => g.remote?.relay))] }, 'moving users not back in time: left');
      for (const peer of peers.all()) if (peer.up && !peer.synced && t - peer.syncAskedAt >= o.heartbeatMs) askSync(peer.id);
      flush();
      o.onChange?.();
    } catch (err) {
      log.error({ err }, 'cluster tick failed');
    }
  };

  const link = {
    direct(message: ChatMessage | AckMessage, target: Contact): void {
      if (target.remote === undefined) return;
      counts.routedOut++;
      bus.publish(subjects.relay(target.remote.relay), encodeEnvelope(self, message));
    },
    group(chat: ChatMessage): void {
      counts.routedOut++;
      bus.publish(subjects.group, encodeEnvelope(self, chat));
    },
    claim(owner: Contact, silently: boolean): void {
      if (owner.remote === undefined || ctx === undefined) return;
      claimed.set(owner.key, owner.remote.relay);
      publish(subjects.relay(owner.remote.relay), { t: 'takeover', relay: self, name: owner.name });
      removeRemote(ctx, owner, silently ? undefined : 'bye');
    },
  };

  return {
    attach(relayCtx) {
      ctx = relayCtx;
      return {
        link,
        joined(contact) {
          if (contact.type !== 'client' || contact.remote !== undefined) return;
          const replaces = claimed.get(contact.key);
          claimed.delete(contact.key);
          queue.push({ t: 'join', contact, replaces });
        },
        left(contact, reason) {
          if (contact.type !== 'client' || contact.remote !== undefined) return;
          queue.push({ t: 'leave', name: contact.name, reason: reason === 'timeout' ? 'timeout' : 'bye' });
        },
        renamed(contact, from) {
          if (contact.type === 'client' && contact.remote === undefined) queue.push({ t: 'rename', contact, from });
        },
        flush,
      };
    },
    receive,
    tick,
    connected() {
      isConnected = true;
      peers.unsyncAll();
      publish(subjects.presence, { t: 'hello', relay: self, instance });
      lastHeartbeat = Number.NEGATIVE_INFINITY;
      tick();
    },
    disconnected() {
      isConnected = false;
    },
    leave(reason) {
      flush();
      publish(subjects.presence, { t: 'moving', relay: self, instance, reason: reason.slice(0, 255) });
    },
    stats: () => ({
      relayId: self,
      connected: isConnected,
      peersUp: peers.upCount,
      peers: peers.all().length,
      remoteContacts: ctx?.contacts.remoteCount ?? 0,
      movingContacts: ctx?.contacts.remotes().filter((c) => c.remote?.moving === true).length ?? 0,
      ...counts,
    }),
  };
}

/** `{ [name]: value }`, or nothing when `value` is undefined (JSON without `"key": null`). */
function opt<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

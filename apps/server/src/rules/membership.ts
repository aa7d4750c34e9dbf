/**
 * Joining and leaving: the welcome, the contact list, registering a contact
 * (join to the other clients), removing one (leave to the clients), and the
 * presence sweep. `join` and `leave` go to protocol clients only, never to
 * plain peers; plain peers join in plainPeers.ts and leave here.
 * Registration itself (hello → pending → token) is in registration.ts.
 */
import type { LeaveReason, WelcomeMessage } from '@udpchat/protocol';
import type { Contact } from '../state/contacts.js';
import type { DepartureReason, RouterContext } from './context.js';
import type { Endpoint } from '@udpchat/net';
import { rosterChanged } from './presence.js';

/** The `welcome` for `name` at `to` with the session `token`, the relay's timing and whether a client hosts it. */
export function welcomeFor(ctx: RouterContext, name: string, to: Endpoint, token: Uint8Array): WelcomeMessage {
  return {
    kind: 'welcome',
    name,
    address: to.address,
    port: to.port,
    heartbeatIntervalMs: ctx.config.heartbeatIntervalMs,
    presenceTimeoutMs: ctx.config.presenceTimeoutMs,
    token,
    hostedByClient: ctx.config.hostedByClient,
  };
}

/**
 * Registers `name` at `from` as a protocol client with its session `token`
 * (the caller has checked the name is valid and free, the endpoint
 * unregistered, and the address validated): a roster change, pushed as
 * `join` to every other client (rules/presence.ts). The contact list goes
 * out when the triggering `list` is handled. `silently`: a user relocated
 * from another relay of the cluster, already in everyone's list: no join.
 * @throws Error when the name or endpoint is already registered (caller bug).
 */
export function registerContact(ctx: RouterContext, name: string, from: Endpoint, token: Uint8Array, silently = false): Contact {
  const contact = ctx.contacts.add(name, from, ctx.now(), 'client', token);
  if (!silently) rosterChanged(ctx, [{ name: contact.name, state: 'client' }], { kind: 'join', name: contact.name, type: contact.type });
  ctx.log.info({ contact: contact.name, address: from.address, port: from.port }, 'contact registered');
  ctx.events.joined(contact);
  return contact;
}

/**
 * Removes `contact` (a client or a plain peer): a roster change, pushed as
 * `leave` to every remaining client (rules/presence.ts). A rename is a `bye` on the wire. No-op when it is already
 * gone. Logs 'contact expired' / 'contact left' for a client, 'plain peer
 * expired' for a plain peer (a rename is logged by the caller).
 * @returns false when it was not registered.
 */
export function removeContact(ctx: RouterContext, contact: Contact, reason: DepartureReason): boolean {
  if (!ctx.contacts.remove(contact)) return false;
  ctx.relayAcks.forget(contact);
  const wire: LeaveReason = reason === 'timeout' ? 'timeout' : 'bye';
  rosterChanged(ctx, [{ name: contact.name, state: wire === 'timeout' ? 'left-timeout' : 'left-bye' }], { kind: 'leave', name: contact.name, reason: wire });
  const { address, port } = contact.endpoint;
  if (contact.type === 'plain') {
    if (reason === 'timeout') {
      ctx.log.info({ contact: contact.name, address, port, silentMs: Math.round(ctx.now() - contact.lastSeen) }, 'plain peer expired');
    }
  } else if (reason === 'timeout') {
    ctx.log.info({ contact: contact.name, address, port, silentMs: Math.round(ctx.now() - contact.lastSeen) }, 'contact expired');
  } else if (reason === 'bye') {
    ctx.log.info({ contact: contact.name, address, port }, 'contact left');
  }
  ctx.events.left(contact, reason);
  return true;
}

/**
 * Drops every contact silent for longer than its timeout (`presenceTimeoutMs`
 * for a client, `plainPeerTimeoutMs` for a plain peer), telling the clients
 * (`leave` with reason `timeout`), and every registration pending for longer
 * than PENDING_TIMEOUT_MS (silently: nobody knew of it).
 * @returns the number of contacts dropped.
 */
export function sweepExpired(ctx: RouterContext): number {
  const { presenceTimeoutMs, plainPeerTimeoutMs } = ctx.config;
  const now = ctx.now();
  const expired = ctx.contacts.expired(now, (c) => (c.type === 'plain' ? plainPeerTimeoutMs : presenceTimeoutMs));
  for (const contact of expired) removeContact(ctx, contact, 'timeout');
  expirePending(ctx);
  return expired.length;
}

/**
 * Forgets (silently: nobody knew of them) the registrations pending for more
 * than PENDING_TIMEOUT_MS (5 s) at `ctx.now()`. Called before the pending
 * table or the per-IP count is consulted for a datagram, and by the sweep, so
 * the 5 s hold to the millisecond whatever the sweep interval (PROTOCOL.md
 * §6.1). O(expired + 1).
 */
export function expirePending(ctx: RouterContext): void {
  for (const pending of ctx.pending.expire(ctx.now())) {
    ctx.log.debug({ contact: pending.name, address: pending.endpoint.address, port: pending.endpoint.port }, 'pending registration expired');
  }
}

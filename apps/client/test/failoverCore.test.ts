/**
 * The client core's fail-over (net/core/failover.ts) on a virtual clock,
 * with hand-made relay datagrams: which server each datagram goes to, when
 * the core moves (silent while sending, a bye, backoff when all are silent)
 * and what it keeps (name, outbox: the same message ids, resent to the new
 * relay). The whole protocol with two relay cores: apps/sim/test/failover.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ContactsMessage, Message, WelcomeMessage } from '@udpchat/protocol';
import { ClientCore } from '../src/net/core/clientCore.js';
import { moveBackoffMs, MAX_MOVE_BACKOFF_MS } from '../src/net/core/failover.js';
import type { CoreEvent, Transmit } from '../src/net/core/types.js';

const A = '127.0.0.1:8081';
const B = '127.0.0.1:8082';
const tokenA = new Uint8Array(16).fill(1);
const tokenB = new Uint8Array(16).fill(2);
const welcome = (token: Uint8Array): WelcomeMessage => ({ kind: 'welcome', name: 'bob', address: '127.0.0.1', port: 40001, heartbeatIntervalMs: 10_000, presenceTimeoutMs: 30_000, token, hostedByClient: false });
const contacts = (epoch: number): ContactsMessage => ({ kind: 'contacts', epoch, version: 1, page: 0, pages: 1, contacts: [{ name: 'alice', type: 'client' }] });

/** A core registered at the first server, with alice online; `servers` as given. */
function registered(servers: string[] | undefined, maxHeartbeatMs?: number): { core: ClientCore; out: Transmit[]; events: CoreEvent[]; at: (now: number) => void } {
  const core = new ClientCore({ name: 'bob', servers, maxHeartbeatMs });
  const out: Transmit[] = [];
  const events: CoreEvent[] = [];
  const drain = () => {
    const taken = core.take();
    out.push(...taken.transmits);
    events.push(...taken.events);
  };
  core.start(0);
  core.handle(welcome(tokenA), 10);
  core.handle(contacts(1), 20);
  drain();
  out.length = 0;
  events.length = 0;
  /** Polls the core every 100 ms of virtual time up to `now`. */
  const at = (now: number) => {
    for (let t = Math.ceil((core.nextDeadline() - 1) / 100) * 100; t <= now; t += 100) {
      core.poll(t);
      drain();
    }
  };
  return { core, out, events, at: (now) => (at(now), drain()) };
}

const kinds = (ts: Transmit[]) => ts.map((t) => `${t.message.kind}@${t.server}`);
const moves = (events: CoreEvent[]) => events.filter((e) => e.type === 'moved').map((e) => e.args[0]);

describe('client core fail-over', () => {
  it('backoff: none in the first round, then 1, 2, 4 s, capped at 8 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((n) => moveBackoffMs(n, 2))).toEqual([0, 0, 1000, 1000, 2000, 2000, 4000, 4000, 8000, 8000, MAX_MOVE_BACKOFF_MS]);
    expect(moveBackoffMs(2, 3)).toBe(0);
  });

  it('a relay silent while a message is pending: moves to the next within the liveness window, hello without the old token, the same message id resent there', () => {
    const { core, out, events, at } = registered([A, B]);
    const m = core.send('alice', 'hi', 1000);
    const first = core.take().transmits;
    expect(kinds(first)).toEqual(['chat@0']);
    expect(first[0]?.token).toEqual(tokenA);
    at(3400);
    expect(moves(events)).toEqual([]); // 2.4 s: not yet (retransmissions and reprobes to A)
    expect(new Set(out.map((t) => t.server))).toEqual(new Set([0]));
    at(3700);
    expect(moves(events)).toEqual([{ from: A, to: B, reason: `${A} stopped answering` }]);
    expect(core.server).toBe(1);
    expect(core.status).toBe('connecting');
    const hello = out.find((t) => t.server === 1);
    expect(hello?.message.kind).toBe('hello');
    expect(hello?.token).toBeUndefined();
    out.length = 0;
    core.handle(welcome(tokenB), 3800);
    core.handle(contacts(9), 3810); // another relay: another roster epoch, the whole list
    const after = core.take().transmits;
    const resent = after.filter((t) => t.message.kind === 'chat');
    expect(resent.map((t) => [t.server, (t.message as { id: string }).id, t.token])).toEqual([[1, m.id, tokenB]]);
    expect(core.name).toBe('bob');
    expect(core.contacts().map((c) => c.name)).toEqual(['alice']);
    // Nothing was given up, nobody left.
    expect(events.filter((e) => e.type === 'leave' || (e.type === 'delivery' && e.args[1].state === 'failed'))).toEqual([]);
  });

  it("a relay's bye: moves at once, without a relay-bye event", () => {
    const { core, events } = registered([A, B]);
    core.handle({ kind: 'bye', reason: 'relay moving: SIGTERM' }, 500);
    const { transmits, events: now } = core.take();
    events.push(...now);
    expect(moves(events)).toEqual([{ from: A, to: B, reason: `${A} said bye: relay moving: SIGTERM` }]);
    expect(events.some((e) => e.type === 'relay-bye')).toBe(false);
    expect(kinds(transmits)).toEqual(['hello@1']);
  });

  it('an idle client probes at its heartbeat and moves only when that goes unanswered', () => {
    const { events, at } = registered([A, B]);
    at(7400);
    expect(moves(events)).toEqual([]);
    // The welcome says 10 s, but with several servers heartbeats go at least every 5 s (FAILOVER_HEARTBEAT_MS): unanswered for 2.5 s.
    at(5000 + 2500 + 300);
    expect(moves(events).map((m) => m.to)).toEqual([B]);
  });

  it('NAME_TAKEN at the new relay (the old registration still holds the name): today\'s retry, on the new relay, no further move', () => {
    const { core, out, events, at } = registered([A, B]);
    core.handle({ kind: 'bye', reason: 'relay moving: SIGTERM' }, 500);
    core.handle({ kind: 'error', code: 'NAME_TAKEN', message: 'name "bob" is taken', ref: '' }, 510);
    at(500);
    out.length = 0;
    const errors = () => events.filter((e) => e.type === 'relay-error').map((e) => e.args[0].message);
    expect(errors()).toEqual(['name "bob" is taken, maybe by your previous session; retrying in 3 s']);
    at(3400);
    expect(out).toEqual([]); // waits the 3 s (an answer, not silence: no move)
    at(3600);
    expect(kinds(out)).toEqual(['hello@1']);
    expect(core.server).toBe(1);
    expect(moves(events)).toHaveLength(1);
    core.handle(welcome(tokenB), 3700); // the old registration expired: the name is ours there
    expect(core.registration).toBe('registered');
  });

  it('refused (SESSION_REPLACED: a newer session of the name) and then bye: does not move (it would take the name back)', () => {
    const { core, events, at } = registered([A, B]);
    core.handle({ kind: 'error', code: 'SESSION_REPLACED', message: 'replaced', ref: '' }, 100);
    core.handle({ kind: 'bye', reason: 'replaced' }, 110);
    at(30_000);
    expect(core.registration).toBe('refused');
    expect(moves(events)).toEqual([]);
    expect(core.nextDeadline()).toBeGreaterThan(30_000); // and no spinning on a move that will not happen
  });

  it('one server: silence and bye move nothing, every datagram goes to server 0 (today behaviour)', () => {
    const { core, out, events, at } = registered(undefined);
    core.send('alice', 'hi', 1000);
    at(5000);
    // A chat is no probe with one server: the relay turns silent only at the heartbeat's silence (10 s + 2.5 s).
    expect(core.status).toBe('answering');
    at(20_000);
    expect(core.status).toBe('silent');
    core.handle({ kind: 'bye', reason: 'stopping' }, 20_100);
    at(25_000);
    expect(moves(events)).toEqual([]);
    expect(events.some((e) => e.type === 'relay-bye')).toBe(true);
    expect(new Set(out.map((t) => t.server))).toEqual(new Set([0]));
  });

  it('maxHeartbeatMs: an idle client heartbeats that often instead of at the relay\'s 10 s, and notices a dead relay that much sooner', () => {
    const { core, out, at } = registered(undefined, 1000);
    at(950);
    expect(kinds(out)).toEqual([]);
    at(1100);
    expect(kinds(out)).toEqual(['heartbeat@0']);
    expect(core.status).toBe('answering');
    at(1000 + 2500 + 200); // unanswered (reprobed every 500 ms) for the liveness window
    expect(core.status).toBe('silent');
    // With several servers the smaller of it and FAILOVER_HEARTBEAT_MS (5 s) applies.
    const several = registered([A, B], 60_000);
    several.at(5100);
    expect(kinds(several.out)).toEqual(['heartbeat@0']);
  });
});

/**
 * The relay's deadlines on the sans-I/O core, driven with a virtual clock.
 *
 * The 5 s deadline of a pending registration (PROTOCOL.md §6.1) holds on the
 * relay's own clock, not at the next sweep: the relay core (sans I/O) driven
 * with a virtual clock and never swept, so only the datagrams' own handling
 * can expire a registration. Shared-secret mode, where issue 12 saw a pending
 * registration outlive its 5 s by up to a sweep interval, and the open relay.
 *
 * Presence (PROTOCOL.md §6 "Presence"): any datagram with the token keeps a
 * client present, not only heartbeats; one silent for more than 15 s is
 * dropped by the next sweep, and a datagram before that sweep still counts.
 */
import type { RemoteInfo } from 'node:dgram';
import {
  createAuthKey,
  decodeDatagram,
  encode,
  paddedHello,
  type AuthKey,
  type EncodeOptions,
  type Message,
  type WelcomeMessage,
} from '@udpchat/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRelayCore, openRelayStore, PENDING_TIMEOUT_MS, type RelayCore } from '../src/index.js';

const PRESENCE_TIMEOUT_MS = 15_000;

/** A relay core on a virtual clock whose sent messages are decoded into `sent`, by destination port. */
function coreAt(secret: AuthKey | undefined) {
  let clock = 1_000_000;
  const sent: Array<{ port: number; message: Message }> = [];
  const core: RelayCore = createRelayCore({
    address: { address: '127.0.0.1', port: 9, family: 'IPv4' },
    out: {
      send: (bytes, port, _address, done) => {
        sent.push({ port, message: decodeDatagram(bytes).message });
        done?.(null);
      },
    },
    now: () => clock,
    wallClock: () => 1_767_225_600_000 + clock,
    logger: pino({ level: 'silent' }),
    heartbeatIntervalMs: 5000,
    presenceTimeoutMs: 15_000,
    plainPeers: true,
    plainPeerTimeoutMs: 300_000,
    rateLimit: 0,
    maxContacts: 100,
    maxPerIp: 2,
    maxPending: 100,
    secret,
    hostedByClient: false,
    store: openRelayStore(null),
  });
  const envelope = (token?: Uint8Array): EncodeOptions => ({ token, auth: secret, time: 1_767_225_600_000 + clock });
  return {
    core,
    sent,
    /** Moves the virtual clock on by `ms`. */
    advance(ms: number) {
      clock += ms;
    },
    /** `message` from 127.0.0.1:`port` with `token`, signed when the relay has a secret. */
    receive(port: number, message: Message, token?: Uint8Array) {
      const rinfo: RemoteInfo = { address: '127.0.0.1', family: 'IPv4', port, size: 0 };
      core.receive(Buffer.from(encode(message, envelope(token))), rinfo);
    },
    hello(port: number, name: string) {
      this.receive(port, paddedHello(name, envelope()));
    },
    /** Registers `name` at `port` (hello, then list with the welcome's token); returns the token. */
    register(port: number, name: string): Uint8Array {
      this.hello(port, name);
      const welcome = this.take(port)[0] as WelcomeMessage;
      this.receive(port, { kind: 'list', epoch: 0, version: 0 }, welcome.token);
      this.take(port);
      return welcome.token;
    },
    /** What the relay sent to `port` since the last call, taken out of `sent`. */
    take(port: number): Message[] {
      const mine = sent.filter((s) => s.port === port);
      sent.splice(0, sent.length, ...sent.filter((s) => s.port !== port));
      return mine.map((s) => s.message);
    },
  };
}

describe.each([
  ['shared-secret', createAuthKey('pending deadline secret')],
  ['open', undefined],
] as const)('a pending registration on an %s relay', (_mode, secret) => {
  it('completes with its token up to 5 s after the hello, without any sweep', () => {
    const relay = coreAt(secret);
    relay.hello(5001, 'alice');
    const welcome = relay.take(5001)[0] as WelcomeMessage;
    expect(welcome.kind).toBe('welcome');
    relay.advance(PENDING_TIMEOUT_MS);
    relay.receive(5001, { kind: 'list', epoch: 0, version: 0 }, welcome.token);
    expect(relay.take(5001).map((m) => m.kind)).toEqual(['contacts']);
    expect(relay.core.contactCount).toBe(1);
  });

  it('is gone 1 ms after its 5 s, also when no sweep ran: its token gets NOT_REGISTERED, nobody joins', () => {
    const relay = coreAt(secret);
    relay.hello(5002, 'bob');
    const welcome = relay.take(5002)[0] as WelcomeMessage;
    // A repeated hello (the welcome was lost) gets the same token and does not extend the deadline.
    relay.advance(2000);
    relay.hello(5002, 'bob');
    expect((relay.take(5002)[0] as WelcomeMessage).token).toEqual(welcome.token);
    relay.advance(PENDING_TIMEOUT_MS - 2000 + 1);
    relay.receive(5002, { kind: 'list', epoch: 0, version: 0 }, welcome.token);
    const answer = relay.take(5002);
    expect(answer).toHaveLength(1);
    expect(answer[0]).toMatchObject({ kind: 'error', code: 'NOT_REGISTERED' });
    expect(relay.core.contactCount).toBe(0);
    expect(relay.core.stats().pending).toBe(0);
  });

  it('no longer counts against its IP once expired: a newcomer from that IP is let in at once', () => {
    const relay = coreAt(secret); // maxPerIp 2
    relay.hello(5003, 'carol');
    relay.hello(5004, 'dave');
    relay.take(5003);
    relay.take(5004);
    relay.hello(5005, 'erin');
    expect(relay.take(5005)[0]).toMatchObject({ kind: 'error', code: 'TOO_MANY_REGISTRATIONS' });
    relay.advance(PENDING_TIMEOUT_MS + 1);
    relay.hello(5005, 'erin');
    expect(relay.take(5005).map((m) => m.kind)).toEqual(['welcome']);
  });
});

describe('presence on the relay core', () => {
  it('any datagram with the token keeps a client present; silent for more than 15 s it is dropped at the next sweep', () => {
    const relay = coreAt(undefined);
    const alice = relay.register(6001, 'alice');
    const bob = relay.register(6002, 'bob');
    const names = () => relay.core.contacts().map((c) => c.name);
    // alice sends no heartbeat at all, only a list and a group chat (with its ack from the relay).
    relay.advance(10_000);
    relay.receive(6001, { kind: 'list', epoch: 0, version: 0 }, alice);
    relay.receive(6002, { kind: 'heartbeat', seq: 1 }, bob);
    relay.advance(10_000);
    relay.receive(6001, { kind: 'chat', id: 'presence1', from: '', to: 'all', epoch: 0, seq: 0, base: 0, time: 0, text: 'still here' }, alice);
    relay.receive(6002, { kind: 'heartbeat', seq: 2 }, bob);
    relay.core.sweep();
    expect(names()).toEqual(['alice', 'bob']);
    // 15 s and 500 ms of silence from alice, no sweep yet: its heartbeat still counts.
    relay.advance(PRESENCE_TIMEOUT_MS + 500);
    relay.receive(6001, { kind: 'heartbeat', seq: 3 }, alice);
    relay.receive(6002, { kind: 'heartbeat', seq: 3 }, bob);
    expect(relay.take(6001).some((m) => m.kind === 'heartbeat-ack')).toBe(true);
    relay.core.sweep();
    expect(names()).toEqual(['alice', 'bob']);
    // Exactly 15 s of silence is not more than 15 s.
    relay.take(6002);
    relay.advance(PRESENCE_TIMEOUT_MS);
    relay.receive(6002, { kind: 'heartbeat', seq: 4 }, bob);
    relay.core.sweep();
    expect(names()).toEqual(['alice', 'bob']);
    relay.advance(1);
    relay.core.sweep();
    expect(names()).toEqual(['bob']);
    expect(relay.take(6002)).toContainEqual(expect.objectContaining({ kind: 'leave', name: 'alice', reason: 'timeout' }));
  });
});

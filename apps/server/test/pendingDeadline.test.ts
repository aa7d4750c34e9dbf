/**
 * The 5 s deadline of a pending registration (PROTOCOL.md §6.1) holds on the
 * relay's own clock, not at the next sweep: the relay core (sans I/O) driven
 * with a virtual clock and never swept, so only the datagrams' own handling
 * can expire a registration. Shared-secret mode, where issue 12 saw a pending
 * registration outlive its 5 s by up to a sweep interval, and the open relay.
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
import { createRelayCore, PENDING_TIMEOUT_MS, type RelayCore } from '../src/index.js';

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
    relay.receive(5001, { kind: 'list' }, welcome.token);
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
    relay.receive(5002, { kind: 'list' }, welcome.token);
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

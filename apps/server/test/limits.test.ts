import { ERROR_CODES } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { AmplificationLimiter, AMPLIFICATION_IDLE_MS } from '../src/guards/amplification.js';
import { ReplyThrottle } from '../src/guards/replyThrottle.js';
import { PLAIN_PEER_BUDGET_BYTES } from '../src/index.js';
import { barrier, chat } from './helpers/peer.js';
import { captureLogger, peerOf, rawPeerOf, registered, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';
import { addsUp } from './helpers/stats.js';

describe('bounded per-address tables', () => {
  it('AmplificationLimiter: never more out than in, forgotten when validated or idle', () => {
    const amp = new AmplificationLimiter(10);
    expect(amp.available('x')).toBe(0);
    amp.credit('x', 300, 0);
    amp.spend('x', 120, 1);
    expect(amp.available('x')).toBe(180);
    amp.credit('x', 20, 2);
    expect(amp.available('x')).toBe(200);
    amp.sweep(2 + AMPLIFICATION_IDLE_MS);
    expect(amp.available('x')).toBe(200);
    amp.sweep(3 + AMPLIFICATION_IDLE_MS);
    expect(amp.available('x')).toBe(0);
    amp.credit('y', 10, 0);
    amp.forget('y');
    expect(amp.size).toBe(0);
  });

  it('ReplyThrottle: one answer per address per second, failing closed when full', () => {
    const throttle = new ReplyThrottle(1000, 2);
    expect(throttle.allow('a', 0)).toBe(true);
    expect(throttle.allow('a', 999)).toBe(false);
    expect(throttle.allow('a', 1000)).toBe(true);
    expect(throttle.allow('b', 1000)).toBe(true);
    expect(throttle.allow('c', 1500)).toBe(false); // full of recent answers
    expect(throttle.allow('c', 2000)).toBe(true); // a and b aged out
  });
});

describe('the rate limit at the relay (PROTOCOL.md §6.3)', () => {
  it('drops what one address sends beyond its bucket, before decoding, and logs the flood once', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ rateLimit: 10, logger }); // bursts of 20
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const before = relay.stats();
    const garbage = Uint8Array.of(0xff, 0x55, 2, 0x7f, 0); // would be UNKNOWN_KIND if decoded
    for (let i = 0; i < 200; i++) await alice!.sendRaw(garbage);
    const after = await until(() => relay.stats().datagramsIn - before.datagramsIn === 200 && relay.stats(), 'the flood');
    const limited = after.rateLimited - before.rateLimited;
    // 20 of the burst less the 2 of the registration, plus what refilled meanwhile (10/s).
    expect(limited).toBeGreaterThan(150);
    expect((after.dropped.UNKNOWN_KIND ?? 0) + limited).toBe(200);
    expect(addsUp(after)).toBe(true);
    // Logged rate-limited, not once per drop: one line per log window (a slow, loaded machine may span two).
    const logged = lines.filter((l) => l.msg === 'address rate-limited');
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThanOrEqual(3);
    for (const line of logged) expect(line).toMatchObject({ from: `127.0.0.1:${alice!.port}`, rate: 10, burst: 20, level: 40 });
    // bob is not slowed: his own bucket.
    await bob!.send(chat('alice', 'still here'));
    expect(await bob!.next('relay-ack')).toMatchObject({ recipients: 1 });
  });

  it('is off with rateLimit 0', async () => {
    const relay = await testRelay({ rateLimit: 0 });
    const [alice] = await registered(relay, 'alice');
    for (let i = 0; i < 600; i++) void alice!.send({ kind: 'heartbeat', seq: i });
    await alice!.next('heartbeat-ack', (m) => m.seq === 599, 10_000);
    expect(relay.stats().rateLimited).toBe(0);
  });
});

describe('registrations per IP and contacts (PROTOCOL.md §6.3)', () => {
  it('refuses a registration beyond maxPerIp with TOO_MANY_REGISTRATIONS; pending ones count', async () => {
    const relay = await testRelay({ maxPerIp: 2 });
    await registered(relay, 'alice');
    const pendingPeer = await peerOf(relay);
    await pendingPeer.hello('bob');
    await pendingPeer.next('welcome');
    const carol = await peerOf(relay);
    await carol.hello('carol');
    expect(await carol.next('error')).toMatchObject({ code: ERROR_CODES.TOO_MANY_REGISTRATIONS, message: 'too many registrations from 127.0.0.1 (at most 2)' });
    // The pending peer's own hello again is not refused (it replaces its own registration).
    await pendingPeer.hello('bobby');
    expect(await pendingPeer.next('welcome')).toMatchObject({ name: 'bobby' });
    expect(relay.stats()).toMatchObject({ contacts: 1, pending: 1, refused: { TOO_MANY_REGISTRATIONS: 1 } });
  });

  it('counts no cap with maxPerIp 0', async () => {
    const relay = await testRelay({ maxPerIp: 0 });
    const names = Array.from({ length: 70 }, (_, i) => `p${i}`);
    await registered(relay, ...names);
    expect(relay.contactCount).toBe(70);
  });

  it('refuses beyond maxContacts with RELAY_FULL, and a new plain peer is ignored', async () => {
    const relay = await testRelay({ maxContacts: 2 });
    const [alice] = await registered(relay, 'alice', 'bob');
    const carol = await peerOf(relay);
    await carol.hello('carol');
    expect(await carol.next('error')).toMatchObject({ code: ERROR_CODES.RELAY_FULL, message: 'the relay is full (2 contacts)' });
    const nc = await rawPeerOf(relay);
    await nc.send('let me in\n');
    await until(() => relay.stats().ignored['plain-peer-refused'] === 1, 'the refused plain peer');
    await barrier(alice!, 1);
    expect(alice!.pending('join')).toMatchObject([{ kind: 'join', name: 'bob', type: 'client' }]);
    expect(relay.contactCount).toBe(2);
  });

  it('refuses at completion when the relay filled up while the registration was pending', async () => {
    const relay = await testRelay({ maxContacts: 1 });
    const late = await peerOf(relay);
    await late.hello('late');
    late.token = (await late.next('welcome')).token;
    await registered(relay, 'early');
    await late.send({ kind: 'list', epoch: 0, version: 0 });
    expect(await late.next('error')).toMatchObject({ code: ERROR_CODES.RELAY_FULL });
    expect(relay.contacts().map((c) => c.name)).toEqual(['early']);
  });
});

describe('the plain-peer byte budget (PROTOCOL.md §6.3)', () => {
  it('sends a plain peer at most 16 KiB until it sends again', async () => {
    const relay = await testRelay();
    const [bob] = await registered(relay, 'bob');
    const nc = await rawPeerOf(relay);
    await nc.send('here\n');
    await bob!.next('chat', (m) => m.text === 'here');
    const text = 'x'.repeat(700); // ~707 bytes a line: 23 fit in 16 KiB
    const fit = Math.floor(PLAIN_PEER_BUDGET_BYTES / (text.length + '[bob] \n'.length));
    for (let i = 0; i < fit + 5; i++) {
      await bob!.send(chat('all', text));
      await bob!.next('relay-ack');
    }
    const s = relay.stats();
    expect(s.notSent['plain-budget']).toBe(5);
    await until(() => nc.received.length === fit, `${fit} lines at nc`);
    expect(nc.received.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(PLAIN_PEER_BUDGET_BYTES);
    // It speaks: the budget is full again.
    await nc.send('still here\n');
    await bob!.next('chat', (m) => m.text === 'still here');
    await bob!.send(chat('all', 'welcome back'));
    await until(() => nc.received.at(-1)?.toString() === '[bob] welcome back\n', 'the next line at nc');
    expect(nc.received).toHaveLength(fit + 1);
  });
});

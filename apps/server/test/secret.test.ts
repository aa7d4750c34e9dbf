import { createAuthKey, encode, ERROR_CODES, paddedHello } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import type { RelayStats } from '../src/index.js';
import { barrier, chat } from './helpers/peer.js';
import { peerOf, rawPeerOf, registered, registeredWith, testRelay } from './helpers/relay.js';
import { until } from './helpers/wait.js';
import { addsUp } from './helpers/stats.js';

const KEY = createAuthKey('correct horse battery staple');
const WRONG = createAuthKey('correct horse battery stable');

/** Waits until the relay counted `n` more datagrams than in `before`. */
function counted(relay: { stats(): RelayStats }, before: RelayStats, n: number): Promise<RelayStats> {
  return until(() => {
    const s = relay.stats();
    return s.datagramsIn - before.datagramsIn >= n && s;
  }, `${n} more datagrams counted`);
}

describe('shared-secret mode (PROTOCOL.md §3.2, §6.2)', () => {
  it('serves clients that have the secret and signs everything it sends them', async () => {
    const relay = await testRelay({ secret: KEY });
    expect(relay.sharedSecret).toBe(true);
    const [alice, bob] = await registeredWith(relay, KEY, 'alice', 'bob');
    await alice!.send(chat('bob', 'signed and sealed'));
    expect(await bob!.next('chat')).toMatchObject({ from: 'alice', text: 'signed and sealed' });
    await alice!.next('relay-ack');
    await barrier(bob!, 1);
    // welcome, contacts, join, chat, heartbeat-ack / welcome, contacts, relay-ack: all signed, all verify.
    for (const peer of [alice!, bob!]) {
      expect(peer.verdicts.length).toBeGreaterThanOrEqual(3);
      expect(new Set(peer.verdicts)).toEqual(new Set(['ok']));
    }
  });

  it('drops a wrong tag, a stale or future time, a replay and an unsigned datagram from a registered client', async () => {
    const relay = await testRelay({ secret: KEY });
    const [alice, bob] = await registeredWith(relay, KEY, 'alice', 'bob');
    const before = relay.stats();
    const token = alice!.token;
    await alice!.sendWith(chat('bob', 'wrong tag'), { token, auth: WRONG });
    await alice!.sendWith(chat('bob', 'stale'), { token, auth: KEY, time: Date.now() - 31_000 });
    await alice!.sendWith(chat('bob', 'from the future'), { token, auth: KEY, time: Date.now() + 31_000 });
    await alice!.sendWith(chat('bob', 'unsigned'), { token });
    const once = encode(chat('bob', 'only once'), { token, auth: KEY });
    await alice!.sendRaw(once);
    await alice!.sendRaw(once); // a replay, e.g. by someone who captured it
    // Flip one bit of the text of a correctly signed datagram (the trailer is the last 48 bytes).
    const tampered = encode(chat('bob', 'tampered'), { token, auth: KEY });
    tampered[tampered.length - 50]! ^= 1;
    await alice!.sendRaw(tampered);
    const after = await counted(relay, before, 7);
    expect(after.dropped).toMatchObject({ 'auth-bad-tag': 2, 'auth-stale': 2, 'auth-missing': 1, 'auth-replay': 1 });
    expect(after.unauthenticated - before.unauthenticated).toBe(6);
    expect(after.accepted - before.accepted).toBe(1);
    expect(addsUp(after)).toBe(true);
    await barrier(bob!, 1);
    expect(bob!.inbox.filter((m) => m.kind === 'chat').map((m) => m.kind === 'chat' && m.text)).toEqual(['only once']);
    // Dropped, never answered: alice got just the relay-ack for the one that passed.
    await barrier(alice!, 2);
    expect(alice!.inbox.map((m) => m.kind)).toEqual(['join', 'relay-ack']);
  });

  it('answers an unsigned hello with SECRET_REQUIRED (unsigned), at most once a second per address', async () => {
    const relay = await testRelay({ secret: KEY });
    const stranger = await peerOf(relay);
    await stranger.hello('eve');
    const error = await stranger.next('error');
    expect(error).toEqual({ kind: 'error', code: ERROR_CODES.SECRET_REQUIRED, message: 'this relay requires the shared secret', ref: '' });
    expect(stranger.verdicts).toEqual(['unsigned']);
    await stranger.hello('eve');
    const s = await until(() => relay.stats().notSent['reply-throttle'] === 1 && relay.stats(), 'the throttled answer');
    expect(s).toMatchObject({ unauthenticated: 2, dropped: { 'auth-missing': 2 }, refused: { SECRET_REQUIRED: 1 }, contacts: 0, pending: 0 });
    expect(stranger.bytesReceived).toBeLessThanOrEqual(stranger.bytesSent);
  });

  it('answers a hello signed with another secret with SECRET_REQUIRED', async () => {
    const relay = await testRelay({ secret: KEY });
    const eve = await peerOf(relay, { secret: WRONG });
    await eve.hello('eve');
    expect(await eve.next('error')).toMatchObject({ code: ERROR_CODES.SECRET_REQUIRED });
    expect(relay.stats().dropped).toEqual({ 'auth-bad-tag': 1 });
  });

  it('answers a stale signed hello with CLOCK_SKEW, signed (its trailer tells the relay’s time)', async () => {
    const relay = await testRelay({ secret: KEY });
    const late = await peerOf(relay, { secret: KEY });
    const time = Date.now() - 95_000;
    await late.sendWith(paddedHello('late', { auth: KEY }), { auth: KEY, time });
    const error = await late.next('error');
    expect(error).toMatchObject({ code: ERROR_CODES.CLOCK_SKEW });
    expect(error.message).toMatch(/^your clock is 9[45] s behind the relay's \(at most 30 s allowed\)$/);
    expect(late.verdicts).toEqual(['ok']);
    expect(relay.stats()).toMatchObject({ dropped: { 'auth-stale': 1 }, contacts: 0, pending: 0 });
  });

  it('refuses plain-text peers, counted as unauthenticated', async () => {
    const relay = await testRelay({ secret: KEY });
    const [bob] = await registeredWith(relay, KEY, 'bob');
    const nc = await rawPeerOf(relay);
    await nc.send('hello from nc\n');
    const s = await until(() => relay.stats().dropped['plain-text-refused'] === 1 && relay.stats(), 'the refused text');
    expect(s).toMatchObject({ unauthenticated: 1, contacts: 1 });
    await barrier(bob!, 1);
    expect(bob!.inbox).toEqual([]);
    expect(nc.received).toEqual([]);
  });

  it('a relay without a secret answers a signed hello with NO_SECRET (unsigned)', async () => {
    const relay = await testRelay();
    expect(relay.sharedSecret).toBe(false);
    const client = await peerOf(relay, { secret: KEY });
    await client.hello('alice');
    expect(await client.next('error')).toMatchObject({ code: ERROR_CODES.NO_SECRET });
    expect(client.verdicts).toEqual(['unsigned']);
    expect(relay.stats()).toMatchObject({ unauthenticated: 1, dropped: { 'auth-not-expected': 1 }, contacts: 0 });
    // The same client without signing registers fine.
    const [plain] = await registered(relay, 'bob');
    expect(plain).toBeDefined();
  });
});

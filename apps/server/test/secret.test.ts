import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeTag, createAuthKey, encode, ERROR_CODES, paddedHello, type AuthKey } from '@udpchat/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecret, stripOneNewline, type RelayStats } from '../src/index.js';
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

describe('loadSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'udpchat-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** Two keys are the same secret when they sign alike. */
  const same = (a: AuthKey, b: AuthKey): boolean => {
    const probe = new TextEncoder().encode('probe');
    return Buffer.from(computeTag(a, probe, probe.length)).equals(computeTag(b, probe, probe.length));
  };

  it('reads a file without one trailing newline (LF or CRLF), and only one', () => {
    const lf = loadSecret({ file: file('lf', 'open sesame\n') });
    expect(lf).toMatchObject({ source: `file ${join(dir, 'lf')}` });
    expect(lf !== null && 'key' in lf && same(lf.key, createAuthKey('open sesame'))).toBe(true);
    const crlf = loadSecret({ file: file('crlf', 'open sesame\r\n') });
    expect(crlf !== null && 'key' in crlf && same(crlf.key, createAuthKey('open sesame'))).toBe(true);
    const two = loadSecret({ file: file('two', 'open sesame\n\n') });
    expect(two !== null && 'key' in two && same(two.key, createAuthKey('open sesame\n'))).toBe(true);
    expect(Array.from(stripOneNewline(Uint8Array.of(0x61, 0x0d)))).toEqual([0x61, 0x0d]);
    const binary = loadSecret({ file: file('bin', Uint8Array.of(0, 255, 1, 254, 2, 253, 3, 252)) });
    expect(binary).toMatchObject({ key: expect.anything() });
  });

  it('takes UDPCHAT_SECRET when no file is given; the file wins; empty or none is no secret', () => {
    expect(loadSecret({ env: 'from the environment' })).toMatchObject({ source: 'UDPCHAT_SECRET' });
    expect(loadSecret({ file: file('wins', 'the file wins'), env: 'from the environment' })).toMatchObject({
      source: `file ${join(dir, 'wins')}`,
    });
    expect(loadSecret({ env: '' })).toBeNull();
    expect(loadSecret({})).toBeNull();
  });

  it('says why on one line, naming the file or variable and never the secret', () => {
    const missing = join(dir, 'nope');
    expect(loadSecret({ file: missing })).toEqual({ error: `cannot read the secret file ${missing}: no such file (ENOENT)` });
    expect(loadSecret({ file: dir })).toEqual({ error: `cannot read the secret file ${dir}: it is a directory (EISDIR)` });
    const short = file('short', 'abc\n');
    expect(loadSecret({ file: short })).toEqual({ error: `the shared secret is 3 bytes; at least 8 are needed (secret file ${short})` });
    expect(loadSecret({ env: 'tiny' })).toEqual({ error: 'the shared secret is 4 bytes; at least 8 are needed (UDPCHAT_SECRET)' });
  });
});

import { encode, isProtocolDatagram, isValidUtf8 } from '@udpchat/protocol';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RateLimitedLog, type DropReason } from '../src/index.js';
import { chat } from './helpers/peer.js';
import { captureLogger, peerOf, registered, testRelay, type LogLine } from './helpers/relay.js';
import { until } from './helpers/wait.js';
import { addsUp, sum } from './helpers/stats.js';

describe('malformed datagrams', () => {
  it('are dropped and counted by reason while good clients keep chatting', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ logger });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const attacker = await peerOf(relay);

    const good = encode(chat('bob', 'a real message'));
    const ignoredText = new TextEncoder().encode('请输入消息 plain text'); // from alice, a registered client
    const bad: Array<[DropReason, Uint8Array]> = [
      ['empty-datagram', new Uint8Array(0)],
      ['TRUNCATED', good.subarray(0, good.length - 3)],
      ['TRUNCATED', good.subarray(0, 4)],
      ['BAD_VERSION', Uint8Array.from(good, (b, i) => (i === 2 ? 9 : b))],
      ['UNKNOWN_KIND', Uint8Array.from(good, (b, i) => (i === 3 ? 0x7f : b))],
      ['BAD_FLAGS', Uint8Array.from(good, (b, i) => (i === 4 ? 4 : b))],
      ['TRUNCATED', Uint8Array.from(good, (b, i) => (i === 4 ? 3 : b))], // token and trailer claimed, too short for the fields
      ['TRUNCATED', Uint8Array.of(0xff, 0x55, 2, 7, 1, 1, 2, 3)], // a token cut short
      ['TRAILING_BYTES', Uint8Array.from([...good, 0])],
      ['OVERSIZE', new Uint8Array(1500).fill(0xff).fill(0x55, 1, 2)],
      ['BAD_UTF8', new Uint8Array(1500).fill(0xff)],
      ['BAD_UTF8', Uint8Array.of(0xff, 0x56, 1, 7, 0, 0, 0, 0, 7)],
      ['BAD_FIELD', Uint8Array.of(0xff, 0x55, 2, 1, 0, 0)], // hello with an empty name
    ];
    // Garbage only: random bytes that happen to be UTF-8 text are plain-peer chat (plainPeers.test.ts).
    const random = fc
      .sample(fc.uint8Array({ minLength: 0, maxLength: 1400 }), { seed: 7, numRuns: 200 })
      .filter((b) => isProtocolDatagram(b) || !isValidUtf8(b));
    expect(random.length).toBeGreaterThan(150);
    const before = relay.stats();

    // Interleave garbage (from a stranger and from a registered contact) with real chat.
    let delivered = 0;
    await alice!.sendRaw(ignoredText);
    for (const [i, bytes] of [...bad.map(([, b]) => b), ...random].entries()) {
      await (i % 2 ? attacker : alice!).sendRaw(bytes);
      if (i % 40 === 0) {
        await alice!.send(chat('bob', `ok ${i}`));
        await bob!.next('chat', (m) => m.text === `ok ${i}`);
        delivered++;
      }
    }
    await bob!.send(chat('alice', 'still alive'));
    expect(await alice!.next('chat', (m) => m.text === 'still alive')).toMatchObject({ from: 'bob' });

    const sent = 1 + bad.length + random.length + delivered + 1;
    const stats = await until(() => {
      const s = relay.stats();
      return s.datagramsIn - before.datagramsIn === sent && s;
    }, `${sent} datagrams to be counted`);
    const empties = [...bad.map(([, b]) => b), ...random].filter((b) => b.length === 0).length;
    expect(empties).toBeGreaterThanOrEqual(1);
    expect(stats.empty - before.empty).toBe(empties);
    expect(stats.malformed - before.malformed).toBe(bad.length + random.length - empties);
    expect(sum(stats.dropped) - sum(before.dropped)).toBe(bad.length + random.length);
    expect(stats.accepted - before.accepted).toBe(delivered + 1 + 1);
    expect(stats.ignored).toEqual({ 'plain-from-client': 1 });
    for (const [code] of bad) expect(stats.dropped[code], code).toBeGreaterThan(0);
    expect(stats.dropped.BAD_UTF8).toBeGreaterThanOrEqual(2);
    expect(stats.unauthenticated).toBe(0);
    expect(addsUp(stats)).toBe(true);
    expect(relay.contactCount).toBe(2); // garbage never makes a plain peer
    // The garbage was never answered.
    expect(attacker.inbox).toEqual([]);
    expect(alice!.pending('error')).toEqual([]);

    const empty = lines.find((l) => l.msg === `0-byte datagram from 127.0.0.1:${alice!.port}`); // bad[0], even: alice
    expect(empty).toMatchObject({ reason: 'empty-datagram', bytes: 0 });
    const drops = lines.filter((l: LogLine) => l.msg === 'datagram dropped' || l.msg.startsWith('0-byte'));
    // Rate-limited: at most 10 lines per reason within the window, despite ~200 drops.
    const perReason = new Map<unknown, number>();
    for (const l of drops) perReason.set(l.reason, (perReason.get(l.reason) ?? 0) + 1);
    for (const [reason, n] of perReason) expect(n, String(reason)).toBeLessThanOrEqual(10);
    expect(drops.length).toBeLessThan(bad.length + random.length);
    expect(drops[0]).toMatchObject({ from: `127.0.0.1:${alice!.port}`, reason: 'plain-from-client' });
  });

  it('stats add up after every kind of traffic', async () => {
    const relay = await testRelay();
    const [alice] = await registered(relay, 'alice', 'bob');
    await alice!.sendRaw(new Uint8Array([0xc3, 0x28, 3]));
    await alice!.send({ kind: 'join', epoch: 1, version: 1, name: 'x', type: 'client' });
    await alice!.send(chat('nobody', 'x'));
    await alice!.next('error');
    const s = relay.stats();
    expect(s.datagramsIn).toBe(7); // hello + list each, then three
    expect(s).toMatchObject({ accepted: 6, malformed: 1, dropped: { BAD_UTF8: 1 }, ignored: { unexpected: 1 }, contacts: 2 });
    expect(addsUp(s)).toBe(true);
    expect(s.bytesIn).toBeGreaterThan(0);
    expect(s.datagramsOut).toBeGreaterThanOrEqual(6); // 2 welcomes, 2 contact pages, 1 join, 1 error
  });
});

describe('a failure while handling a datagram', () => {
  it('is caught, counted as internal, and the relay keeps serving', async () => {
    const lines: string[] = [];
    // A log destination that fails on one event: the handler throws half-way through a hello.
    const logger = pino({ level: 'info' }, {
      write: (line: string) => {
        if (line.includes('"contact registered"') && line.includes('"doomed"')) throw new Error('disk full');
        lines.push(line);
      },
    });
    const relay = await testRelay({ logger });
    const doomed = await peerOf(relay);
    await doomed.hello('doomed');
    doomed.token = (await doomed.next('welcome')).token;
    await doomed.send({ kind: 'list', epoch: 0, version: 0 }); // completes the registration, which logs 'contact registered'
    await until(() => relay.stats().ignored.internal === 1, 'the internal drop');
    expect(lines.some((l) => l.includes('datagram handling failed') && l.includes('disk full'))).toBe(true);
    const [alice] = await registered(relay, 'alice');
    await alice!.send({ kind: 'heartbeat', seq: 5 });
    expect(await alice!.next('heartbeat-ack')).toMatchObject({ kind: 'heartbeat-ack', seq: 5 });
    expect(addsUp(relay.stats())).toBe(true);
  });
});

describe('RateLimitedLog', () => {
  it('writes at most maxPerWindow lines per key, then one line saying how many were suppressed', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    let now = 0;
    const limited = new RateLimitedLog(logger, { windowMs: 10_000, maxPerWindow: 10, now: () => now });
    const results = Array.from({ length: 25 }, () => limited.log('BAD_MAGIC', 'warn', { reason: 'BAD_MAGIC' }, 'datagram dropped'));
    limited.log('TRUNCATED', 'warn', { reason: 'TRUNCATED' }, 'datagram dropped');
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(lines.filter((l) => l.reason === 'BAD_MAGIC')).toHaveLength(10);
    expect(lines.filter((l) => l.reason === 'TRUNCATED')).toHaveLength(1);
    limited.flush();
    expect(lines.some((l) => l.msg === 'log lines suppressed')).toBe(false); // window not over yet
    now = 10_000;
    expect(limited.log('BAD_MAGIC', 'warn', { reason: 'BAD_MAGIC' }, 'datagram dropped')).toBe(true);
    const summary = lines.filter((l) => l.msg === 'log lines suppressed');
    expect(summary).toEqual([expect.objectContaining({ key: 'BAD_MAGIC', suppressed: 15, of: 'datagram dropped' })]);
    for (let i = 0; i < 12; i++) limited.log('BAD_MAGIC', 'warn', {}, 'datagram dropped');
    limited.flush(true);
    expect(lines.filter((l) => l.msg === 'log lines suppressed').at(-1)).toMatchObject({ suppressed: 3 });
  });
});

import assert from 'node:assert/strict';
import {
  AUTH_TRAILER_BYTES,
  createAuthKey,
  encodingLength,
  MAX_DATAGRAM_BYTES,
  MAX_NAME_BYTES,
  MAX_NAME_CHARS,
  nameProblem,
  utf8Length,
  type ContactEntry,
} from '@udpchat/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactPages } from '../src/index.js';
import { MAX_PUSH_GAP_MS } from '../src/rules/presence.js';
import { peerOf, registeredWith, testRelay } from './helpers/relay.js';
import type { TestPeer } from './helpers/peer.js';
import { until } from './helpers/wait.js';

/** A valid name of 32 three-byte characters, distinct per `i`. */
function longName(i: number): string {
  const base = 0x4e00; // CJK ideographs: 3 bytes each in UTF-8
  const name = String.fromCodePoint(base + i) + String.fromCodePoint(base + 1000).repeat(MAX_NAME_CHARS - 1);
  expect(nameProblem(name)).toBeNull();
  return name;
}

/**
 * A valid name of 32 four-byte letters (CJK Extension B, \p{L}): 128 bytes, the
 * longest a name can be (MAX_NAME_BYTES), distinct per `i` (up to 1000).
 */
function longestName(i: number): string {
  const base = 0x20000;
  const name = String.fromCodePoint(base + i) + String.fromCodePoint(base + 1000).repeat(MAX_NAME_CHARS - 1);
  expect(utf8Length(name)).toBe(MAX_NAME_BYTES);
  expect(nameProblem(name)).toBeNull();
  return name;
}

describe('contact list pages', () => {
  it('is one empty page when nobody else is online', () => {
    expect(contactPages([])).toMatchObject([{ kind: 'contacts', page: 0, pages: 1, contacts: [] }]);
  });

  it('always fits each page in one datagram and keeps every entry, in order', () => {
    const entry = fc.record({
      name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_NAME_CHARS }).filter((n) => Buffer.byteLength(n) <= 128),
      type: fc.constantFrom<ContactEntry['type']>('client', 'plain'),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 300 }), (entries) => {
        const pages = contactPages(entries);
        expect(pages.length).toBeGreaterThanOrEqual(1);
        pages.forEach((p, i) => {
          expect(p.page).toBe(i);
          expect(p.pages).toBe(pages.length);
          expect(encodingLength(p)).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
          if (pages.length > 1) expect(p.contacts.length).toBeGreaterThan(0);
        });
        expect(pages.flatMap((p) => p.contacts)).toEqual(entries);
      }),
      { numRuns: 200 },
    );
  });

  it('pages a relay with 150 contacts of 128-byte names (the longest), each datagram at most 1200 bytes', async () => {
    const relay = await testRelay({ maxPerIp: 0 });
    const names = Array.from({ length: 150 }, (_, i) => longestName(i));
    const peers: TestPeer[] = [];
    for (const name of names.slice(0, 149)) {
      // The joins pushed to the others are counted, not decoded (11,000 of them: most of the test's time otherwise).
      const peer = await peerOf(relay, { skipKinds: ['join', 'roster-delta'] });
      // Registered without the list (~1,300 pages of lists not complete yet): only the last one's is the test's.
      await registerWithoutList(peer, name);
      peers.push(peer);
    }
    const last = await peerOf(relay);
    await last.hello(names[149]!);
    last.token = (await last.next('welcome')).token;
    // Pages only after the list with the token (anti-amplification): the welcome came alone.
    expect(last.pending('contacts')).toEqual([]);
    await last.send({ kind: 'list', epoch: 0, version: 0 });
    const first = await last.next('contacts');
    const pages = [first];
    while (pages.length < first.pages) pages.push(await last.next('contacts'));
    expect(first.pages).toBeGreaterThan(1);
    for (const page of pages) {
      expect(encodingLength(page)).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
      expect(page.pages).toBe(first.pages);
    }
    expect(new Set(pages.map((p) => p.page))).toEqual(new Set(Array.from({ length: first.pages }, (_, i) => i)));
    const listed = pages.flatMap((p) => p.contacts.map((c) => c.name));
    expect(listed.sort()).toEqual(names.slice(0, 149).sort());
    expect(relay.contactCount).toBe(150);
    expect(last.garbage).toEqual([]);
  }, 60_000);

  it('leaves room for the auth trailer in shared-secret mode: every client gets the whole list, each page signed and at most 1200 bytes', async () => {
    const secret = createAuthKey('paging test secret');
    const relay = await testRelay({ secret });
    // 32 characters of 3 bytes: 98 bytes per entry, so 12 entries (1187 bytes) fit 1200 but not 1200 − 48.
    const names = Array.from({ length: 30 }, (_, i) => longName(i));
    const peers = await registeredWith(relay, secret, ...names);
    expect(relay.contactCount).toBe(30);
    for (const [i, peer] of peers.entries()) {
      await peer.send({ kind: 'list', epoch: 0, version: 0 });
      const first = await peer.next('contacts');
      const pages = [first];
      while (pages.length < first.pages) pages.push(await peer.next('contacts'));
      for (const page of pages) expect(encodingLength(page) + AUTH_TRAILER_BYTES).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
      if (i === peers.length - 1) expect(first.pages).toBeGreaterThan(2);
      const listed = pages.flatMap((p) => p.contacts.map((c) => c.name));
      expect(listed.sort(), `the list of ${peer.port}`).toEqual(names.filter((_, j) => j !== i).sort());
      expect(peer.garbage).toEqual([]);
      expect(peer.verdicts.every((v) => v === 'ok')).toBe(true);
    }
    expect(relay.stats().ignored.internal).toBeUndefined();
  }, 60_000);

  it('50 clients with 32-character names of 4-byte letters (128 bytes, the longest) on a shared-secret relay all get their whole list: 7 signed pages each', async () => {
    // 49 entries of 130 bytes: at most 8 per signed page (11 + 8 · 130 = 1051; a 9th would make 1181 + 48).
    await everyoneGetsTheWholeList({ count: 50, nameOf: longestName, perPage: 8, pages: 7 });
  }, 60_000);

  it('500 clients with 32-character names on a shared-secret relay all get their whole list (issue 12)', async () => {
    // 499 entries of 34 bytes (32 ASCII letters): at most 33 per signed page (11 + 33 · 34 = 1133; a 34th
    // would make 1167 + 48): 16 pages each, 8,000 in all (the 128-byte names above need 63 each).
    const nameOf = (i: number) => `c${String(i).padStart(3, '0')}`.padEnd(MAX_NAME_CHARS, 'x');
    await everyoneGetsTheWholeList({ count: 500, nameOf, perPage: 33, pages: 16 });
  }, 120_000);
});

/**
 * Registers `peer` as `name` without asking for the list: hello → welcome → a heartbeat with the token
 * (which completes the registration, PROTOCOL.md §6.1) → its ack; each awaited up to `timeoutMs`.
 */
async function registerWithoutList(peer: TestPeer, name: string, timeoutMs = 3000): Promise<void> {
  await peer.hello(name);
  peer.token = (await peer.next('welcome', () => true, timeoutMs)).token;
  await peer.send({ kind: 'heartbeat', seq: 1 });
  await peer.next('heartbeat-ack', () => true, timeoutMs);
}

/**
 * `count` clients named `nameOf(i)` register on a shared-secret relay, then each asks for the list:
 * each gets the whole list, in `pages` signed pages of at most `perPage` entries, each at most 1200
 * bytes with its trailer, at the relay's version, and the later registrations were pushed to it.
 */
async function everyoneGetsTheWholeList(o: { count: number; nameOf: (i: number) => string; perPage: number; pages: number }): Promise<void> {
  const { count } = o;
  // The scale of issue 12 (a smoke, not a bench): the relay runs like the bench's (rate limit and
  // per-IP cap off, `--rate-limit 0 --max-per-ip 0`), since 500 sockets on 127.0.0.1 are one IP
  // that sends hundreds of datagrams within a second. The peers send no heartbeats, and on a loaded
  // machine registering 500 may take longer than the 15 s presence timeout: it is 5 minutes here.
  const secret = createAuthKey(`paging test secret, ${count} clients`);
  const relay = await testRelay({ secret, rateLimit: 0, maxPerIp: 0, presenceTimeoutMs: 300_000 });
  const SLOW_MS = 30_000;
  const allPages = async (peer: TestPeer) => {
    const first = await peer.next('contacts', () => true, SLOW_MS);
    const pages = [first];
    while (pages.length < first.pages) pages.push(await peer.next('contacts', () => true, SLOW_MS));
    return pages;
  };
  const names = Array.from({ length: count }, (_, i) => o.nameOf(i));
  for (const name of names) expect(nameProblem(name), name).toBeNull();
  expect(new Set(names).size).toBe(count);
  expect(names.every((n) => [...n].length === MAX_NAME_CHARS)).toBe(true);
  const started = performance.now();
  const peers: TestPeer[] = [];
  // Registered 25 at a time: hello → welcome → a heartbeat with the token (which completes the
  // registration, PROTOCOL.md §6.1) → its ack. Not the list TestPeer.register asks for then (for 500
  // clients of 128-byte names, ~16,000 signed pages more, of lists not complete yet): the lists come below.
  for (let i = 0; i < count; i += 25) {
    const batch = await Promise.all(names.slice(i, i + 25).map(async (name) => {
      // The pushes (joins, and changes grouped by the push pacing as roster-delta, PROTOCOL.md §6.7)
      // are counted, not decoded and verified: most of the test's time otherwise.
      const peer = await peerOf(relay, { secret, skipKinds: ['join', 'roster-delta'] });
      await registerWithoutList(peer, name, SLOW_MS);
      return peer;
    }));
    peers.push(...batch);
  }
  expect(relay.contactCount).toBe(count);
  const registeredMs = performance.now() - started;
  const lists = await Promise.all(peers.map(async (peer) => {
    await peer.send({ kind: 'list', epoch: 0, version: 0 });
    return allPages(peer);
  }));
  // Entries come in the relay's registration order (PROTOCOL.md §4.3), the one `contacts()` reports;
  // registrations of one batch may complete in any order.
  const order = relay.contacts().map((c) => c.name);
  expect(new Set(order)).toEqual(new Set(names));
  // Checked with node:assert: an expect costs ~30 µs, and there are tens of thousands of checks here.
  // (The messages are built only on a failure: the port is a system call, and there are 8,000 pages.)
  for (const [i, pages] of lists.entries()) {
    const peer = peers[i]!;
    assert.equal(pages[0]!.pages, o.pages, `the pages of ${peer.port}`);
    assert.equal(new Set(pages.map((p) => p.page)).size, pages.length);
    for (const page of pages) {
      const bytes = encodingLength(page);
      if (bytes + AUTH_TRAILER_BYTES > MAX_DATAGRAM_BYTES) assert.fail(`page ${page.page} to ${peer.port}: ${bytes} bytes`);
      if (page.contacts.length > o.perPage) assert.fail(`page ${page.page} to ${peer.port}: ${page.contacts.length} entries`);
    }
    const listed = pages.sort((a, b) => a.page - b.page).flatMap((p) => p.contacts.map((c) => c.name));
    assert.deepEqual(listed, order.filter((n) => n !== names[i]), `the list of ${peer.port}`);
    assert.deepEqual(peer.garbage, []);
    assert.ok(peer.verdicts.every((v) => v === 'ok'), `verdicts of ${peer.port}: ${[...new Set(peer.verdicts)].join()}`);
    // The list is at the relay's version: one change per registration.
    assert.equal(pages[0]!.version, count, `the list version of ${peer.port}`);
  }
  // And the later registrations were pushed to each client registered before the last (as joins, or grouped
  // in roster-delta datagrams): soon, not at once, since the push pacing may hold changes back (at most
  // MAX_PUSH_GAP_MS, 2 s, per push), and registrations without the interim lists come faster than that.
  const pushesTo = (peer: TestPeer) => (peer.skipped.get('join') ?? 0) + (peer.skipped.get('roster-delta') ?? 0);
  const notLast = peers.filter((_, i) => names[i] !== order.at(-1));
  await until(() => notLast.every((peer) => pushesTo(peer) > 0), 'a push to every client registered before the last', 10 * MAX_PUSH_GAP_MS);
  const stats = relay.stats();
  expect(stats.ignored.internal).toBeUndefined();
  expect(stats.notSent).toEqual({});
  // Printed, not asserted (a loaded 2-core machine must pass).
  console.log(`${count} clients: registered in ${Math.round(registeredMs)} ms, all lists in ${Math.round(performance.now() - started - registeredMs)} ms more`);
}

import {
  AUTH_TRAILER_BYTES,
  createAuthKey,
  encodingLength,
  MAX_DATAGRAM_BYTES,
  MAX_NAME_CHARS,
  nameProblem,
  type ContactEntry,
} from '@udpchat/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactPages } from '../src/index.js';
import { peerOf, registeredWith, testRelay } from './helpers/relay.js';
import type { TestPeer } from './helpers/peer.js';

/** A valid name of 32 three-byte characters, distinct per `i`. */
function longName(i: number): string {
  const base = 0x4e00; // CJK ideographs: 3 bytes each in UTF-8
  const name = String.fromCodePoint(base + i) + String.fromCodePoint(base + 1000).repeat(MAX_NAME_CHARS - 1);
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

  it('pages a relay with 150 contacts of 96-byte names, each datagram at most 1200 bytes', async () => {
    const relay = await testRelay({ maxPerIp: 0 });
    const names = Array.from({ length: 150 }, (_, i) => longName(i));
    const peers: TestPeer[] = [];
    for (const name of names.slice(0, 149)) {
      const peer = await peerOf(relay);
      await peer.register(name);
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
});

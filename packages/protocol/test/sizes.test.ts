/**
 * Worst-case datagram sizes computed from the schema (issue 12, "trailer-aware
 * sizes everywhere"): every kind but `hello` (whose padding the sender
 * chooses), `contacts` (which the relay pages, §4.3) and `roster-delta` (which
 * the relay splits, §4.20) fits one datagram of
 * 1200 bytes at its largest, with a session token and an auth trailer; the
 * size column of PROTOCOL.md §3 is exactly what the schema gives. A field
 * added to a kind is counted here without touching this file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AUTH_TRAILER_BYTES,
  bodyBounds,
  encodingLength,
  HEADER_BYTES,
  MAX_DATAGRAM_BYTES,
  MAX_NAME_BYTES,
  MESSAGE_KINDS,
  sentBy,
  TOKEN_BYTES,
  type MessageKind,
} from '../src/index.js';

const doc = readFileSync(new URL('../PROTOCOL.md', import.meta.url), 'utf8');
const ENVELOPE = TOKEN_BYTES + AUTH_TRAILER_BYTES;
/** Kinds whose size the sender bounds itself: a hello's padding, the relay's contact pages and roster-delta runs. */
const SENDER_BOUNDED: readonly MessageKind[] = ['hello', 'contacts', 'roster-delta'];

describe('worst-case sizes from the schema', () => {
  it.each(MESSAGE_KINDS.filter((k) => !SENDER_BOUNDED.includes(k)).map((k) => [k] as const))(
    '%s at its largest fits 1200 bytes with a token and an auth trailer',
    (kind) => {
      const worst = HEADER_BYTES + bodyBounds(kind).max + ENVELOPE;
      expect(worst, `${kind}: ${worst} bytes`).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    },
  );

  it('covers every relay -> client kind: welcome, join, leave, rename, error, relay-ack, ack, chat, heartbeat-ack, bye, challenge, stored, receipt, and contacts (paged) and roster-delta (split)', () => {
    const relayKinds = MESSAGE_KINDS.filter((k) => sentBy(k, 'relay'));
    expect(new Set(relayKinds)).toEqual(
      new Set(['welcome', 'contacts', 'join', 'leave', 'chat', 'heartbeat-ack', 'bye', 'error', 'relay-ack', 'ack', 'rename', 'roster-delta', 'challenge', 'stored', 'receipt']),
    );
  });

  it('contacts: a page with one entry of the longest name fits with token and trailer, and 8 such entries always do', () => {
    const empty = HEADER_BYTES + bodyBounds('contacts').min; // epoch, version: u32 each; page, pages and the count: u16 each
    expect(empty).toBe(19);
    const entry = 1 + MAX_NAME_BYTES + 1;
    expect(empty + 8 * entry + ENVELOPE).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    const longest = 'x'.repeat(MAX_NAME_BYTES);
    const page = { kind: 'contacts', epoch: 7, version: 9, page: 0, pages: 1, contacts: Array.from({ length: 8 }, () => ({ name: longest, type: 'plain' as const })) } as const;
    expect(encodingLength(page)).toBe(empty + 8 * entry);
  });

  it('roster-delta: 8 changes of the longest name always fit with token and trailer', () => {
    const empty = HEADER_BYTES + bodyBounds('roster-delta').min; // epoch, from, version: u32 each; the count: u16
    expect(empty).toBe(19);
    const entry = 1 + MAX_NAME_BYTES + 1;
    expect(empty + 8 * entry + ENVELOPE).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    const longest = 'x'.repeat(MAX_NAME_BYTES);
    const delta = { kind: 'roster-delta', epoch: 7, from: 9, version: 17, changes: Array.from({ length: 8 }, () => ({ name: longest, state: 'left-timeout' as const })) } as const;
    expect(encodingLength(delta)).toBe(empty + 8 * entry);
  });

  it('bodyBounds agrees with encodingLength at the extremes of a kind', () => {
    expect(encodingLength({ kind: 'list', epoch: 0, version: 0 })).toBe(HEADER_BYTES + bodyBounds('list').max);
    expect(encodingLength({ kind: 'heartbeat', seq: 0 })).toBe(HEADER_BYTES + bodyBounds('heartbeat').min);
    expect(encodingLength({ kind: 'heartbeat-ack', seq: 0, epoch: 1, version: 0 })).toBe(HEADER_BYTES + bodyBounds('heartbeat-ack').max);
    expect(encodingLength({ kind: 'bye', reason: '' })).toBe(HEADER_BYTES + bodyBounds('bye').min);
    expect(encodingLength({ kind: 'bye', reason: 'r'.repeat(255) })).toBe(HEADER_BYTES + bodyBounds('bye').max);
    expect(encodingLength({ kind: 'join', epoch: 0xffff_ffff, version: 0xffff_ffff, name: 'n'.repeat(MAX_NAME_BYTES), type: 'client' })).toBe(HEADER_BYTES + bodyBounds('join').max);
  });
});

describe('PROTOCOL.md §3', () => {
  const rows = [...doc.matchAll(/^\| `0x([0-9a-f]{2})` \| `([a-z-]+)` \| [^|]+ \| (\d+)(?:–(\d+))? /gm)];

  it('has a row for every kind', () => {
    expect(rows.map((r) => r[2])).toEqual([...MESSAGE_KINDS]);
  });

  it.each(rows.map((r) => [r[2] as MessageKind, Number(r[3]), Number(r[4] ?? r[3])] as const))(
    'the size of %s is what the schema gives (min–max, at most 1200, without token and trailer)',
    (kind, min, max) => {
      const bounds = bodyBounds(kind);
      expect([min, max]).toEqual([HEADER_BYTES + bounds.min, Math.min(MAX_DATAGRAM_BYTES, HEADER_BYTES + bounds.max)]);
    },
  );
});

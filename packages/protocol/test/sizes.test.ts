/**
 * Worst-case datagram sizes computed from the schema (issue 12, "trailer-aware
 * sizes everywhere"): every kind but `hello` (whose padding the sender
 * chooses) and `contacts` (which the relay pages, §4.3) fits one datagram of
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
/** Kinds whose size the sender bounds itself: a hello's padding, the relay's contact pages. */
const SENDER_BOUNDED: readonly MessageKind[] = ['hello', 'contacts'];

describe('worst-case sizes from the schema', () => {
  it.each(MESSAGE_KINDS.filter((k) => !SENDER_BOUNDED.includes(k)).map((k) => [k] as const))(
    '%s at its largest fits 1200 bytes with a token and an auth trailer',
    (kind) => {
      const worst = HEADER_BYTES + bodyBounds(kind).max + ENVELOPE;
      expect(worst, `${kind}: ${worst} bytes`).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    },
  );

  it('covers every relay -> client kind: welcome, join, leave, rename, error, relay-ack, ack, chat, heartbeat-ack, bye, challenge, stored, receipt, and contacts (paged)', () => {
    const relayKinds = MESSAGE_KINDS.filter((k) => sentBy(k, 'relay'));
    expect(new Set(relayKinds)).toEqual(
      new Set(['welcome', 'contacts', 'join', 'leave', 'chat', 'heartbeat-ack', 'bye', 'error', 'relay-ack', 'ack', 'rename', 'challenge', 'stored', 'receipt']),
    );
  });

  it('contacts: a page with one entry of the longest name fits with token and trailer, and 8 such entries always do', () => {
    const empty = HEADER_BYTES + bodyBounds('contacts').min; // page, pages and the count: u16 each
    expect(empty).toBe(11);
    const entry = 1 + MAX_NAME_BYTES + 1;
    expect(empty + 8 * entry + ENVELOPE).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    const longest = 'x'.repeat(MAX_NAME_BYTES);
    const page = { kind: 'contacts', page: 0, pages: 1, contacts: Array.from({ length: 8 }, () => ({ name: longest, type: 'plain' as const })) } as const;
    expect(encodingLength(page)).toBe(empty + 8 * entry);
  });

  it('bodyBounds agrees with encodingLength at the extremes of a kind', () => {
    expect(encodingLength({ kind: 'list' })).toBe(HEADER_BYTES + bodyBounds('list').max);
    expect(encodingLength({ kind: 'heartbeat', seq: 0 })).toBe(HEADER_BYTES + bodyBounds('heartbeat').min);
    expect(encodingLength({ kind: 'bye', reason: '' })).toBe(HEADER_BYTES + bodyBounds('bye').min);
    expect(encodingLength({ kind: 'bye', reason: 'r'.repeat(255) })).toBe(HEADER_BYTES + bodyBounds('bye').max);
    expect(encodingLength({ kind: 'join', name: 'n'.repeat(MAX_NAME_BYTES), type: 'client' })).toBe(HEADER_BYTES + bodyBounds('join').max);
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

/**
 * The client core's keyed link (net/core/keyedLink.ts), sans I/O: which
 * datagram completes a registration, the answer to a challenge, `stored` as
 * a delivery state, receipts reported once and acknowledged every time.
 */
import { describe, expect, it } from 'vitest';
import { privateKeyFromSeed, verifyIdentify, type ErrorMessage } from '@udpchat/protocol';
import { identityOf } from '../src/identity/keyFiles.js';
import { KeyedLink } from '../src/net/core/keyedLink.js';

const key = identityOf(privateKeyFromSeed(new Uint8Array(32).fill(7)));
const token = new Uint8Array(16).fill(1);
/** A roster version (PROTOCOL.md §6.7): what `list` says. */
const V = { epoch: 0x1a2b3c4d, version: 42 };
const chat = { kind: 'chat' as const, id: 'm1', from: 'alice', to: 'bob', epoch: 7, seq: 1, base: 1, time: 0, text: 'hi' };

describe('KeyedLink', () => {
  it('asks for the list with identify (signed over the token) until the registration completes, then with list; keyless: list', () => {
    const link = new KeyedLink(() => key, () => undefined);
    const first = link.listDatagram('alice', token, V);
    expect(first.kind).toBe('identify');
    if (first.kind === 'identify') expect(verifyIdentify(first.publicKey, token, 'alice', first.signature)).toBe(true);
    link.complete();
    expect(link.listDatagram('alice', token, V)).toEqual({ kind: 'list', ...V });
    link.restart();
    expect(link.listDatagram('alice', token, V).kind).toBe('identify');
    expect(new KeyedLink(null, () => undefined).listDatagram('alice', token, V)).toEqual({ kind: 'list', ...V });
  });

  it('answers a challenge only for the name being renamed to; a key that cannot be had is a KEY_ERROR, not a throw', () => {
    const errors: ErrorMessage[] = [];
    const link = new KeyedLink((name) => (name === 'broken' ? (() => { throw new Error('cannot read broken.key'); })() : key), (e) => errors.push(e));
    const challenge = new Uint8Array(16).fill(9);
    expect(link.handle({ kind: 'challenge', name: 'alicia', challenge }, null, () => undefined)).toEqual({});
    const { reply } = link.handle({ kind: 'challenge', name: 'Alicia', challenge }, 'alicia', () => undefined);
    expect(reply?.kind === 'identify' && verifyIdentify(reply.publicKey, challenge, 'Alicia', reply.signature)).toBe(true);
    expect(link.listDatagram('broken', token, V)).toEqual({ kind: 'list', ...V });
    expect(errors).toEqual([{ kind: 'error', code: 'KEY_ERROR', message: 'cannot read broken.key', ref: '' }]);
  });

  it("reports the outbox's final state of a stored message as stored, once; reports a receipt once and acks every copy", () => {
    const link = new KeyedLink(() => key, () => undefined);
    const states: unknown[] = [];
    link.handle({ kind: 'stored', id: 'm1', to: 'bob' }, null, () => states.push(link.translate(chat, { state: 'at-relay', recipients: 0, acked: 0, final: true })));
    expect(states).toEqual([{ state: 'stored', to: 'bob' }]);
    expect(link.translate(chat, { state: 'delivered', delivered: 1, of: 1 })).toEqual({ state: 'delivered', delivered: 1, of: 1 });
    const first = link.handle({ kind: 'receipt', id: 'm1', by: 'bob' }, null, () => undefined);
    const again = link.handle({ kind: 'receipt', id: 'm1', by: 'bob' }, null, () => undefined);
    expect(first).toEqual({ reply: { kind: 'receipt-ack', id: 'm1' }, receipt: { id: 'm1', by: 'bob' } });
    expect(again).toEqual({ reply: { kind: 'receipt-ack', id: 'm1' } });
  });
});

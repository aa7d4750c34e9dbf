/**
 * Names and sessions (issue 10, items 3 and 4), over real sockets with an
 * in-process relay: a refused rename keeps the session, a rename is one, and
 * a name still held by a dead previous session is retried until it expires.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encode, paddedHello, type ErrorMessage } from '@udpchat/protocol';
import { startRelay, type RelayOptions } from '@udpchat/server';
import type { DeliveryState } from '../src/net/delivery/states.js';
import { ChatSession } from '../src/net/session.js';
import { until } from './helpers/wait.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function relay(options: RelayOptions = {}) {
  const r = await startRelay({ host: '127.0.0.1', port: 0, ...options });
  cleanups.push(() => r.stop());
  return r.address.port;
}

async function session(port: number, name: string, wait = true, nameRetryForMs?: number): Promise<ChatSession> {
  const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false, nameRetryForMs });
  cleanups.push(() => s.close());
  s.start();
  if (wait) await until(() => s.registration === 'registered', `${name} to register`, 20_000);
  return s;
}

function errors(s: ChatSession): ErrorMessage[] {
  const seen: ErrorMessage[] = [];
  s.on('relay-error', (e) => seen.push(e));
  return seen;
}

describe('renaming', () => {
  it('a refused /name keeps the old name and the session: no leave for the others, messages still flow', async () => {
    const port = await relay();
    const alicia = await session(port, 'alicia');
    const carol = await session(port, 'carol');
    const bob = await session(port, 'bob');
    await until(() => bob.contacts().length === 2 && alicia.contacts().length === 2, 'everyone to see everyone');
    const left: string[] = [];
    bob.on('leave', (name) => left.push(name));
    const seen = errors(alicia);
    alicia.rename('carol');
    await until(() => seen.length > 0, 'the refusal');
    expect(seen[0]?.code).toBe('NAME_TAKEN');
    expect(alicia.registration).toBe('registered');
    expect(alicia.name).toBe('alicia');
    const states: DeliveryState[] = [];
    alicia.on('delivery', (_m, d) => states.push(d));
    const got: string[] = [];
    bob.on('chat', (m) => got.push(`${m.from}: ${m.text}`));
    alicia.send('bob', 'still here');
    await until(() => states.some((d) => d.state === 'delivered'), 'the message to be delivered');
    expect(got).toEqual(['alicia: still here']);
    expect(left).toEqual([]);
    expect(bob.contacts().map((c) => c.name)).toEqual(['alicia', 'carol']);
  });

  it('an accepted /name keeps the session and announces the new name; messages go out under it', async () => {
    const port = await relay();
    const alicia = await session(port, 'alicia');
    const bob = await session(port, 'bob');
    await until(() => bob.contacts().length === 1, 'bob to see alicia');
    const registered: string[] = [];
    alicia.on('registered', (w) => registered.push(w.name));
    const atBob: string[] = [];
    bob.on('rename', (from, to) => atBob.push(`rename ${from} -> ${to}`));
    bob.on('leave', (name) => atBob.push(`leave ${name}`));
    bob.on('join', (c) => atBob.push(`join ${c.name}`));
    alicia.rename('alice');
    await until(() => alicia.name === 'alice', 'the rename');
    expect(registered).toEqual(['alice']);
    expect(alicia.registration).toBe('registered');
    await until(() => bob.contacts().some((c) => c.name === 'alice'), 'bob to see the new name');
    expect(bob.contacts().map((c) => c.name)).toEqual(['alice']);
    expect(atBob).toEqual(['rename alicia -> alice']); // a rename, not a leave and a join
    const got: string[] = [];
    bob.on('chat', (m) => got.push(`${m.from}: ${m.text}`));
    alicia.send('bob', 'new name');
    await until(() => got.length === 1, 'the message');
    expect(got).toEqual(['alice: new name']);
  });
});

describe('a name still registered by a dead previous session', () => {
  it('is retried by itself ("still registered … retrying in N s") and taken once the old registration expires', async () => {
    const port = await relay({ presenceTimeoutMs: 3000, sweepIntervalMs: 200 });
    // The previous bob: registers, then dies without a bye (as after kill -9).
    const old = createSocket('udp4');
    cleanups.push(async () => old.close());
    await new Promise<void>((resolve) => old.bind(0, '127.0.0.1', resolve));
    let registered = false;
    old.on('message', (bytes) => {
      const m = decode(bytes);
      if (m.kind !== 'welcome') return;
      old.send(encode({ kind: 'list', epoch: 0, version: 0 }, { token: m.token }), port, '127.0.0.1');
      registered = true;
    });
    old.send(encode(paddedHello('bob')), port, '127.0.0.1');
    await until(() => registered, 'the old bob to register');

    const bob = await session(port, 'bob', false);
    const seen = errors(bob);
    await until(() => seen.length > 0, 'the first refusal');
    expect(seen[0]?.code).toBe('NAME_TAKEN');
    expect(seen[0]?.message).toMatch(/name "bob" is taken, maybe by your previous session; retrying in \d+ s/);
    expect(bob.registration).toBe('registering');
    await until(() => bob.registration === 'registered', 'bob to get his name back', 20_000);
    expect(bob.name).toBe('bob');
  }, 30_000);

  it('gives up when the name stays taken past the presence timeout: refused, with the relay\'s reason', async () => {
    const port = await relay({ presenceTimeoutMs: 1500, heartbeatIntervalMs: 300 });
    const holder = await session(port, 'bob'); // alive: heartbeats keep the name
    const bob = await session(port, 'bob', false, 4000); // default: the presence timeout + 3 s = 18 s
    const seen = errors(bob);
    await until(() => bob.registration === 'refused', 'the final refusal', 20_000);
    expect(seen.filter((e) => /retrying/.test(e.message)).length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)?.message).toMatch(/taken/);
    expect(holder.registration).toBe('registered');
  }, 30_000);
});

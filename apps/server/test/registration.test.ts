import { ERROR_CODES, HEARTBEAT_INTERVAL_MS, PRESENCE_TIMEOUT_MS, TOKEN_BYTES } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { peerOf, registered, testRelay } from './helpers/relay.js';

describe('registration', () => {
  it('welcomes with the address and port as the relay sees them, and the timing', async () => {
    const relay = await testRelay();
    const alice = await peerOf(relay);
    const { welcome, contacts, pages } = await alice.register('alice');
    expect(welcome).toEqual({
      kind: 'welcome',
      name: 'alice',
      address: '127.0.0.1',
      port: alice.port,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      presenceTimeoutMs: PRESENCE_TIMEOUT_MS,
      token: expect.any(Uint8Array),
    });
    expect(welcome.token).toHaveLength(TOKEN_BYTES);
    expect(contacts).toEqual([]);
    expect(pages).toBe(1);
    expect(relay.contactCount).toBe(1);
    expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([['alice', alice.port]]);
  });

  it('tells a newcomer who is online and tells the others it joined', async () => {
    const relay = await testRelay({ heartbeatIntervalMs: 1234, presenceTimeoutMs: 5678 });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const carol = await peerOf(relay);
    const { welcome, contacts } = await carol.register('Carol');
    expect(welcome).toMatchObject({ name: 'Carol', heartbeatIntervalMs: 1234, presenceTimeoutMs: 5678 });
    expect(contacts).toEqual([
      { name: 'alice', type: 'client' },
      { name: 'bob', type: 'client' },
    ]);
    expect(await alice!.next('join', (m) => m.name === 'Carol')).toEqual({ kind: 'join', name: 'Carol', type: 'client' });
    expect(await bob!.next('join', (m) => m.name === 'Carol')).toEqual({ kind: 'join', name: 'Carol', type: 'client' });
    // alice also heard bob join, before Carol.
    expect(await alice!.next('join')).toMatchObject({ name: 'bob' });
    expect(carol.pending('join')).toEqual([]);
  });

  it('refuses a name taken by another address, ignoring case', async () => {
    const relay = await testRelay();
    await registered(relay, 'Bob');
    const other = await peerOf(relay);
    await other.hello('bOB');
    expect(await other.next('error')).toEqual({ kind: 'error', code: ERROR_CODES.NAME_TAKEN, message: 'name "bOB" is taken', ref: '' });
    expect(relay.contactCount).toBe(1);
    expect(relay.stats().refused).toEqual({ NAME_TAKEN: 1 });
  });

  it.each([
    ['a space', 'with space', ERROR_CODES.NAME_INVALID, 'may only hold'],
    ['control characters', '\u0000'.repeat(32), ERROR_CODES.NAME_INVALID, 'may only hold'],
    ['33 characters', 'x'.repeat(33), ERROR_CODES.NAME_INVALID, 'longer than 32'],
    ['"all"', 'all', ERROR_CODES.NAME_RESERVED, 'reserved'],
    ['"ALL"', 'ALL', ERROR_CODES.NAME_RESERVED, 'reserved'],
  ])('refuses a name with %s', async (_label, name, code, text) => {
    const relay = await testRelay();
    const peer = await peerOf(relay);
    await peer.hello(name);
    const error = await peer.next('error');
    expect(error.code).toBe(code);
    expect(error.message).toContain(text);
    expect(error.ref).toBe('');
    expect(relay.contactCount).toBe(0);
  });

  it('answers a repeated hello with the same name with another welcome and no second join', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    const token = bob!.token;
    const again = await bob!.register('bob');
    expect(again.welcome).toMatchObject({ name: 'bob', port: bob!.port, token });
    expect(again.contacts).toEqual([{ name: 'alice', type: 'client' }]);
    // Proof that alice got no second join: the next thing she gets from bob is his chat.
    await bob!.send({ kind: 'chat', id: 'after', from: 'bob', to: 'alice', seq: 0, base: 0, time: 1, text: 'x' });
    const first = await alice!.nextMatching((m) => m.kind === 'join' || m.kind === 'chat');
    expect(first).toMatchObject({ kind: 'chat', id: 'after' });
    expect(relay.contactCount).toBe(2);
  });

  it('treats a hello with a new name from a registered address as a rename', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const token = bob!.token;
    const renamed = await bob!.register('robert');
    expect(renamed.welcome).toMatchObject({ name: 'robert', token }); // same session, same token
    expect(await alice!.next('leave')).toEqual({ kind: 'leave', name: 'bob', reason: 'bye' });
    expect(await alice!.next('join', (m) => m.name === 'robert')).toMatchObject({ name: 'robert' });
    expect(relay.contacts().map((c) => c.name)).toEqual(['alice', 'robert']);
    // The old name is free again.
    const other = await peerOf(relay);
    expect((await other.register('bob')).welcome.name).toBe('bob');
  });

  it('keeps the old registration when a rename is refused', async () => {
    const relay = await testRelay();
    const [, bob] = await registered(relay, 'alice', 'bob');
    await bob!.hello('ALICE');
    expect((await bob!.next('error')).code).toBe(ERROR_CODES.NAME_TAKEN);
    expect(relay.contacts().map((c) => c.name)).toEqual(['alice', 'bob']);
  });
});

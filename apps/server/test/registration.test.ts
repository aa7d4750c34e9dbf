import { ERROR_CODES, HEARTBEAT_INTERVAL_MS, PRESENCE_TIMEOUT_MS, TOKEN_BYTES } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { chat } from './helpers/peer.js';
import { peerOf, rawPeerOf, registered, testRelay } from './helpers/relay.js';

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
      hostedByClient: false,
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
    expect(await alice!.next('join', (m) => m.name === 'Carol')).toMatchObject({ kind: 'join', name: 'Carol', type: 'client' });
    expect(await bob!.next('join', (m) => m.name === 'Carol')).toMatchObject({ kind: 'join', name: 'Carol', type: 'client' });
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
    await bob!.send({ kind: 'chat', id: 'after', from: 'bob', to: 'alice', epoch: 0, seq: 0, base: 0, time: 1, text: 'x' });
    const first = await alice!.nextMatching((m) => m.kind === 'join' || m.kind === 'chat');
    expect(first).toMatchObject({ kind: 'chat', id: 'after' });
    expect(relay.contactCount).toBe(2);
  });

  it('announces a hello with a new name from a registered address as a rename, not leave + join', async () => {
    const renames: Array<[string, string]> = [];
    const left: string[] = [];
    const relay = await testRelay({ onRename: (c, from) => renames.push([from, c.name]), onLeave: (c) => left.push(c.name) });
    const [alice, bob, carol] = await registered(relay, 'alice', 'bob', 'carol');
    const plain = await rawPeerOf(relay);
    await plain.send('hi from nc\n');
    await alice!.next('join', (m) => m.type === 'plain');
    const token = bob!.token;
    await bob!.hello('robert');
    expect(await bob!.next('welcome')).toMatchObject({ name: 'robert', port: bob!.port, token }); // same session, same token
    for (const other of [alice!, carol!]) {
      expect(await other.next('rename')).toMatchObject({ kind: 'rename', from: 'bob', name: 'robert' });
    }
    // Nobody heard a leave or a join for it, and bob was not told of his own rename.
    await bob!.send(chat('all', 'still me'));
    for (const other of [alice!, carol!]) {
      expect(await other.next('chat', (m) => m.text === 'still me')).toMatchObject({ from: 'robert' });
      expect(other.pending('leave')).toEqual([]);
      expect(other.pending('join').filter((m) => m.name === 'robert')).toEqual([]);
    }
    expect(bob!.pending('rename')).toEqual([]);
    // The plain peer gets the chat under the new name and nothing else (no protocol datagram, no notice line).
    expect(await plain.nextText()).toBe('[robert] still me');
    expect(plain.received).toHaveLength(1);
    expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([
      ['alice', alice!.port],
      ['carol', carol!.port],
      [plain.contactName, plain.port],
      ['robert', bob!.port],
    ]);
    expect(renames).toEqual([['bob', 'robert']]);
    expect(left).toEqual([]);
    // Direct messages reach it under the new name; the old name is free again.
    await alice!.send(chat('ROBERT', 'to robert'));
    expect(await bob!.next('chat', (m) => m.text === 'to robert')).toMatchObject({ from: 'alice', to: 'robert' });
    const other = await peerOf(relay);
    expect((await other.register('bob')).welcome.name).toBe('bob');
  });

  it('announces a change of case as a rename', async () => {
    const relay = await testRelay();
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await bob!.hello('Bob');
    expect(await bob!.next('welcome')).toMatchObject({ name: 'Bob', token: bob!.token });
    expect(await alice!.next('rename')).toMatchObject({ kind: 'rename', from: 'bob', name: 'Bob' });
    expect(relay.contacts().map((c) => c.name)).toEqual(['alice', 'Bob']);
  });

  it.each([
    ['taken (by key)', 'ALICE', ERROR_CODES.NAME_TAKEN],
    ['invalid', 'with space', ERROR_CODES.NAME_INVALID],
    ['reserved', 'All', ERROR_CODES.NAME_RESERVED],
  ])('keeps the old registration untouched when a rename is refused: %s', async (_label, name, code) => {
    const events: string[] = [];
    const relay = await testRelay({
      onRename: (c) => events.push(`rename ${c.name}`),
      onLeave: (c) => events.push(`leave ${c.name}`),
      onJoin: (c) => events.push(`join ${c.name}`),
    });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    events.length = 0;
    const token = bob!.token;
    await bob!.hello(name);
    expect((await bob!.next('error')).code).toBe(code);
    expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([
      ['alice', alice!.port],
      ['bob', bob!.port],
    ]);
    // Still registered with the same token: its heartbeat is answered and its chat comes from "bob".
    await bob!.send({ kind: 'heartbeat', seq: 41 });
    expect(await bob!.next('heartbeat-ack')).toMatchObject({ kind: 'heartbeat-ack', seq: 41 });
    await bob!.send(chat('alice', 'after the refusal'));
    // The first thing alice gets after bob's join is that chat: no rename, no leave, no join.
    const first = await alice!.nextMatching((m) => m.kind !== 'heartbeat-ack');
    expect(first).toMatchObject({ kind: 'chat', from: 'bob', text: 'after the refusal' });
    expect(alice!.inbox).toEqual([]);
    expect(bob!.token).toBe(token);
    expect(events).toEqual([]);
    expect(relay.stats().unauthenticated).toBe(0);
  });
});

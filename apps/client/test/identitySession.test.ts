/**
 * The client's part of the identity handshake (PROTOCOL.md §6.5) in-process,
 * over real UDP to a real relay: a keyed session registers with `identify`,
 * renames by answering the relay's challenge with the new name's key, keeps
 * its name when the new one is reserved for another key (the refusal comes as
 * a relay error); a stored message turns `stored` then `delivered` by receipt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorMessage } from '@udpchat/protocol';
import type { Relay } from '@udpchat/server';
import { keyFileProvider } from '../src/identity/keyFiles.js';
import type { DeliveryState } from '../src/net/delivery/states.js';
import { ChatSession } from '../src/net/session.js';
import { testRelay } from './helpers/chat.js';
import { until } from './helpers/wait.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function keyed(relay: Relay, name: string, dir: string): Promise<ChatSession> {
  const session = await ChatSession.open({ host: '127.0.0.1', port: relay.address.port, name, autoHost: false, identity: keyFileProvider(dir) });
  cleanup.push(() => session.close());
  session.start();
  await until(() => session.registration === 'registered' && session.contacts() !== undefined, `${name} to register`);
  return session;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'udpchat-idsession-'));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('a keyed session (in-process, real sockets)', () => {
  it('renames with the new name\'s key; a name reserved for another key is refused and the old name kept', async () => {
    const relay = await testRelay();
    cleanup.push(() => relay.stop());
    const carolDir = tempDir();
    const carol = await keyed(relay, 'carol', carolDir);
    await carol.close(); // carol is now reserved for carolDir's key
    const dir = tempDir();
    const alice = await keyed(relay, 'alice', dir);
    const errors: ErrorMessage[] = [];
    alice.on('relay-error', (e) => errors.push(e));
    alice.rename('alicia');
    await until(() => alice.name === 'alicia', 'the rename');
    expect(relay.contacts().map((c) => c.name)).toEqual(['alicia']);
    alice.rename('carol');
    await until(() => errors.length > 0, 'the refusal');
    expect(errors[0]).toMatchObject({ code: 'NAME_KEY_MISMATCH', message: 'the name carol is reserved for another key' });
    expect(alice.name).toBe('alicia');
    expect(alice.registration).toBe('registered');
  });

  it('a message to an offline reserved name is stored, then delivered by receipt when its recipient comes back', async () => {
    const relay = await testRelay();
    cleanup.push(() => relay.stop());
    const bobDir = tempDir();
    const bob = await keyed(relay, 'bob', bobDir);
    await bob.close();
    const alice = await keyed(relay, 'alice', tempDir());
    const states: DeliveryState[] = [];
    const receipts: string[] = [];
    alice.on('delivery', (_m, d) => states.push(d));
    alice.on('receipt', (id, by) => receipts.push(`${id} ${by}`));
    const m = alice.send('bob', 'while you were away');
    await until(() => states.some((s) => s.state === 'stored'), 'stored');
    expect(states.at(-1)).toEqual({ state: 'stored', to: 'bob' });
    expect(alice.pending).toBe(0); // nothing left to retransmit: the relay holds it
    await keyed(relay, 'bob', bobDir);
    await until(() => receipts.length > 0, 'the receipt');
    expect(receipts).toEqual([`${m.id} bob`]);
  });
});

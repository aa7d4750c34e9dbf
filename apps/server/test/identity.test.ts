/**
 * Identity keys and reserved names at the relay (PROTOCOL.md §6.5), over real
 * UDP sockets with raw protocol peers: trust on first use, a replayed
 * signature refused, another key refused, keyless registration of a reserved
 * name refused, take-over by the same key (old address: SESSION_REPLACED +
 * bye; new one welcomed), renames with a challenge.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawPublicKey, signIdentify } from '@udpchat/protocol';
import { openRelayStore } from '../src/store/relayStore.js';
import { startRelay } from '../src/index.js';
import { peerOf, testRelay } from './helpers/relay.js';
import type { TestPeer } from './helpers/peer.js';
import { newKey, registerWithKey } from './helpers/identity.js';



describe('identity keys (PROTOCOL.md §6.5)', () => {
  it('binds a name to the first key that proves it, in the store file, and keeps it across a relay restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'udpchat-identity-'));
    try {
      const file = join(dir, 'relay.db');
      const key = newKey();
      const first = await startRelay({ host: '127.0.0.1', port: 0, storeFile: file });
      const alice = await peerOf(first);
      await registerWithKey(alice, 'Alice', key);
      expect(first.contacts().map((c) => c.name)).toEqual(['Alice']);
      await first.stop();
      const store = openRelayStore(file);
      expect(store.bindings().map((b) => [b.name, b.key, Buffer.from(b.publicKey).toString('hex')])).toEqual([
        ['Alice', 'alice', Buffer.from(rawPublicKey(key)).toString('hex')],
      ]);
      store.close();
      const second = await startRelay({ host: '127.0.0.1', port: 0, storeFile: file });
      try {
        const thief = await peerOf(second);
        await thief.hello('alice');
        thief.token = (await thief.next('welcome')).token;
        await thief.send({ kind: 'list', epoch: 0, version: 0 });
        expect((await thief.next('error')).message).toBe('the name alice is reserved for another key');
        const back = await peerOf(second);
        expect((await registerWithKey(back, 'alice', key)).welcome.name).toBe('alice');
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses another key ("the name bob is reserved for another key") and a keyless registration of a reserved name', async () => {
    const relay = await testRelay();
    const bob = await peerOf(relay);
    await registerWithKey(bob, 'bob', newKey());
    await bob.send({ kind: 'bye', reason: '' });
    // another key
    const thief = await peerOf(relay);
    await thief.hello('bob');
    const welcome = await thief.next('welcome');
    thief.token = welcome.token;
    const other = newKey();
    await thief.send({ kind: 'identify', name: 'bob', publicKey: rawPublicKey(other), signature: signIdentify(other, welcome.token, 'bob') });
    const refused = await thief.next('error');
    expect(refused.code).toBe('NAME_KEY_MISMATCH');
    expect(refused.message).toBe('the name bob is reserved for another key');
    // no key at all (an --ephemeral client): list completes nothing
    const keyless = await peerOf(relay);
    await keyless.hello('BOB');
    keyless.token = (await keyless.next('welcome')).token;
    await keyless.send({ kind: 'list', epoch: 0, version: 0 });
    expect((await keyless.next('error')).code).toBe('NAME_KEY_MISMATCH');
    expect(relay.contacts()).toEqual([]);
    // an unreserved name still works without a key
    const eve = await peerOf(relay);
    expect((await eve.register('eve')).welcome.name).toBe('eve');
  });

  it('a replayed identify (signed over an earlier registration\'s token) is refused: BAD_SIGNATURE', async () => {
    const relay = await testRelay();
    const key = newKey();
    const alice = await peerOf(relay);
    const { welcome } = await registerWithKey(alice, 'alice', key);
    const captured = { kind: 'identify' as const, name: 'alice', publicKey: rawPublicKey(key), signature: signIdentify(key, welcome.token, 'alice') };
    await alice.send({ kind: 'bye', reason: '' });
    const attacker = await peerOf(relay);
    await attacker.hello('alice');
    attacker.token = (await attacker.next('welcome')).token;
    await attacker.send(captured);
    expect((await attacker.next('error')).code).toBe('BAD_SIGNATURE');
    expect(relay.contacts()).toEqual([]);
  });

  it('the same key takes over a name still registered: the old address gets SESSION_REPLACED and bye, the new one is welcomed; others see leave then join', async () => {
    const relay = await testRelay();
    const key = newKey();
    const old = await peerOf(relay);
    await registerWithKey(old, 'bob', key);
    const carol = await peerOf(relay);
    await carol.register('carol');
    const fresh = await peerOf(relay); // the restarted client: a new address, no token
    const { welcome, contacts } = await registerWithKey(fresh, 'bob', key);
    expect(welcome.name).toBe('bob');
    expect(contacts.map((c) => c.name)).toEqual(['carol']);
    expect((await old.next('error')).code).toBe('SESSION_REPLACED');
    expect((await old.next('bye')).reason).toContain('replaced');
    expect((await carol.next('leave')).name).toBe('bob');
    expect((await carol.next('join')).name).toBe('bob');
    expect(relay.contacts().map((c) => [c.name, c.port])).toEqual([
      ['carol', carol.port],
      ['bob', fresh.port],
    ]);
    // a keyless hello for the taken reserved name is still refused
    const keyless = await peerOf(relay);
    await keyless.hello('bob');
    keyless.token = (await keyless.next('welcome')).token;
    await keyless.send({ kind: 'list', epoch: 0, version: 0 });
    expect((await keyless.next('error')).code).toBe('NAME_KEY_MISMATCH');
  });

  it('a keyed contact renames with a challenge signed by the new name\'s key; a keyless one cannot take a reserved name', async () => {
    const relay = await testRelay();
    const aliceKey = newKey();
    const alice = await peerOf(relay);
    await registerWithKey(alice, 'alice', aliceKey);
    const watcher = await peerOf(relay);
    await watcher.register('watcher');
    await alice.hello('alicia');
    const challenge = await alice.next('challenge');
    expect(challenge.name).toBe('alicia');
    expect(challenge.challenge).toHaveLength(16);
    const aliciaKey = newKey();
    // signed over the session token instead of the challenge: refused, and the challenge is used up
    await alice.send({ kind: 'identify', name: 'alicia', publicKey: rawPublicKey(aliciaKey), signature: signIdentify(aliciaKey, alice.token!, 'alicia') });
    expect((await alice.next('error')).code).toBe('BAD_SIGNATURE');
    await alice.hello('alicia');
    const again = await alice.next('challenge');
    expect(Buffer.from(again.challenge).equals(Buffer.from(challenge.challenge))).toBe(false);
    await alice.send({ kind: 'identify', name: 'alicia', publicKey: rawPublicKey(aliciaKey), signature: signIdentify(aliciaKey, again.challenge, 'alicia') });
    expect((await alice.next('welcome')).name).toBe('alicia');
    expect(await watcher.next('rename')).toMatchObject({ kind: 'rename', from: 'alice', name: 'alicia' });
    // alicia is now reserved for aliciaKey: a keyless contact cannot rename to it
    await alice.send({ kind: 'bye', reason: '' });
    await watcher.hello('Alicia');
    expect((await watcher.next('error')).code).toBe('NAME_KEY_MISMATCH');
    expect(relay.contacts().map((c) => c.name)).toEqual(['watcher']);
  });
});

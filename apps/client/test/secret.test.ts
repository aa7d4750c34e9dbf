/**
 * The client's side of issue 5: the shared secret (right, wrong, missing, not
 * wanted), signed datagrams from the relay only, and datagrams from anyone but
 * the relay dropped and counted. Real relays and real UDP sockets on 127.0.0.1.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthKey, encode, ERROR_CODES, type AuthKey, type ErrorMessage, type Message } from '@udpchat/protocol';
import { startRelay } from '@udpchat/server';
import { ChatSession } from '../src/net/session.js';
import { Transport } from '../src/net/transport.js';
import { inbox } from './helpers/chat.js';
import { runInProcess, stopInProcess } from './helpers/inProcess.js';
import { CLIENT_BIN, killAll, startProgram } from './helpers/processes.js';
import { exitCode, until } from './helpers/wait.js';

const SECRET = createAuthKey('correct horse battery staple');
const OTHER = createAuthKey('incorrect horse battery staple');

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  await stopInProcess();
  killAll();
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function relayWith(secret: AuthKey | undefined) {
  const relay = await startRelay({ host: '127.0.0.1', port: 0, ...(secret ? { secret } : {}) });
  cleanups.push(() => relay.stop());
  return relay;
}

async function session(port: number, name: string, secret: AuthKey | null) {
  const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: false, secret });
  cleanups.push(() => s.close());
  const errors: ErrorMessage[] = [];
  s.on('relay-error', (e) => errors.push(e));
  s.start();
  return { s, errors };
}

describe('shared secret, client side', () => {
  it('clients with the secret register and chat; every datagram they get is signed', async () => {
    const relay = await relayWith(SECRET);
    const alice = await session(relay.address.port, 'alice', SECRET);
    const bob = await session(relay.address.port, 'bob', SECRET);
    await until(() => alice.s.registration === 'registered' && bob.s.registration === 'registered', 'both to register');
    await until(() => alice.s.contacts().some((c) => c.name === 'bob'), 'alice to see bob');
    const got = inbox(bob.s);
    alice.s.send('bob', '暗号 ok');
    await until(() => got.length === 1, 'the message at bob');
    expect(got[0]).toEqual({ from: 'alice', to: 'bob', text: '暗号 ok' });
    await until(() => alice.s.pending === 0, 'the message to be acknowledged');
    expect(alice.s.counters.dropped).toBe(0);
    expect(alice.errors).toEqual([]);
  });

  it('a client without the secret is told "this relay requires the shared secret", once, and does not register', async () => {
    const relay = await relayWith(SECRET);
    const eve = await session(relay.address.port, 'eve', null);
    await until(() => eve.errors.length > 0, 'the refusal');
    expect(eve.errors[0]?.code).toBe(ERROR_CODES.SECRET_REQUIRED);
    expect(eve.errors[0]?.message).toContain('this relay requires the shared secret');
    expect(eve.errors[0]?.message).toContain('UDPCHAT_SECRET');
    // It keeps trying (the relay may be restarted) without repeating the message.
    const sent = eve.s.counters.datagramsOut;
    await until(() => eve.s.counters.datagramsOut >= sent + 2, 'two more hellos', 5000);
    expect(eve.errors).toHaveLength(1);
    expect(eve.s.registration).toBe('registering');
    expect(relay.contactCount).toBe(0);
  });

  it('a client with a wrong secret is told its secret does not match', async () => {
    const relay = await relayWith(SECRET);
    const mallory = await session(relay.address.port, 'mallory', OTHER);
    await until(() => mallory.errors.length > 0, 'the refusal');
    expect(mallory.errors[0]?.code).toBe(ERROR_CODES.SECRET_REQUIRED);
    expect(mallory.errors[0]?.message).toBe('this relay requires the shared secret, and yours does not match it');
    expect(mallory.s.registration).toBe('registering');
    expect(relay.contactCount).toBe(0);
  });

  it('a client with a secret at a relay without one is told to drop it', async () => {
    const relay = await relayWith(undefined);
    const alice = await session(relay.address.port, 'alice', SECRET);
    await until(() => alice.errors.length > 0, 'the refusal');
    expect(alice.errors[0]?.code).toBe(ERROR_CODES.NO_SECRET);
    expect(alice.errors[0]?.message).toContain('does not use a shared secret');
  });
});

describe('Transport: what it accepts', () => {
  /** A stand-in relay: a raw socket the transport talks to. */
  async function fakeRelay(secret: AuthKey | null) {
    const socket: Socket = createSocket('udp4');
    cleanups.push(() => socket.close());
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const relay = { address: '127.0.0.1', port: socket.address().port };
    const transport = await Transport.open(relay, { secret });
    cleanups.push(() => transport.close());
    const kinds: string[] = [];
    const drops: string[] = [];
    transport.on('message', (m) => kinds.push(m.kind));
    transport.on('drop', (reason) => drops.push(reason));
    const to = transport.local.port;
    const sendFrom = (from: Socket, bytes: Uint8Array) =>
      new Promise<void>((resolve) => from.send(bytes, to, '127.0.0.1', () => resolve()));
    return { socket, transport, kinds, drops, send: (bytes: Uint8Array) => sendFrom(socket, bytes), sendFrom };
  }
  const bye: Message = { kind: 'bye', reason: 'x' };

  it('drops datagrams from any address but the relay, and counts them', async () => {
    const relay = await fakeRelay(null);
    const stranger = createSocket('udp4');
    cleanups.push(() => stranger.close());
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
    await relay.sendFrom(stranger, encode(bye));
    await relay.send(encode(bye));
    await until(() => relay.kinds.length === 1 && relay.drops.length === 1, 'one message and one drop');
    expect(relay.drops).toEqual(['NOT_FROM_RELAY']);
    expect(relay.transport.counters.dropped).toBe(1);
  });

  it('with a secret: unsigned, wrongly signed, stale and replayed datagrams are dropped; signed ones pass', async () => {
    const relay = await fakeRelay(SECRET);
    const signed = encode(bye, { auth: SECRET });
    await relay.send(encode(bye)); // unsigned
    await relay.send(encode(bye, { auth: OTHER })); // wrong key
    await relay.send(encode(bye, { auth: SECRET, time: Date.now() - 31_000 })); // stale
    await relay.send(signed);
    await relay.send(signed); // replayed
    await until(() => relay.drops.length === 4 && relay.kinds.length === 1, 'four drops and one message');
    expect(relay.drops.sort()).toEqual(['REPLAY', 'STALE', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(relay.kinds).toEqual(['bye']);
  });

  it('with a secret: the unsigned SECRET_REQUIRED and NO_SECRET errors pass, other unsigned errors do not', async () => {
    const relay = await fakeRelay(SECRET);
    const error = (code: string): Message => ({ kind: 'error', code, message: '', ref: '' });
    await relay.send(encode(error(ERROR_CODES.NAME_TAKEN)));
    await relay.send(encode(error(ERROR_CODES.SECRET_REQUIRED)));
    await relay.send(encode(error(ERROR_CODES.NO_SECRET)));
    await until(() => relay.kinds.length === 2 && relay.drops.length === 1, 'two errors and one drop');
    expect(relay.drops).toEqual(['UNAUTHENTICATED']);
  });

  it('puts the session token in the header of a datagram given one (FLAG_TOKEN), and none otherwise', async () => {
    const relay = await fakeRelay(null);
    const got: Buffer[] = [];
    relay.socket.on('message', (b) => got.push(b));
    const token = new Uint8Array(16).fill(7);
    relay.transport.send({ kind: 'heartbeat', seq: 1 }, undefined);
    relay.transport.send({ kind: 'heartbeat', seq: 2 }, token);
    relay.transport.send({ kind: 'hello', name: 'alice' }, undefined);
    await until(() => got.length === 3, 'three datagrams');
    expect(got.map((b) => b[4])).toEqual([0x00, 0x01, 0x00]);
    expect([...(got[1] ?? Buffer.alloc(0)).subarray(5, 21)]).toEqual([...token]);
  });
});

describe('--secret-file and UDPCHAT_SECRET, in the client program', () => {
  // As a real program: its exit code (no SQLite, no network: a cheap start).
  it('a missing secret file or a short secret exits 2 with a one-line reason and the usage', async () => {
    const missing = startProgram(CLIENT_BIN, ['--name', 'a', '--no-host', '--plain', '--secret-file', '/nonexistent/secret']);
    expect(await exitCode(missing.child)).toBe(2);
    expect(missing.err.lines[0]).toMatch(/^udpchat: .*\/nonexistent\/secret/);
    expect(missing.err.lines[1]).toMatch(/^usage: /);
    const short = startProgram(CLIENT_BIN, ['--name', 'a', '--no-host', '--plain'], { UDPCHAT_SECRET: 'short' });
    expect(await exitCode(short.child)).toBe(2);
    expect(short.err.lines[0]).toMatch(/^udpchat: .*at least 8/);
  });

  // The program's code in this process (helpers/inProcess.ts): its flags and environment, line mode, real UDP.
  it('a line-mode client with the secret file chats through a relay that requires it; one without says why', async () => {
    const relay = await relayWith(SECRET);
    const dir = mkdtempSync(join(tmpdir(), 'udpchat-secret-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 'correct horse battery staple\n');
    const server = `127.0.0.1:${relay.address.port}`;
    const bob = runInProcess(['--server', server, '--name', 'bob', '--no-host', '--json', '--secret-file', file]);
    await bob.out.waitFor(/"event":"registered"/);
    const alice = runInProcess(['--server', server, '--name', 'alice', '--no-host', '--json'], {
      UDPCHAT_SECRET: 'correct horse battery staple',
    });
    await alice.out.waitFor(/"event":"registered"/);
    alice.stdin.write('/to bob\nsigned hello\n');
    await bob.out.waitFor(/"text":"signed hello"/);
    const eve = runInProcess(['--server', server, '--name', 'eve', '--no-host', '--json']);
    const refusal = JSON.parse(await eve.out.waitFor(/"event":"error"/)) as Record<string, unknown>;
    expect(refusal).toMatchObject({ code: 'SECRET_REQUIRED' });
    expect(String(refusal.message)).toContain('this relay requires the shared secret');
  });
});

/**
 * Which relay is it (issue 10 item 6): `welcome.hostedByClient`, and the
 * probe `udpchat-relay` uses to say who holds a port it cannot bind — over
 * real sockets, against real relays and a silent program.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createAuthKey, ERROR_CODES } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { startRelay } from '../src/index.js';
import { describePortInUse, probeAddress, probePort } from '../src/io/probe.js';
import { runRelay } from './helpers/process.js';
import { peerOf, testRelay } from './helpers/relay.js';
import { closeSocket } from './helpers/socket.js';
import { until } from './helpers/wait.js';

const SECRET = createAuthKey('probe test secret');

/** A UDP socket on 127.0.0.1 that receives and never answers: "another program". */
async function silentProgram(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

describe('welcome.hostedByClient', () => {
  it('is false by default and true for a relay started with hostedByClient', async () => {
    const headless = await testRelay();
    const hosted = await testRelay({ hostedByClient: true });
    expect(headless.hostedByClient).toBe(false);
    expect(hosted.hostedByClient).toBe(true);
    expect((await (await peerOf(headless)).register('alice')).welcome.hostedByClient).toBe(false);
    expect((await (await peerOf(hosted)).register('alice')).welcome.hostedByClient).toBe(true);
  });

  it('fits the anti-amplification budget: the longest signed welcome answers a padded hello', async () => {
    const relay = await testRelay({ hostedByClient: true, secret: SECRET });
    const peer = await peerOf(relay, { secret: SECRET });
    const name = '𝒜'.repeat(32); // 128 bytes, the longest name
    await peer.hello(name);
    expect(await peer.next('welcome')).toMatchObject({ name, hostedByClient: true });
    expect(relay.stats().notSent).toEqual({});
  });

  it('refuses a hostedByClient that is not a boolean', async () => {
    await expect(startRelay({ port: 0, hostedByClient: 1 as unknown as boolean })).rejects.toThrow(/hostedByClient/);
  });
});

describe('probePort', () => {
  it('finds a client-hosted relay and cancels its own registration (nothing lingers)', async () => {
    const relay = await testRelay({ hostedByClient: true });
    expect(await probePort('127.0.0.1', relay.address.port)).toEqual({ kind: 'relay', hostedByClient: true });
    await until(() => relay.stats().pending === 0 && relay.stats().accepted === 2, 'the probe hello and bye handled');
    expect(relay.contactCount).toBe(0);
    expect(relay.stats().ignored).toEqual({});
  });

  it('finds a headless relay, probing loopback for a wildcard host', async () => {
    const relay = await testRelay();
    expect(probeAddress('0.0.0.0')).toBe('127.0.0.1');
    expect(await probePort('0.0.0.0', relay.address.port)).toEqual({ kind: 'relay', hostedByClient: false });
    await until(() => relay.stats().pending === 0, 'the probe registration cancelled');
  });

  it('signs with the secret; without it a secret relay answers SECRET_REQUIRED; a relay without one is asked again unsigned', async () => {
    const secretRelay = await testRelay({ secret: SECRET, hostedByClient: true });
    expect(await probePort('127.0.0.1', secretRelay.address.port, { secret: SECRET })).toEqual({ kind: 'relay', hostedByClient: true });
    await until(() => secretRelay.stats().pending === 0, 'the signed probe cancelled');
    expect(await probePort('127.0.0.1', secretRelay.address.port)).toEqual({ kind: 'relay-refused', code: ERROR_CODES.SECRET_REQUIRED });
    const open = await testRelay();
    expect(await probePort('127.0.0.1', open.address.port, { secret: SECRET })).toEqual({ kind: 'relay', hostedByClient: false });
    await until(() => open.stats().pending === 0, 'the unsigned probe cancelled');
  });

  it('says "other" when nothing answers within the timeout', async () => {
    const socket = await silentProgram();
    try {
      const started = Date.now();
      expect(await probePort('127.0.0.1', socket.address().port, { timeoutMs: 300 })).toEqual({ kind: 'other' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await closeSocket(socket);
    }
  });

  it('describes each holder in one line', () => {
    expect(describePortInUse(18510, { kind: 'relay', hostedByClient: true })).toBe(
      'port 18510 is in use by a udpchat client that hosts the relay (quit it, or start clients with --no-host)',
    );
    expect(describePortInUse(18510, { kind: 'relay', hostedByClient: false })).toBe('port 18510 is in use by another udpchat relay');
    expect(describePortInUse(18510, { kind: 'relay-refused', code: 'SECRET_REQUIRED' })).toBe(
      'port 18510 is in use by a udpchat relay or a client hosting one (it answered SECRET_REQUIRED)',
    );
    expect(describePortInUse(18510, { kind: 'other' })).toBe('port 18510 is in use by another program');
  });
});

describe('udpchat-relay on a port in use', () => {
  it('names a client that hosts the relay, and exits 1', async () => {
    const hosted = await testRelay({ hostedByClient: true });
    const { port } = hosted.address;
    const second = await runRelay(['--port', String(port)]);
    expect(second.code).toBe(1);
    expect(second.stderr).toEqual([
      `udpchat-relay: port ${port} is in use by a udpchat client that hosts the relay (quit it, or start clients with --no-host)`,
    ]);
    // The probe left nothing behind on the hosted relay.
    await until(() => hosted.stats().pending === 0, 'the probe registration cancelled');
    expect(hosted.contactCount).toBe(0);
  });

  it('names another udpchat relay (a headless one, with the same secret)', async () => {
    // The holder in this process (the relay programs themselves are in cli.test.ts); the prober is the program.
    const headless = await testRelay({ secret: createAuthKey('relay-cli-secret') });
    const { port } = headless.address;
    const second = await runRelay(['--port', String(port)], { UDPCHAT_SECRET: 'relay-cli-secret' });
    expect(second.code).toBe(1);
    expect(second.stderr).toEqual([`udpchat-relay: port ${port} is in use by another udpchat relay`]);
    // Its probe was signed (unsigned, it would have been refused: 'it answered SECRET_REQUIRED'), and left nothing behind.
    await until(() => headless.stats().pending === 0, 'the probe registration cancelled');
    expect(headless.contactCount).toBe(0);
  });

  it('names another program when nothing answers', async () => {
    const socket = await silentProgram();
    try {
      const port = socket.address().port;
      const second = await runRelay(['--port', String(port)]);
      expect(second.code).toBe(1);
      expect(second.stderr).toEqual([`udpchat-relay: port ${port} is in use by another program`]);
    } finally {
      await closeSocket(socket);
    }
  });
});

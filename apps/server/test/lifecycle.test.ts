import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { RelayStartError, startRelay } from '../src/index.js';
import { TestPeer } from './helpers/peer.js';
import { captureLogger, peerOf, registered, testRelay } from './helpers/relay.js';
import { addsUp } from './helpers/stats.js';
import { until } from './helpers/wait.js';
import { freeUdpPort, whileInUse } from '../../../tools/test/ports.js';

describe('starting', () => {
  it('binds 127.0.0.1 on an ephemeral port and logs relay started', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ logger });
    expect(relay.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(relay.address.port).toBeGreaterThan(0);
    expect(lines.find((l) => l.msg === 'relay started')).toMatchObject({
      address: '127.0.0.1',
      port: relay.address.port,
      family: 'IPv4',
      sharedSecret: false,
      rateLimit: 200,
      maxContacts: 10_000,
      maxPerIp: 64,
    });
    expect(relay.stats()).toEqual({
      datagramsIn: 0,
      bytesIn: 0,
      datagramsOut: 0,
      bytesOut: 0,
      sendErrors: 0,
      accepted: 0,
      malformed: 0,
      empty: 0,
      unauthenticated: 0,
      rateLimited: 0,
      dropped: {},
      ignored: {},
      notSent: {},
      refused: {},
      contacts: 0,
      pending: 0,
    });
  });

  it('rejects with ADDRESS_IN_USE when another relay holds the port', async () => {
    const first = await testRelay();
    const port = first.address.port;
    const err: unknown = await startRelay({ host: '127.0.0.1', port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelayStartError);
    expect(err).toMatchObject({ code: 'ADDRESS_IN_USE', message: `port ${port} is in use`, port });
    // The first relay still works.
    const [alice] = await registered(first, 'alice');
    expect(alice).toBeDefined();
  });

  it('rejects with ADDRESS_IN_USE when any other socket holds the port', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const port = socket.address().port;
      await expect(startRelay({ port })).rejects.toMatchObject({ code: 'ADDRESS_IN_USE' });
    } finally {
      socket.close();
    }
  });

  it('rejects with ADDRESS_NOT_AVAILABLE for an address this machine does not have', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    await expect(startRelay({ host: '192.0.2.1', port: 0 })).rejects.toMatchObject({
      name: 'RelayStartError',
      code: 'ADDRESS_NOT_AVAILABLE',
      message: 'address 192.0.2.1 is not available on this machine',
    });
  });

  it('rejects out-of-range options with a RangeError', async () => {
    await expect(startRelay({ port: 70000 })).rejects.toThrow(RangeError);
    await expect(startRelay({ port: 0, presenceTimeoutMs: 0 })).rejects.toThrow(/presenceTimeoutMs/);
    await expect(startRelay({ port: 0, heartbeatIntervalMs: 1.5 })).rejects.toThrow(/heartbeatIntervalMs/);
    await expect(startRelay({ port: 0, rateLimit: -1 })).rejects.toThrow(/rateLimit/);
    await expect(startRelay({ port: 0, maxContacts: 0 })).rejects.toThrow(/maxContacts/);
    await expect(startRelay({ port: 0, maxPerIp: 1.5 })).rejects.toThrow(/maxPerIp/);
    await expect(startRelay({ port: 0, statsIntervalMs: -5 })).rejects.toThrow(/statsIntervalMs/);
    await expect(startRelay({ port: 0, secret: { key: 'hunter22' } as never })).rejects.toThrow(/secret must be an AuthKey/);
  });

  it('serves IPv6 when the host is an IPv6 address (or says clearly that ::1 is not available)', async () => {
    const probe = createSocket('udp6');
    const v6 = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.bind(0, '::1', () => resolve(true));
    });
    probe.close();
    if (!v6) {
      // A machine without IPv6 loopback: the relay must refuse with a stable code, not crash.
      await expect(startRelay({ host: '::1', port: 0 })).rejects.toMatchObject({ code: 'ADDRESS_NOT_AVAILABLE' });
      return;
    }
    const relay = await testRelay({ host: '::1' });
    expect(relay.address).toMatchObject({ address: '::1', family: 'IPv6' });
    const peer = await TestPeer.open(relay.address);
    try {
      const { welcome } = await peer.register('v6');
      expect(welcome).toMatchObject({ address: '::1', port: peer.port });
    } finally {
      await peer.close();
    }
  });

  it('keeps serving when a join/leave callback throws', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({
      logger,
      onJoin: () => {
        throw new Error('observer bug');
      },
    });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    await alice!.send({ kind: 'chat', id: 'x1', from: '', to: 'bob', epoch: 0, seq: 0, base: 0, time: 0, text: 'still fine' });
    expect(await bob!.next('chat')).toMatchObject({ text: 'still fine' });
    expect(lines.filter((l) => l.msg === 'onJoin callback threw')).toHaveLength(2);
  });
});

describe('the stats line', () => {
  it('is logged every statsIntervalMs and by logStats(), and its counters add up', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ logger, statsIntervalMs: 50 });
    const [alice] = await registered(relay, 'alice');
    await alice!.sendRaw(new Uint8Array(0));
    await until(() => lines.filter((l) => l.msg === 'relay stats' && l.datagramsIn === 3).length >= 2, 'two periodic stats lines', 5000);
    const direct = relay.logStats();
    const last = lines.filter((l) => l.msg === 'relay stats').at(-1);
    expect(last).toMatchObject({ level: 30, ...direct });
    // A 0-byte datagram (the client's /empty) is its own class, not malformed.
    expect(direct).toMatchObject({ contacts: 1, datagramsIn: 3, accepted: 2, malformed: 0, empty: 1, dropped: { 'empty-datagram': 1 } });
    expect(addsUp(direct)).toBe(true);
    // Never a token, in any form.
    expect(lines.some((l) => 'token' in l)).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(Buffer.from(alice!.token!).toString('hex'));
  });

  it('is not logged periodically with statsIntervalMs 0', async () => {
    const { logger, lines } = captureLogger();
    const relay = await testRelay({ logger, statsIntervalMs: 0 });
    await registered(relay, 'alice');
    expect(lines.some((l) => l.msg === 'relay stats')).toBe(false);
  });
});

describe('stopping', () => {
  it('says bye to every contact with the reason, closes, and is idempotent', async () => {
    const { logger, lines } = captureLogger();
    // A port below the ephemeral range: between the stop and the new bind below, no port-0 socket of another
    // test file can take it (seen in CI: EADDRINUSE on the ephemeral port the first relay had).
    const relay = await testRelay({ logger, port: await freeUdpPort() });
    const [alice, bob] = await registered(relay, 'alice', 'bob');
    const stopping = relay.stop('maintenance');
    expect(relay.stop()).toBe(stopping);
    await stopping;
    expect(await alice!.next('bye')).toEqual({ kind: 'bye', reason: 'maintenance' });
    expect(await bob!.next('bye')).toEqual({ kind: 'bye', reason: 'maintenance' });
    expect(lines.find((l) => l.msg === 'relay stopping')).toMatchObject({ reason: 'maintenance', contacts: 2 });
    expect(relay.contactCount).toBe(0);
    await relay.stop();
    // The port is free again: a new relay can take it.
    const again = await whileInUse(() => startRelay({ port: relay.address.port }));
    await again.stop();
    expect(lines.filter((l) => l.msg === 'relay stopping')).toHaveLength(1);
  });

  it('uses "relay shutting down" as the default reason', async () => {
    const relay = await testRelay();
    const peer = await peerOf(relay);
    await peer.register('solo');
    await relay.stop();
    expect(await peer.next('bye')).toEqual({ kind: 'bye', reason: 'relay shutting down' });
  });
});

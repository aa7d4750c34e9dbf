import { createSocket, type Socket } from 'node:dgram';
import { encode, type Message } from '@udpchat/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { Transport } from '../src/net/transport.js';
import { startLossyProxy, type LossyProxy, type LossyProxyOptions, type ProxyEndpoint } from './helpers/lossyProxy.js';
import { until } from './helpers/wait.js';

/** Datagrams sent before waiting for the proxy to catch up (keeps every kernel queue short). */
const BATCH = 100;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

/** A UDP socket on 127.0.0.1 that records the sequence numbers (4-byte big-endian) it receives. */
interface Endpoint {
  socket: Socket;
  port: number;
  /** Received: sequence number and the sender's port, in order of arrival. */
  got: Array<{ seq: number; fromPort: number }>;
}

async function endpoint(onMessage?: (bytes: Buffer, from: ProxyEndpoint) => void): Promise<Endpoint> {
  const socket = createSocket('udp4');
  const got: Endpoint['got'] = [];
  socket.on('message', (bytes, rinfo) => {
    got.push({ seq: bytes.readUInt32BE(0), fromPort: rinfo.port });
    onMessage?.(bytes, rinfo);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => socket.close(() => resolve())));
  return { socket, port: socket.address().port, got };
}

/** The stand-in relay: echoes every datagram back to its sender when `echo`. */
async function target(echo: boolean): Promise<Endpoint> {
  const self: { socket?: Socket } = {};
  const ep = await endpoint((bytes, from) => {
    if (echo) self.socket?.send(bytes, from.port, from.address);
  });
  self.socket = ep.socket;
  return ep;
}

async function proxyTo(relay: Endpoint, options: Omit<LossyProxyOptions, 'target'>): Promise<LossyProxy> {
  const proxy = await startLossyProxy({ target: { address: '127.0.0.1', port: relay.port }, ...options });
  cleanup.push(() => proxy.close());
  return proxy;
}

function send(from: Endpoint, to: ProxyEndpoint, seq: number): Promise<void> {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(seq);
  return new Promise((resolve, reject) => from.socket.send(bytes, to.port, to.address, (err) => (err ? reject(err) : resolve())));
}

/**
 * Sends `count` numbered datagrams from `client` through `proxy`, `BATCH` at a
 * time, and waits after each batch until everything has gone all the way
 * (target, and back to the client when `echo`), held-back datagrams included.
 */
async function pump(proxy: LossyProxy, client: Endpoint, relay: Endpoint, count: number, echo: boolean, first = 0): Promise<void> {
  // Other clients may have used the proxy before: count from here (one client at a time).
  const delivered = (s: { received: number; dropped: number; duplicated: number }): number => s.received - s.dropped + s.duplicated;
  const before = proxy.stats();
  const clientBefore = client.got.length;
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    for (let seq = start; seq < end; seq++) await send(client, proxy.address, first + seq);
    await until(() => {
      const { upstream: up, downstream: down } = proxy.stats();
      if (up.received - before.upstream.received < end || relay.got.length < delivered(up)) return false;
      if (!echo) return true;
      const toClient = delivered(down) - delivered(before.downstream);
      return down.received >= relay.got.length && client.got.length - clientBefore >= toClient;
    }, `batch ${start}..${end} to go through the proxy`);
  }
}

function seqsOf(list: Endpoint['got']): number[] {
  return list.map((g) => g.seq);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe('the lossy proxy', () => {
  it('with no faults forwards everything both ways, in order, one relay-side address per client', async () => {
    const relay = await target(true);
    const proxy = await proxyTo(relay, { seed: 5 });
    const alice = await endpoint();
    const bob = await endpoint();
    await pump(proxy, alice, relay, 200, true);
    await pump(proxy, bob, relay, 200, true, 1000);
    expect(seqsOf(alice.got)).toEqual(range(200));
    expect(seqsOf(bob.got)).toEqual(range(200).map((i) => i + 1000));
    expect(alice.got.every((g) => g.fromPort === proxy.address.port)).toBe(true);
    const relayPorts = [...new Set(relay.got.map((g) => g.fromPort))];
    expect(relayPorts).toHaveLength(2);
    expect(relayPorts).not.toContain(alice.port);
    expect(relayPorts).not.toContain(bob.port);
    expect(relay.got.filter((g) => g.fromPort === relayPorts[0]).map((g) => g.seq)).toEqual(range(200));
    expect(proxy.stats()).toEqual({
      upstream: { received: 400, dropped: 0, duplicated: 0, reordered: 0 },
      downstream: { received: 400, dropped: 0, duplicated: 0, reordered: 0 },
      clients: 2,
    });
  });

  /** One run of 2000 datagrams at loss 0.3: the sequence numbers dropped each way. */
  async function lossyRun(seed: number): Promise<{ up: number[]; down: number[]; relayGot: number }> {
    const relay = await target(true);
    const proxy = await proxyTo(relay, { loss: 0.3, seed });
    const client = await endpoint();
    await pump(proxy, client, relay, 2000, true);
    const atRelay = new Set(seqsOf(relay.got));
    const atClient = new Set(seqsOf(client.got));
    const stats = proxy.stats();
    expect(stats.upstream).toMatchObject({ received: 2000, dropped: 2000 - atRelay.size, duplicated: 0, reordered: 0 });
    expect(stats.downstream).toMatchObject({ received: atRelay.size, dropped: atRelay.size - atClient.size });
    await proxy.close();
    return {
      up: range(2000).filter((s) => !atRelay.has(s)),
      down: [...atRelay].filter((s) => !atClient.has(s)),
      relayGot: atRelay.size,
    };
  }

  it('with loss 0.3 drops about 30% each way, the same datagrams for the same seed', async () => {
    const first = await lossyRun(42);
    expect(first.up.length / 2000).toBeGreaterThanOrEqual(0.25);
    expect(first.up.length / 2000).toBeLessThanOrEqual(0.35);
    expect(first.down.length / first.relayGot).toBeGreaterThanOrEqual(0.25);
    expect(first.down.length / first.relayGot).toBeLessThanOrEqual(0.35);
    const again = await lossyRun(42);
    expect(again.up).toEqual(first.up);
    expect(again.down).toEqual(first.down);
    const other = await lossyRun(43);
    expect(other.up).not.toEqual(first.up);
  });

  it('duplicates and reorders, and loses nothing by doing so', async () => {
    const relay = await target(true);
    const proxy = await proxyTo(relay, { duplicate: 0.1, reorder: 0.1, seed: 7 });
    const client = await endpoint();
    await pump(proxy, client, relay, 1000, true);
    const { upstream, downstream } = proxy.stats();
    expect(upstream.duplicated).toBeGreaterThan(0);
    expect(upstream.reordered).toBeGreaterThan(0);
    expect(downstream.duplicated).toBeGreaterThan(0);
    expect(downstream.reordered).toBeGreaterThan(0);
    const atRelay = seqsOf(relay.got);
    expect(atRelay).toHaveLength(1000 + upstream.duplicated);
    expect(new Set(atRelay)).toEqual(new Set(range(1000)));
    // A datagram seen twice, and a pair seen in the wrong order.
    expect(atRelay.some((seq, i) => atRelay.indexOf(seq) !== i)).toBe(true);
    expect(atRelay.some((seq, i) => i > 0 && seq < (atRelay[i - 1] ?? 0) && !atRelay.slice(0, i).includes(seq))).toBe(true);
    const atClient = seqsOf(client.got);
    expect(atClient).toHaveLength(atRelay.length + downstream.duplicated);
    expect(new Set(atClient)).toEqual(new Set(range(1000)));
  });

  it('refuses bad rates', async () => {
    await expect(startLossyProxy({ target: { address: '127.0.0.1', port: 9 }, loss: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe('Transport with a simulated network (the receive path the proxy stands in for)', () => {
  async function relayAndTransport(simulate: Parameters<typeof Transport.open>[1]) {
    const relay = await endpoint();
    const transport = await Transport.open({ address: '127.0.0.1', port: relay.port }, simulate);
    cleanup.push(async () => transport.close());
    const messages: string[] = [];
    transport.on('message', (m) => messages.push(m.kind));
    const toTransport = (message: Message) =>
      new Promise<void>((resolve) => relay.socket.send(encode(message), transport.local.port, '127.0.0.1', () => resolve()));
    return { transport, messages, toTransport };
  }

  it('drops what it is told to: not counted, not delivered, counted by the simulator', async () => {
    const { transport, messages, toTransport } = await relayAndTransport({ simulate: { loss: 1, duplicate: 0, reorder: 0, seed: 2 } });
    expect(transport.simulation).toBe('simulating loss 100%, duplicate 0%, reorder 0% (seed 2)');
    await toTransport({ kind: 'bye', reason: 'one' });
    await until(() => transport.simulationStats()?.dropped === 1, 'the simulated drop');
    expect(messages).toEqual([]);
    expect(transport.counters.datagramsIn).toBe(0);
  });

  it('delivers duplicates twice, and nothing is simulated without rates', async () => {
    const dup = await relayAndTransport({ simulate: { loss: 0, duplicate: 1, reorder: 0, seed: 1 } });
    await dup.toTransport({ kind: 'bye', reason: 'two' });
    await until(() => dup.messages.length === 2, 'both copies');
    expect(dup.transport.counters.datagramsIn).toBe(2);
    expect(dup.transport.simulationStats()).toEqual({ received: 1, dropped: 0, duplicated: 1, reordered: 0 });
    const plain = await relayAndTransport({ simulate: { loss: 0, duplicate: 0, reorder: 0, seed: 1 } });
    expect(plain.transport.simulation).toBeNull();
    expect(plain.transport.simulationStats()).toBeNull();
    await plain.toTransport({ kind: 'bye', reason: 'one' });
    await until(() => plain.messages.length === 1, 'the datagram');
  });
});

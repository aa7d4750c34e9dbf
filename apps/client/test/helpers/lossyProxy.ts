/**
 * A lossy UDP proxy for tests: placed between clients and a relay, it drops,
 * duplicates and reorders datagrams in both directions (LossSimulator),
 * deterministically for a seed. Real UDP sockets on 127.0.0.1 only.
 *
 *   client ──> proxy front socket ──[upstream simulator]──> per-client socket ──> target
 *   client <── proxy front socket <─[downstream simulator]── per-client socket <── target
 *
 * Each client source address gets its own upstream socket, so the target
 * (the relay) sees one distinct address per client, as without the proxy.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { deriveSeed, LossSimulator, type SimulatorStats } from '@udpchat/net';

/** An IPv4 address and port. */
export interface ProxyEndpoint {
  address: string;
  port: number;
}

/** Options of `startLossyProxy`. Rates are 0 to 1, per direction; missing rates are 0. */
export interface LossyProxyOptions {
  /** Where to forward (the relay), on 127.0.0.1 / IPv4. */
  target: ProxyEndpoint;
  /** Share of datagrams dropped, each direction. */
  loss?: number;
  /** Share of datagrams delivered twice, each direction. */
  duplicate?: number;
  /** Share of datagrams held back until after the next one, each direction. */
  reorder?: number;
  /** Seed of the upstream (client -> target) simulator; the downstream one uses `deriveSeed(seed)`. Default 1. */
  seed?: number;
}

/** Counters of a proxy, per direction (see SimulatorStats), and the clients seen. */
export interface LossyProxyStats {
  /** Client -> target. */
  upstream: SimulatorStats;
  /** Target -> client. */
  downstream: SimulatorStats;
  /** Distinct client addresses seen (one upstream socket each). */
  clients: number;
}

/** A running proxy. */
export interface LossyProxy {
  /** Where clients send to: 127.0.0.1 and the proxy's port. */
  readonly address: ProxyEndpoint;
  /** A snapshot of the counters. */
  stats(): LossyProxyStats;
  /**
   * Cuts the link both ways (true: every datagram is dropped, a partition) or
   * restores it (false). Dropped datagrams are not counted in `stats`.
   */
  cut(cut: boolean): void;
  /** Closes every socket and discards held-back datagrams. Idempotent. */
  close(): Promise<void>;
}

/** 4 MiB socket buffers: a test's burst waits in the kernel instead of being dropped (capped by net.core.rmem_max). */
const BUFFER_BYTES = 4 * 1024 * 1024;

function udp4(): Socket {
  return createSocket({ type: 'udp4', recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Starts a proxy on 127.0.0.1, an ephemeral port, forwarding to `target`.
 * Datagrams reaching a per-client socket from anywhere but `target` are ignored.
 * @throws RangeError for a rate outside 0..1 or a bad seed.
 */
export async function startLossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  const rates = { loss: options.loss ?? 0, duplicate: options.duplicate ?? 0, reorder: options.reorder ?? 0 };
  const seed = options.seed ?? 1;
  const upstream = new LossSimulator({ ...rates, seed });
  const downstream = new LossSimulator({ ...rates, seed: deriveSeed(seed) });
  const target = options.target;

  const front = udp4();
  front.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });

  const toClient = downstream.wrap((bytes: Buffer, client: ProxyEndpoint) => {
    front.send(bytes, client.port, client.address, () => undefined);
  });

  /** Upstream socket per client, keyed `address:port`. */
  const perClient = new Map<string, Socket>();
  let closed = false;
  let partitioned = false;
  const upstreamFor = (client: ProxyEndpoint): Socket => {
    const key = `${client.address}:${client.port}`;
    let socket = perClient.get(key);
    if (!socket) {
      socket = udp4();
      socket.on('error', () => undefined);
      socket.on('message', (bytes: Buffer, rinfo: RemoteInfo) => {
        if (partitioned || rinfo.address !== target.address || rinfo.port !== target.port) return;
        toClient(bytes, client);
      });
      // Sends made before the bind completes are queued by node:dgram, in order.
      socket.bind(0, '127.0.0.1');
      perClient.set(key, socket);
    }
    return socket;
  };

  front.on(
    'message',
    upstream.wrap((bytes: Buffer, rinfo: RemoteInfo) => {
      if (closed || partitioned) return;
      upstreamFor({ address: rinfo.address, port: rinfo.port }).send(bytes, target.port, target.address, () => undefined);
    }),
  );

  let closing: Promise<void> | undefined;
  return {
    address: { address: '127.0.0.1', port: front.address().port },
    stats: () => ({ upstream: upstream.stats(), downstream: downstream.stats(), clients: perClient.size }),
    cut(cut: boolean) {
      partitioned = cut;
    },
    close() {
      closing ??= (async () => {
        closed = true;
        upstream.close();
        downstream.close();
        await Promise.all([front, ...perClient.values()].map(closeSocket));
      })();
      return closing;
    },
  };
}

/**
 * The `boundaries` demo: runs the three experiments one after the other on
 * the same writes and condenses their results into a report.
 */
import {
  DEFAULT_READ_SIZE,
  DEFAULT_UDP_TIMEOUT_MS,
  DEMO_WRITES,
  runTcpFramed,
  runTcpPlain,
  runUdp,
} from './experiments.js';
import { buildReport, type BoundariesReport } from './report.js';

/** Options of {@link runBoundaries}. */
export interface BoundariesOptions {
  /** What to send (default {@link DEMO_WRITES}: "hello", "world", "", 3,000 × "x"). */
  writes?: readonly Uint8Array[];
  /** TCP read size in bytes (default 1024). */
  readSize?: number;
  /** How long the UDP receiver waits for all datagrams, in ms (default 2000). */
  udpTimeoutMs?: number;
}

/**
 * Sends `writes` over plain TCP, UDP and length-prefixed TCP on 127.0.0.1
 * and reports what the receivers read.
 * @throws Error when a socket fails or a TCP exchange times out (UDP loss is reported, not thrown).
 */
export async function runBoundaries(options: BoundariesOptions = {}): Promise<BoundariesReport> {
  const writes = options.writes ?? DEMO_WRITES;
  const readSize = options.readSize ?? DEFAULT_READ_SIZE;
  const udpTimeoutMs = options.udpTimeoutMs ?? DEFAULT_UDP_TIMEOUT_MS;
  const tcp = await runTcpPlain(writes, { readSize });
  const udp = await runUdp(writes, { timeoutMs: udpTimeoutMs });
  const tcpFramed = await runTcpFramed(writes, { readSize });
  return buildReport({ writes, readSize, tcp, udp, udpTimeoutMs, tcpFramed });
}

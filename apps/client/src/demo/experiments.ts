/**
 * The three message-boundary experiments, on real loopback sockets
 * (127.0.0.1, ephemeral ports). Each sends the same writes and returns what
 * the receiver's reads delivered; nothing is printed here.
 *
 * The receiver is slow on purpose: it reads nothing until the sender has
 * finished, so everything sent is already waiting in the receiver's kernel
 * buffer — the situation in which the Python tutorials show 粘包.
 */
import * as dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { encodeFrame, FrameDecoder } from './lengthPrefix.js';

/** The address every experiment uses. */
export const LOOPBACK = '127.0.0.1';

/** Read size of the TCP receivers, in bytes: Python's `conn.recv(1024)`. */
export const DEFAULT_READ_SIZE = 1024;

/** How long the TCP experiments may take before giving up, in ms. */
export const DEFAULT_TCP_TIMEOUT_MS = 5_000;

/** How long the UDP receiver waits for all datagrams, in ms. */
export const DEFAULT_UDP_TIMEOUT_MS = 2_000;

const utf8 = new TextEncoder();

/** The demo's writes: "hello", "world", an empty one, and 3,000 × "x". */
export const DEMO_WRITES: readonly Uint8Array[] = Object.freeze([
  utf8.encode('hello'),
  utf8.encode('world'),
  new Uint8Array(0),
  utf8.encode('x'.repeat(3000)),
]);

/** What a receiver got: one entry per read (plain TCP, UDP) or per decoded message (framed TCP). */
export interface ExperimentResult {
  /** Copies of the bytes, in the order they were read. */
  reads: Uint8Array[];
}

/** The framed TCP receiver's result. */
export interface FramedResult extends ExperimentResult {
  /** Sizes in bytes of the raw stream reads the decoder was fed (each at most the read size). */
  streamReads: number[];
}

/** The UDP receiver's result. */
export interface UdpResult extends ExperimentResult {
  /** Number of datagrams sent. */
  expected: number;
  /** Whether the wait ended before all `expected` datagrams arrived (`reads` then holds those that did). */
  timedOut: boolean;
  /** Whether every send had completed when the first datagram was read (the receiver was the slow one). */
  allSentBeforeFirstRead: boolean;
}

/** Options of the TCP experiments. */
export interface TcpOptions {
  /** Bytes per read (default 1024); each read is one read(2) of at most this many bytes. */
  readSize?: number;
  /** Give up after this many ms (default 5000). */
  timeoutMs?: number;
}

/** Options of the UDP experiment. */
export interface UdpOptions {
  /** Wait at most this many ms for all datagrams (default 2000). */
  timeoutMs?: number;
}

/**
 * Plain TCP: the sender writes each entry of `writes` (Nagle off, so each
 * leaves at once) and closes; only then does the receiver start reading,
 * `readSize` bytes at a time.
 *
 * How the reads are made: the receiver connects with Node's `onread` option,
 * which hands libuv one `readSize`-byte buffer, so every read is a single
 * read(2) on the socket into that buffer — at most `readSize` bytes of
 * whatever the kernel holds, exactly like Python's `conn.recv(1024)`. The
 * socket is paused until the sender is done, so the bytes wait in the kernel.
 *
 * @returns one entry per read, until the end of the stream.
 * @throws Error on a socket error or after `timeoutMs`; RangeError for a bad `readSize`.
 */
export async function runTcpPlain(writes: readonly Uint8Array[], options: TcpOptions = {}): Promise<ExperimentResult> {
  const reads = await slowTcpExchange(writes, options);
  return { reads };
}

/**
 * TCP with a length prefix: the same exchange as {@link runTcpPlain}, but
 * each write goes out as one frame (4-byte big-endian uint32 length, then the
 * bytes) and the receiver feeds its reads to a {@link FrameDecoder}.
 * @returns the decoded messages, and the sizes of the raw reads.
 * @throws Error on a socket error, after `timeoutMs`, or when the stream does not decode (FrameError).
 */
export async function runTcpFramed(writes: readonly Uint8Array[], options: TcpOptions = {}): Promise<FramedResult> {
  const raw = await slowTcpExchange(
    writes.map((w) => encodeFrame(w)),
    options,
  );
  const decoder = new FrameDecoder();
  const reads = raw.flatMap((chunk) => decoder.push(chunk));
  decoder.end();
  return { reads, streamReads: raw.map((chunk) => chunk.length) };
}

/**
 * UDP: each entry of `writes` is sent as one datagram (an empty entry is a
 * 0-byte datagram) from one socket to another; the receiver collects one read
 * per datagram until all have come or `timeoutMs` passes — UDP may lose
 * datagrams, and then the result says so (`timedOut`) with what did arrive.
 *
 * Node's dgram sockets cannot be paused: libuv takes each datagram from the
 * kernel with one recvmsg as soon as the event loop turns. All sends are
 * issued together before that, so in practice the receiver still reads after
 * the sender is done (`allSentBeforeFirstRead` records it) — and the order
 * would not change anything: the kernel queues datagrams, not bytes.
 *
 * @throws Error on a socket error (not on loss).
 */
export async function runUdp(writes: readonly Uint8Array[], options: UdpOptions = {}): Promise<UdpResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_UDP_TIMEOUT_MS;
  const failure = failureSignal();
  const receiver = dgram.createSocket('udp4');
  const sender = dgram.createSocket('udp4');
  receiver.on('error', failure.fail);
  sender.on('error', failure.fail);
  const reads: Uint8Array[] = [];
  let sendsDone = 0;
  let allSentBeforeFirstRead = false;
  let allArrived: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
  receiver.on('message', (message) => {
    if (reads.length === 0) allSentBeforeFirstRead = sendsDone === writes.length;
    reads.push(new Uint8Array(message));
    if (reads.length >= writes.length) allArrived();
  });
  if (writes.length === 0) allArrived();
  let timer: NodeJS.Timeout | undefined;
  try {
    receiver.bind(0, LOOPBACK);
    sender.bind(0, LOOPBACK);
    await failure.race(Promise.all([nextEvent(receiver, 'listening'), nextEvent(sender, 'listening')]));
    const { port } = receiver.address();
    // Issue every send before awaiting anything, so they all go out in one turn of the loop.
    const sends = writes.map(
      (payload) =>
        new Promise<void>((resolve, reject) => {
          sender.send(payload, port, LOOPBACK, (err) => {
            if (err) reject(err);
            else {
              sendsDone += 1;
              resolve();
            }
          });
        }),
    );
    await failure.race(Promise.all(sends));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const outcome = await failure.race(Promise.race([arrived.then(() => false), timedOut]));
    return { reads: [...reads], expected: writes.length, timedOut: outcome, allSentBeforeFirstRead };
  } finally {
    clearTimeout(timer);
    await Promise.all([closeDgram(receiver), closeDgram(sender)]);
  }
}

/**
 * The TCP exchange both TCP experiments use: a sender (the accepted side of
 * a listening server) writes `chunks` then closes; the receiver (the
 * connecting side, paused until then) reads with `readSize`-byte reads.
 * @returns the raw reads, as copies.
 */
async function slowTcpExchange(chunks: readonly Uint8Array[], options: TcpOptions): Promise<Uint8Array[]> {
  const readSize = options.readSize ?? DEFAULT_READ_SIZE;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TCP_TIMEOUT_MS;
  if (!Number.isInteger(readSize) || readSize < 1) {
    throw new RangeError(`read size must be a positive integer (got ${readSize})`);
  }
  const failure = failureSignal();
  const timer = setTimeout(
    () => failure.fail(new Error(`TCP exchange did not finish within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const reads: Uint8Array[] = [];
  const server = net.createServer();
  server.on('error', failure.fail);
  const accepted: net.Socket[] = [];
  server.on('connection', (socket) => {
    socket.on('error', failure.fail);
    accepted.push(socket);
  });
  let receiver: net.Socket | undefined;
  try {
    server.listen(0, LOOPBACK);
    await failure.race(nextEvent(server, 'listening'));
    const address = server.address() as net.AddressInfo;
    const connection = nextEvent(server, 'connection');
    receiver = net.connect({
      host: LOOPBACK,
      port: address.port,
      onread: {
        buffer: new Uint8Array(readSize),
        callback: (bytes, buffer) => {
          reads.push(new Uint8Array(buffer.subarray(0, bytes))); // a copy: the buffer is reused
          return true;
        },
      },
    });
    receiver.on('error', failure.fail);
    // Paused before it connects: Node starts no read at all until resume().
    receiver.pause();
    const ended = nextEvent(receiver, 'end');
    await failure.race(Promise.all([nextEvent(receiver, 'connect'), connection]));
    const sender = accepted[0];
    if (!sender) throw new Error('the TCP server accepted no connection');
    sender.setNoDelay(true);
    for (const chunk of chunks) {
      await failure.race(
        new Promise<void>((resolve, reject) => {
          sender.write(chunk, (err) => (err ? reject(err) : resolve()));
        }),
      );
    }
    sender.end();
    await failure.race(nextEvent(sender, 'finish'));
    receiver.resume();
    await failure.race(ended);
    return reads;
  } finally {
    clearTimeout(timer);
    receiver?.destroy();
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A promise that rejects when `fail` is called; `race` runs a step against it. */
function failureSignal(): { fail: (err: Error) => void; race: <T>(step: Promise<T>) => Promise<T> } {
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {}); // a failure after the last step is not an unhandled rejection
  return { fail: (err) => fail(err), race: (step) => Promise.race([step, failed]) };
}

/** Resolves at the next `event` (errors are reported through the 'error' listeners, not here). */
function nextEvent(emitter: EventEmitter, event: string): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

function closeDgram(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // not running (never bound, or already closed)
    }
  });
}

/**
 * The bare forwarder: the limit node:dgram sets, to compare the relay with.
 * One socket (4 MiB buffers, like the relay's); every datagram from end A is
 * sent as is to end B and every other datagram to A — no parsing, no checks,
 * no state: `socket.on('message', (m, r) => socket.send(m, port, host))`.
 *
 * With `--relay-ack` it also answers every datagram from A with one fixed,
 * pre-encoded `relay-ack` (after forwarding it, as the relay does): the
 * datagrams the relay sends for the protocol, without any of its work —
 * the ceiling node:dgram sets for the relay's traffic.
 *
 * Usage: node forwarder.js A_PORT B_PORT [--relay-ack] (both ends on 127.0.0.1).
 * Prints one JSON line {"port": N, "pid": N} once bound; exits on SIGTERM,
 * SIGINT, or when its stdin closes (the benchmark went away).
 */
import { createSocket } from 'node:dgram';
import { encode } from '@udpchat/protocol';

const HOST = '127.0.0.1';
const BUFFER_BYTES = 4 * 1024 * 1024;

const aPort = Number(process.argv[2]);
const bPort = Number(process.argv[3]);
const withRelayAck = process.argv[4] === '--relay-ack';
if (!Number.isInteger(aPort) || !Number.isInteger(bPort) || aPort <= 0 || bPort <= 0 || (process.argv.length > 4 && !withRelayAck)) {
  process.stderr.write('usage: forwarder A_PORT B_PORT [--relay-ack]\n');
  process.exit(2);
}
/** Sent as is every time (a send never changes its buffer). */
const relayAck = encode({ kind: 'relay-ack', id: 'bareforwarderrelayack', recipients: 1 });

const socket = createSocket({ type: 'udp4', recvBufferSize: BUFFER_BYTES, sendBufferSize: BUFFER_BYTES });
socket.on('error', (err) => {
  process.stderr.write(`forwarder: ${err.message}\n`);
});
if (withRelayAck) {
  socket.on('message', (m, r) => {
    if (r.port === aPort) {
      socket.send(m, bPort, HOST);
      socket.send(relayAck, aPort, HOST);
    } else socket.send(m, aPort, HOST);
  });
} else {
  socket.on('message', (m, r) => socket.send(m, r.port === aPort ? bPort : aPort, HOST));
}
socket.bind(0, HOST, () => {
  process.stdout.write(`${JSON.stringify({ port: socket.address().port, pid: process.pid })}\n`);
});

const quit = (): void => {
  try {
    socket.close();
  } catch {
    // already closed
  }
  process.exit(0);
};
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.stdin.on('end', quit);
process.stdin.on('error', quit);
process.stdin.resume();

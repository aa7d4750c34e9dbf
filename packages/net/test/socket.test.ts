import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { bindUdpSocket, closeUdpSocket, settleWithin } from '../src/index.js';

const open: Socket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => closeUdpSocket(s, 1000)));
});

async function bound(...args: Parameters<typeof bindUdpSocket>): Promise<Socket> {
  const socket = await bindUdpSocket(...args);
  open.push(socket);
  return socket;
}

/** Sends `text` from `from` to `to` and resolves with what `to` received. */
function roundTrip(from: Socket, to: Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    to.once('message', (bytes) => resolve(bytes.toString()));
    const { address, port } = to.address();
    from.send(text, port, address);
  });
}

describe('bindUdpSocket', () => {
  it('binds udp4 for an IPv4 host and udp6 for an IPv6 literal, on a free port for port 0', async () => {
    const v4 = await bound({ host: '127.0.0.1', port: 0 });
    expect(v4.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(v4.address().port).toBeGreaterThan(0);
    const v6 = await bound({ host: '::1', port: 0 });
    expect(v6.address()).toMatchObject({ address: '::1', family: 'IPv6' });
    const other = await bound({ host: '127.0.0.1', port: 0 });
    expect(await roundTrip(other, v4, 'hi')).toBe('hi');
  });

  it('without a host binds every interface of the given type', async () => {
    const any = await bound({ port: 0, type: 'udp4' });
    expect(any.address().address).toBe('0.0.0.0');
    const peer = await bound({ host: '127.0.0.1', port: 0 });
    const received = new Promise<string>((resolve) => any.once('message', (b) => resolve(b.toString())));
    peer.send('to any', any.address().port, '127.0.0.1');
    expect(await received).toBe('to any');
  });

  it('asks for the buffer sizes it is given (the kernel may cap or double them)', async () => {
    const small = await bound({ host: '127.0.0.1', port: 0, bufferBytes: 64 * 1024 });
    expect(small.getRecvBufferSize()).toBeGreaterThanOrEqual(64 * 1024);
    expect(small.getSendBufferSize()).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('rejects with the bind error (EADDRINUSE) for a port already bound: no address reuse', async () => {
    const first = await bound({ host: '127.0.0.1', port: 0 });
    const { port } = first.address();
    await expect(bindUdpSocket({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    // The first one still works.
    const peer = await bound({ host: '127.0.0.1', port: 0 });
    expect(await roundTrip(peer, first, 'still here')).toBe('still here');
  });

  it('hands later socket errors to onError instead of crashing', async () => {
    const errors: Error[] = [];
    const socket = await bound({ host: '127.0.0.1', port: 0, onError: (err) => errors.push(err) });
    socket.emit('error', new Error('late'));
    expect(errors.map((e) => e.message)).toEqual(['late']);
    // Without onError a late error is swallowed, not thrown.
    const quiet = await bound({ host: '127.0.0.1', port: 0 });
    expect(() => quiet.emit('error', new Error('ignored'))).not.toThrow();
  });
});

describe('closeUdpSocket', () => {
  it('closes the socket and resolves; a second close resolves too', async () => {
    const socket = await bindUdpSocket({ host: '127.0.0.1', port: 0 });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await closeUdpSocket(socket, 1000);
    await closed;
    expect(() => socket.address()).toThrow();
    await expect(closeUdpSocket(socket, 1000)).resolves.toBeUndefined();
  });
});

describe('settleWithin', () => {
  it('resolves when the promise settles, rejected or not, or when time is up', async () => {
    await expect(settleWithin(Promise.reject(new Error('no')), 1000)).resolves.toBeUndefined();
    await expect(settleWithin(Promise.resolve(1), 1000)).resolves.toBeUndefined();
    await expect(settleWithin(new Promise(() => undefined), 20)).resolves.toBeUndefined();
  });
});

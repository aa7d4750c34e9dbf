/**
 * The client core after NOT_REGISTERED (found by the simulation, apps/sim
 * seed 5): such an error may answer a datagram sent with the token before
 * the last re-registration and arrive after the new welcome. The hello that
 * follows carries the token, so a relay that still has the client registered
 * answers it (a hello without it would be dropped as forged, PROTOCOL.md
 * §6.1, stranding the client for the presence timeout).
 */
import { describe, expect, it } from 'vitest';
import type { WelcomeMessage } from '@udpchat/protocol';
import { ClientCore } from '../src/net/core/clientCore.js';

const token = new Uint8Array(16).fill(7);
const welcome: WelcomeMessage = { kind: 'welcome', name: 'dave', address: '127.0.0.1', port: 40003, heartbeatIntervalMs: 5000, presenceTimeoutMs: 15_000, token, hostedByClient: false };

describe('ClientCore after NOT_REGISTERED', () => {
  it('says hello again with its token, and a welcome with the same token makes it registered again', () => {
    const core = new ClientCore({ name: 'dave' });
    core.start(0);
    expect(core.take().transmits.map((t) => [t.message.kind, t.token])).toEqual([['hello', undefined]]);
    core.handle(welcome, 10);
    expect(core.registration).toBe('registered');
    core.take();
    core.handle({ kind: 'error', code: 'NOT_REGISTERED', message: '', ref: '' }, 20);
    const hello = core.take().transmits.find((t) => t.message.kind === 'hello');
    expect(hello?.token).toEqual(token);
    core.handle(welcome, 30);
    expect(core.registration).toBe('registered');
    expect(core.take().transmits.map((t) => [t.message.kind, t.token])).toEqual([['list', token]]);
  });
});

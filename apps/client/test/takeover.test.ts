/**
 * Which relays a client takes over (issue 10, item 6): one hosted by a
 * client, when it stops answering — never one started by `udpchat-relay`,
 * whose operator restarts it on its port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChatSession } from '../src/net/session.js';
import { freeUdpPort } from '../../../tools/test/ports.js';
import { CLIENT_BIN, killAll, RELAY_BIN, startProgram, type Program } from './helpers/processes.js';
import { until } from './helpers/wait.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
  killAll();
});

async function relayOn(port: number): Promise<Program> {
  const p = startProgram(RELAY_BIN, ['--port', String(port)]);
  await p.out.waitFor(/relay started/);
  return p;
}

async function session(port: number, name: string, rejoinGraceMs?: number): Promise<ChatSession> {
  // Heartbeats every second instead of the relay's 10 s: an idle client notices the outage in ~3.5 s, not ~12.5 s.
  const s = await ChatSession.open({ host: '127.0.0.1', port, name, autoHost: true, rejoinGraceMs, maxHeartbeatMs: 1000 });
  cleanups.push(() => s.close());
  s.start();
  await until(() => s.registration === 'registered', `${name} to register`, 20_000);
  return s;
}

describe('taking over the relay', () => {
  it('a headless relay killed with SIGKILL is not taken over: its restart binds the port and the client comes back', async () => {
    const port = await freeUdpPort();
    const relay = await relayOn(port);
    const alice = await session(port, 'alice'); // may host: autoHost is on
    expect(alice.hosting).toBe(false);
    const hosting: boolean[] = [];
    alice.on('hosting', (h) => hosting.push(h));
    relay.child.kill('SIGKILL');
    await until(() => alice.status === 'silent', 'alice to notice the outage', 20_000);
    // While silent the client probes every second and would try to take over every 2 s:
    // after 4 more probes it has had two chances. The port must still be free for the operator.
    const sent = alice.counters.datagramsOut;
    await until(() => alice.counters.datagramsOut >= sent + 4, '4 more probes of the silent relay', 20_000);
    const restarted = await relayOn(port);
    expect(restarted.child.exitCode).toBe(null);
    await until(() => alice.registration === 'registered' && alice.status === 'answering', 'alice to re-register', 20_000);
    expect(hosting).toEqual([]);
    expect(alice.hosting).toBe(false);
  }, 60_000);

  it('a relay hosted by a client that was killed (no bye) is taken over by a guest, who says so', async () => {
    const port = await freeUdpPort();
    const host = startProgram(CLIENT_BIN, ['--server', `127.0.0.1:${port}`, '--name', 'alice', '--json']);
    const registered = await host.out.waitFor(/"event":"registered"/);
    expect(JSON.parse(registered)).toMatchObject({ hosting: true });
    const bob = await session(port, 'bob', 3000); // a 3 s grace after re-registering instead of 15 s
    expect(bob.hosting).toBe(false);
    await until(() => bob.contacts().some((c) => c.name === 'alice'), 'bob to see alice'); // his contact list, not just his welcome
    const left: string[] = [];
    bob.on('leave', (name) => left.push(name));
    host.child.kill('SIGKILL');
    await until(() => bob.hosting, 'bob to take over hosting', 30_000);
    await until(() => bob.registration === 'registered' && bob.status === 'answering', 'bob to register with his own relay', 20_000);
    // alice never comes back: once the grace after re-registering is over she is reported as left.
    await until(() => left.includes('alice'), 'alice to be reported as left', 30_000);
  }, 90_000);
});

/**
 * `udpchat-relay --cluster URL`, the real program (dist/), beside relays in
 * this process and a real nats-server: the flags, NATS unreachable at start
 * (one line, exit 1), SIGKILL of a relay program noticed by the others,
 * SIGTERM handing its users over (`bye` "relay moving: …", exit 0), and a
 * restart of nats-server (the relays reconnect and resync).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/cli.js';
import { TestPeer } from './helpers/peer.js';
import { captureLogger, peerOf, registered } from './helpers/relay.js';
import { exitWithin, runRelay, spawnRelay, type RelayProcess } from './helpers/process.js';
import { clusterFormed, clusterRelay, freshPrefix, NATS_MISSING, natsServerPath, startNatsServer, type NatsServer } from './helpers/cluster.js';
import { freeTcpPort } from '../../../tools/test/natsServer.js';
import { until } from './helpers/wait.js';

const missing = natsServerPath() === undefined;
/** The built @udpchat/server (tests that spawn programs use dist/). */
const DIST_INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('--cluster and --relay-id', () => {
  it('are read and checked', () => {
    expect(parseCli(['--cluster', 'nats://127.0.0.1:4222'])).toMatchObject({ kind: 'run', cluster: { url: 'nats://127.0.0.1:4222', relayId: null } });
    expect(parseCli(['--cluster=nats://a:1,nats://b:2', '--relay-id', 'r-1:8081'])).toMatchObject({ cluster: { url: 'nats://a:1,nats://b:2', relayId: 'r-1:8081' } });
    expect(parseCli(['--relay-id', 'x'])).toEqual({ kind: 'error', message: '--relay-id needs --cluster' });
    expect(parseCli(['--cluster', 'http://x:1'])).toEqual({ kind: 'error', message: '--cluster must be nats://HOST:PORT (got "http://x:1")' });
    expect(parseCli(['--cluster', 'nats://x:1', '--relay-id', 'a.b'])).toEqual({
      kind: 'error',
      message: '--relay-id must be 1 to 64 letters, digits, "_", "-" or ":" (got "a.b")',
    });
  });

  it('are not loaded by a single relay: the NATS client is imported only in cluster mode', () => {
    // The built relay in a fresh node: CommonJS modules (the nats client is one) show in require.cache once loaded.
    const script = `
      import { createRequire } from 'node:module';
      const { startRelay } = await import(${JSON.stringify(DIST_INDEX)});
      const cache = createRequire(import.meta.url).cache;
      const nats = () => Object.keys(cache).some((k) => k.includes('/node_modules/nats/'));
      const relay = await startRelay({ port: 0 });
      const single = nats();
      await relay.stop();
      await startRelay({ port: 0, cluster: { url: 'nats://127.0.0.1:1' } }).catch(() => {});
      process.stdout.write(JSON.stringify({ single, cluster: nats() }));`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({ single: false, cluster: true });
  });

  it('says in one line that NATS is not reachable, and exits 1 (never printing the credentials in the URL)', async () => {
    const port = await freeTcpPort(); // nothing listens there
    const { code, stdout, stderr } = await runRelay(['--port', '0', '--cluster', `nats://relay:s3cret@127.0.0.1:${port}`]);
    expect(code).toBe(1);
    const lines = stderr.filter((l) => l.trim());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^udpchat-relay: cannot join the cluster: NATS at nats://127\\.0\\.0\\.1:${port} is not reachable`));
    expect(stderr.join('\n') + stdout.join('\n')).not.toContain('s3cret');
  });
});

describe.skipIf(missing)('relay programs in a cluster', () => {
  let nats: NatsServer;
  let running: RelayProcess[] = [];
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterEach(() => {
    for (const p of running) p.child.kill('SIGKILL');
    running = [];
  });
  afterAll(async () => {
    await nats?.stop();
  });

  /** `udpchat-relay --port 0 --cluster URL --relay-id ID` (the default prefix: this file's nats-server is its own). */
  async function program(id: string): Promise<{ p: RelayProcess; port: number }> {
    const p = spawnRelay(['--port', '0', '--cluster', nats.url, '--relay-id', id]);
    running.push(p);
    await p.stdout.waitFor((l) => l.includes('"cluster joined"'), 'cluster joined');
    const started = p.stdout.json().find((l) => l.msg === 'relay started');
    expect(started).toMatchObject({ relayId: id });
    return { p, port: started?.port as number };
  }

  it('notices a relay program killed with SIGKILL, keeps its users as moving; SIGTERM hands users over and exits 0', async () => {
    // In-process relays watching programs: their heartbeats come every 1 s (the product's), so down after 1.5 s here.
    const watch = { heartbeatMs: 100, downAfterMs: 1500, graceMs: 1500 };
    const r1 = await clusterRelay(nats.url, 'udpchat', 'watcher', {}, watch);
    const [killed, stopped] = await Promise.all([program('killed'), program('stopped')]);
    await until(() => r1.stats().cluster?.peersUp === 2, 'the watcher to see both programs', 8000);
    const [alice] = await registered(r1, 'alice');
    const bob = await TestPeer.open({ address: '127.0.0.1', port: killed.port });
    const carol = await TestPeer.open({ address: '127.0.0.1', port: stopped.port });
    try {
      await bob.register('bob');
      await carol.register('carol');
      await alice!.next('join', (m) => m.name === 'bob');
      await alice!.next('join', (m) => m.name === 'carol');
      killed.p.child.kill('SIGKILL');
      await until(() => r1.stats().cluster?.peersUp === 1 && r1.stats().cluster?.movingContacts === 1, 'the watcher to see the killed relay down', 6000);
      expect(alice!.pending('leave')).toHaveLength(0);
      expect((await alice!.next('leave', (m) => m.name === 'bob', 6000)).reason).toBe('timeout');
      stopped.p.child.kill('SIGTERM');
      expect((await carol.next('bye', undefined, 5000)).reason).toBe('relay moving: relay shutting down');
      expect(await exitWithin(stopped.p, 5000)).toBe(0);
      await until(() => r1.stats().cluster?.movingContacts === 1, 'carol moving');
      expect(stopped.p.stdout.json().map((l) => l.msg)).toEqual(expect.arrayContaining(['cluster joined', 'cluster left: the other relays take our users as moving', 'relay stopped']));
      const back = await peerOf(r1);
      await back.register('carol');
      await until(() => r1.stats().cluster?.movingContacts === 0, 'carol relocated');
      expect(alice!.pending('leave').filter((m) => m.name === 'carol')).toHaveLength(0);
    } finally {
      await bob.close();
      await carol.close();
    }
  });

  it('reconnects and resyncs after nats-server restarts', async () => {
    const prefix = freshPrefix();
    const { logger, lines } = captureLogger();
    const r1 = await clusterRelay(nats.url, prefix, 'a', { logger });
    const r2 = await clusterRelay(nats.url, prefix, 'b');
    await clusterFormed([r1, r2]);
    const [alice] = await registered(r1, 'alice');
    await registered(r2, 'bob');
    await alice!.next('join', (m) => m.name === 'bob');
    const { port, storeDir } = nats;
    await nats.stop({ keepStore: true });
    await until(() => r1.stats().cluster?.connected === false && r2.stats().cluster?.connected === false, 'both to see NATS gone');
    // While NATS is down each relay serves its own users: carol joins r2 unseen by r1.
    await registered(r2, 'carol');
    nats = await startNatsServer({ port, storeDir });
    await until(() => r1.stats().cluster?.connected === true && r2.stats().cluster?.connected === true, 'both to reconnect', 10_000);
    await alice!.next('join', (m) => m.name === 'carol', 5000); // resynced from r2's snapshot
    await until(() => r1.stats().cluster?.remoteContacts === 2 && r1.stats().cluster?.movingContacts === 0, 'r1 to have bob and carol');
    const said = lines.map((l) => l.msg);
    expect(said).toContain('NATS connection lost: serving local users, reconnecting');
    expect(said).toContain('NATS connection back: resyncing the cluster');
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});

if (missing) it.skip(NATS_MISSING, () => {});

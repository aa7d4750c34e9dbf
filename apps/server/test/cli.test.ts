import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthKey, ERROR_CODES } from '@udpchat/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../src/cli/cli.js';
import { mulberry32 } from '@udpchat/net';
import { TestPeer } from './helpers/peer.js';
import { RawPeer } from './helpers/raw.js';
import { resolveDataDir } from '@udpchat/store';
import { exitWithin, runRelay, spawnRelay, type RelayProcess } from './helpers/process.js';

const usageLines = USAGE.split('\n');
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('parseCli', () => {
  it('defaults to 127.0.0.1:8081 at level info', () => {
    expect(parseCli([])).toEqual({
      kind: 'run',
      host: '127.0.0.1',
      port: 8081,
      logLevel: 'info',
      plainPeers: true,
      simulate: null,
      secretFile: null,
      rateLimit: 200,
      maxContacts: 10_000,
      maxPerIp: 64,
      storeFile: join(resolveDataDir('state'), 'relay.db'),
      offlineLimits: { maxMessages: 1000, maxBytes: 1024 * 1024, maxAgeMs: 7 * 24 * 3600 * 1000 },
      presence: { heartbeatIntervalMs: 10_000, presenceTimeoutMs: 30_000 },
      cluster: null,
    });
  });

  it('reads every flag, in both spellings', () => {
    expect(
      parseCli([
        '--host',
        '::1',
        '--port=0',
        '--log-level',
        'debug',
        '--no-plain-peers',
        '--secret-file',
        '/etc/udpchat.secret',
        '--rate-limit=0',
        '--max-contacts',
        '5',
        '--max-per-ip',
        '0',
        '--data-dir',
        '/srv/udpchat',
        '--offline-max-messages=5',
        '--offline-max-bytes',
        '100',
        '--offline-max-days',
        '2',
        '--heartbeat-interval=1',
        '--presence-timeout',
        '3',
      ]),
    ).toEqual({
      kind: 'run',
      host: '::1',
      port: 0,
      logLevel: 'debug',
      plainPeers: false,
      simulate: null,
      secretFile: '/etc/udpchat.secret',
      rateLimit: 0,
      maxContacts: 5,
      maxPerIp: 0,
      storeFile: '/srv/udpchat/relay.db',
      offlineLimits: { maxMessages: 5, maxBytes: 100, maxAgeMs: 2 * 24 * 3600 * 1000 },
      presence: { heartbeatIntervalMs: 1000, presenceTimeoutMs: 3000 },
      cluster: null,
    });
    expect(parseCli(['--ephemeral'])).toMatchObject({ kind: 'run', storeFile: null });
    expect(parseCli(['--ephemeral', '--data-dir', '/x'])).toEqual({ kind: 'error', message: '--ephemeral and --data-dir exclude each other' });
    expect(parseCli(['--offline-max-messages', '0'])).toEqual({
      kind: 'error',
      message: '--offline-max-messages must be a whole number from 1 to 1000000 (got "0")',
    });
    expect(parseCli(['--presence-timeout', '0'])).toEqual({
      kind: 'error',
      message: '--presence-timeout must be a whole number of seconds from 1 to 86400 (got "0")',
    });
    expect(parseCli(['--heartbeat-interval', '1.5'])).toEqual({
      kind: 'error',
      message: '--heartbeat-interval must be a whole number of seconds from 1 to 86400 (got "1.5")',
    });
    expect(parseCli(['--presence-timeout', '10'])).toEqual({
      kind: 'error',
      message: '--presence-timeout (10 s) must be longer than the heartbeat interval (10 s; --heartbeat-interval)',
    });
    expect(parseCli(['-h'])).toEqual({ kind: 'help' });
    expect(parseCli(['--port', '1', '--version'])).toEqual({ kind: 'version' });
  });

  it('reads the --simulate-* flags and --seed (default seed 1; null when every rate is 0)', () => {
    expect(parseCli(['--port', '0', '--simulate-loss', '0.2'])).toMatchObject({
      kind: 'run',
      simulate: { loss: 0.2, duplicate: 0, reorder: 0, seed: 1 },
    });
    expect(parseCli(['--simulate-duplicate=1', '--simulate-reorder', '.05', '--seed', '42'])).toMatchObject({
      simulate: { loss: 0, duplicate: 1, reorder: 0.05, seed: 42 },
    });
    expect(parseCli(['--simulate-loss', '0', '--seed', '7'])).toMatchObject({ kind: 'run', simulate: null });
  });

  it.each([
    [['--simulate-loss', 'abc'], '--simulate-loss must be a number from 0 to 1 (got "abc")'],
    [['--simulate-loss', '2'], '--simulate-loss must be a number from 0 to 1 (got "2")'],
    [['--simulate-duplicate=-0.5'], '--simulate-duplicate must be a number from 0 to 1 (got "-0.5")'],
    [['--simulate-reorder', '50%'], '--simulate-reorder must be a number from 0 to 1 (got "50%")'],
    [['--simulate-loss', '0.1', '--seed', '1.5'], '--seed must be a whole number from 0 to 4294967295 (got "1.5")'],
    [['--seed', '4294967296', '--simulate-loss', '0.1'], '--seed must be a whole number from 0 to 4294967295 (got "4294967296")'],
    [['--simulate-loss'], '--simulate-loss needs a value'],
    [['--port', 'abc'], '--port must be a whole number from 0 to 65535 (got "abc")'],
    [['--port', '70000'], '--port must be a whole number from 0 to 65535 (got "70000")'],
    [['--port', '1.5'], '--port must be a whole number from 0 to 65535 (got "1.5")'],
    [['--port=-1'], '--port must be a whole number from 0 to 65535 (got "-1")'],
    [['--port', '-1'], '--port must be a whole number from 0 to 65535 (got "-1")'],
    [['--host', 'x', '--port', '-80', '--seed', '1'], '--port must be a whole number from 0 to 65535 (got "-80")'],
    [['--simulate-loss', '-0.5'], '--simulate-loss must be a number from 0 to 1 (got "-0.5")'],
    [['--seed', '-1', '--simulate-loss', '0.1'], '--seed must be a whole number from 0 to 4294967295 (got "-1")'],
    [['--host', '-x'], '--host needs a value (got "-x"; write --host=VALUE for a value starting with "-")'],
    [['--frob'], 'unknown flag --frob'],
    [['-x'], 'unknown flag -x'],
    [['--port'], '--port needs a value'],
    [['--host='], '--host needs a value'],
    [['--help=yes'], '--help takes no value'],
    [['--no-plain-peers=1'], '--no-plain-peers takes no value'],
    [['serve'], 'unexpected argument "serve"'],
    [['--log-level', 'loud'], '--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [['--rate-limit', 'fast'], '--rate-limit must be a whole number from 0 to 1000000 (got "fast")'],
    [['--rate-limit=-1'], '--rate-limit must be a whole number from 0 to 1000000 (got "-1")'],
    [['--rate-limit', '2000000'], '--rate-limit must be a whole number from 0 to 1000000 (got "2000000")'],
    [['--max-contacts', '0'], '--max-contacts must be a whole number from 1 to 1000000 (got "0")'],
    [['--max-contacts', '1e3'], '--max-contacts must be a whole number from 1 to 1000000 (got "1e3")'],
    [['--max-per-ip', '2.5'], '--max-per-ip must be a whole number from 0 to 1000000 (got "2.5")'],
    [['--secret-file'], '--secret-file needs a value'],
    [['--secret-file='], '--secret-file needs a value'],
    [['--simulate-loss', '0.5', '--seed', 'x'], '--seed must be a whole number from 0 to 4294967295 (got "x")'],
    [['--rate-limit', 'x'], '--rate-limit must be a whole number from 0 to 1000000 (got "x")'],
    [['--max-per-ip', '-3'], '--max-per-ip must be a whole number from 0 to 1000000 (got "-3")'],
  ])('refuses %j: %s', (argv, message) => {
    expect(parseCli(argv)).toEqual({ kind: 'error', message });
  });

  it('names the flag whose value is missing when another flag follows', () => {
    const result = parseCli(['--port', '--host', 'x']);
    expect(result.kind).toBe('error');
    expect(result.kind === 'error' && result.message).toMatch(/^--port needs a value/);
  });

  it('has a usage text without blank lines', () => {
    expect(usageLines.every((l) => l.trim().length > 0)).toBe(true);
    expect(usageLines[0]).toMatch(/^usage: udpchat-relay /);
  });
});

describe('the udpchat-relay program', () => {
  let running: RelayProcess | undefined;
  afterEach(() => {
    running?.child.kill('SIGKILL');
    running = undefined;
  });
  const dir = mkdtempSync(join(tmpdir(), 'udpchat-relay-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function startedRelay(...extra: string[]): Promise<{ p: RelayProcess; port: number }> {
    return startedRelayWith({}, ...extra);
  }

  async function startedRelayWith(env: Record<string, string>, ...extra: string[]): Promise<{ p: RelayProcess; port: number }> {
    const p = spawnRelay(['--port', '0', ...extra], env);
    running = p;
    await p.stdout.waitFor((l) => l.includes('"relay started"'), 'relay started');
    const started = p.stdout.json().find((l) => l.msg === 'relay started');
    expect(started).toMatchObject({ address: '127.0.0.1', family: 'IPv4', level: 30 });
    const port = started?.port;
    expect(typeof port).toBe('number');
    return { p, port: port as number };
  }

  // Each started relay costs ~0.8 s of CPU (Node, pino, SQLite's WebAssembly): what one relay's life can show,
  // one relay shows, in order.
  it('one relay, default flags: JSON log, a stats line on SIGUSR1 whose counters add up, plain-text peers taken, a second relay on its port exits 1 naming it, bye on SIGTERM and exit 0', async () => {
    const { p, port } = await startedRelay();
    expect(p.stdout.json().find((l) => l.msg === 'relay started')).toMatchObject({ plainPeers: true });
    const peer = await TestPeer.open({ address: '127.0.0.1', port });
    const nc = await RawPeer.open({ address: '127.0.0.1', port });
    try {
      const { welcome } = await peer.register('alice');
      expect(welcome.port).toBe(peer.port);
      await p.stdout.waitFor((l) => l.includes('"contact registered"'), 'contact registered');
      // SIGUSR1: the stats line.
      await peer.sendRaw(Uint8Array.of(0xff, 0x55, 2, 0x7f, 0)); // UNKNOWN_KIND
      await peer.sendWith({ kind: 'heartbeat', seq: 1 }); // no token: unauthenticated
      await peer.send({ kind: 'heartbeat', seq: 2 });
      await peer.next('heartbeat-ack', (m) => m.seq === 2, 5000);
      p.child.kill('SIGUSR1');
      const line = await p.stdout.waitFor((l) => l.includes('"relay stats"'), 'the stats line');
      const stats = JSON.parse(line) as Record<string, unknown>;
      expect(stats).toMatchObject({
        level: 30,
        msg: 'relay stats',
        contacts: 1,
        pending: 0,
        datagramsIn: 5,
        accepted: 3,
        malformed: 1,
        empty: 0,
        unauthenticated: 1,
        rateLimited: 0,
        dropped: { UNKNOWN_KIND: 1, 'no-token': 1 },
        datagramsOut: 3,
        bytesIn: expect.any(Number),
        bytesOut: expect.any(Number),
      });
      expect(p.child.exitCode).toBeNull(); // SIGUSR1 does not stop it (nor open the inspector)
      // A plain-text peer (netcat) is taken by default.
      await nc.send('hello relay\n');
      const joined = await p.stdout.waitFor((l) => l.includes('"plain peer joined"'), 'plain peer joined');
      expect(JSON.parse(joined)).toMatchObject({ contact: nc.contactName, name: 'udpchat-relay', port: nc.port });
      // A second relay on the same port: exit 1, one line naming who holds it.
      const second = await runRelay(['--port', String(port)]);
      expect(second.code).toBe(1);
      expect(second.stderr).toEqual([`udpchat-relay: port ${port} is in use by another udpchat relay`]);
      // SIGTERM: bye to its contacts, exit 0.
      p.child.kill('SIGTERM');
      expect(await peer.next('bye', undefined, 5000)).toEqual({ kind: 'bye', reason: 'relay shutting down' });
      expect(await exitWithin(p, 5000)).toBe(0);
    } finally {
      await peer.close();
      await nc.close();
    }
    const events = p.stdout.json().map((l) => l.msg);
    expect(events).toEqual(expect.arrayContaining(['relay started', 'contact registered', 'relay stopping', 'relay stopped']));
    expect(p.stderr.lines.filter((l) => l.trim())).toEqual([]);
  });

  it('says when it simulates an unreliable network, and drops exactly what its seed says', async () => {
    // A seed whose first three datagrams are dropped at loss 0.5 and whose fourth passes
    // (the simulator draws three numbers per datagram, the first decides the drop).
    const dropsFirstThree = (seed: number): boolean => {
      const r = mulberry32(seed);
      const drops = Array.from({ length: 4 }, () => [r(), r(), r()][0]! < 0.5);
      return drops.join() === 'true,true,true,false';
    };
    let seed = 1;
    while (!dropsFirstThree(seed)) seed++;
    const { p, port } = await startedRelay('--simulate-loss', '0.5', '--seed', String(seed));
    expect(p.stdout.json().find((l) => l.msg === 'relay started')).toMatchObject({
      simulate: { loss: 0.5, duplicate: 0, reorder: 0, seed },
    });
    const line = await p.stdout.waitFor((l) => l.includes('"simulating an unreliable network"'), 'the simulation warning');
    expect(JSON.parse(line)).toMatchObject({ level: 40, simulation: `simulating loss 50%, duplicate 0%, reorder 0% (seed ${seed})` });
    const peer = await TestPeer.open({ address: '127.0.0.1', port });
    try {
      for (const name of ['a1', 'a2', 'a3', 'a4']) await peer.hello(name);
      // Loopback keeps the order: once the fourth is answered, the first three were dropped.
      expect(await peer.next('welcome', undefined, 5000)).toMatchObject({ name: 'a4' });
      expect(peer.pending('welcome')).toEqual([]);
      p.child.kill('SIGTERM');
      expect(await exitWithin(p, 5000)).toBe(0);
    } finally {
      await peer.close();
    }
    expect(p.stdout.json().find((l) => l.msg === 'relay stopped')).toMatchObject({
      datagramsIn: 1,
      accepted: 1,
      simulated: { received: 4, dropped: 3, duplicated: 0, reordered: 0 },
    });
  });

  it('serves clients with the --secret-file secret and refuses those without', async () => {
    const file = join(dir, 'secret');
    writeFileSync(file, 'lan party 2026\n');
    const { p, port } = await startedRelay('--secret-file', file);
    expect(p.stdout.json().find((l) => l.msg === 'relay started')).toMatchObject({ sharedSecret: true, plainPeers: false });
    expect(p.stdout.json().find((l) => l.msg === 'shared-secret mode')).toMatchObject({ source: `file ${file}` });
    expect(p.stdout.lines.join('\n')).not.toContain('lan party');
    const key = createAuthKey('lan party 2026'); // the file's newline is not part of it
    const member = await TestPeer.open({ address: '127.0.0.1', port }, { secret: key });
    const stranger = await TestPeer.open({ address: '127.0.0.1', port });
    try {
      await member.register('alice');
      expect(new Set(member.verdicts)).toEqual(new Set(['ok']));
      await stranger.hello('eve');
      expect(await stranger.next('error', undefined, 5000)).toMatchObject({
        code: ERROR_CODES.SECRET_REQUIRED,
        message: 'this relay requires the shared secret',
      });
    } finally {
      await member.close();
      await stranger.close();
    }
  });

  it('takes the secret from UDPCHAT_SECRET when there is no --secret-file', async () => {
    const { p, port } = await startedRelayWith({ UDPCHAT_SECRET: 'from the environment' });
    expect(p.stdout.json().find((l) => l.msg === 'shared-secret mode')).toMatchObject({ source: 'UDPCHAT_SECRET' });
    const member = await TestPeer.open({ address: '127.0.0.1', port }, { secret: createAuthKey('from the environment') });
    try {
      expect((await member.register('bob')).welcome.name).toBe('bob');
    } finally {
      await member.close();
    }
  });

  it.each([
    [['--secret-file', '/nonexistent/udpchat.secret'], 'udpchat-relay: cannot read the secret file /nonexistent/udpchat.secret: no such file (ENOENT)'],
  ])('exits 2 for %j with one line and the usage', async (args, line) => {
    const { code, stdout, stderr } = await runRelay(args);
    expect(code).toBe(2);
    expect(stderr).toEqual([line, ...usageLines]);
    expect(stdout).toEqual([]);
  });

  it('exits 2 for a secret shorter than 8 bytes (from the environment; the file case is the same branch, its message is in packages/net/test/secret.test.ts)', async () => {
    const fromEnv = await runRelay(['--port', '0'], { UDPCHAT_SECRET: 'short' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toEqual(['udpchat-relay: the shared secret is 5 bytes; at least 8 are needed (UDPCHAT_SECRET)', ...usageLines]);
    expect(fromEnv.stdout).toEqual([]);
  });

  it('drops the text of plain-text peers with --no-plain-peers; takes a SIGINT delivered twice (terminal and npm/pnpm both send it) as one: exit 0 after the bye, nothing but JSON lines on stdout', async () => {
    const { p, port } = await startedRelay('--no-plain-peers', '--log-level', 'debug');
    expect(p.stdout.json().find((l) => l.msg === 'relay started')).toMatchObject({ plainPeers: false });
    const peer = await TestPeer.open({ address: '127.0.0.1', port });
    const nc = await RawPeer.open({ address: '127.0.0.1', port });
    try {
      await nc.send('hello relay\n');
      const line = await p.stdout.waitFor((l) => l.includes('"plain-peers-off"'), 'the plain-peers-off drop');
      expect(JSON.parse(line)).toMatchObject({ msg: 'datagram dropped', from: nc.contactName, reason: 'plain-peers-off' });
      await peer.register('alice');
      p.child.kill('SIGINT');
      await p.stdout.waitFor((l) => l.includes('"signal received"'), 'signal received');
      p.child.kill('SIGINT');
      expect(await exitWithin(p, 5000)).toBe(0);
      expect(await peer.next('bye', undefined, 5000)).toEqual({ kind: 'bye', reason: 'relay shutting down' });
    } finally {
      await peer.close();
      await nc.close();
    }
    expect(p.stdout.lines.some((l) => l.includes('plain peer joined'))).toBe(false);
    expect(p.stdout.json().some((l) => l.msg === 'second signal: exiting now')).toBe(false);
    expect(p.stdout.lines.length).toBeGreaterThan(3);
    for (const line of p.stdout.lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(p.stdout.json().map((l) => l.msg)).toEqual(expect.arrayContaining(['signal received', 'relay stopping', 'relay stopped']));
    expect(p.stderr.lines).toEqual([]);
  });

  // One spawned: the program's part (prefix, usage, exit 2, nothing on stdout) is one branch of main.ts for every
  // refused command line; each message is checked in process above (parseCli: 'refuses …').
  it('exits 2 for a refused command line with one error line and the usage', async () => {
    const { code, stdout, stderr } = await runRelay(['--port', 'abc']);
    expect(code).toBe(2);
    expect(stderr).toEqual(['udpchat-relay: --port must be a whole number from 0 to 65535 (got "abc")', ...usageLines]);
    expect(stdout).toEqual([]);
  });

  it('prints the usage for --help and the version for --version, exit 0', async () => {
    const help = await runRelay(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toEqual(usageLines);
    expect(help.stdout[0]).toContain('[--no-plain-peers]');
    expect(help.stdout.some((l) => /^ {2}--no-plain-peers {8}\S/.test(l))).toBe(true);
    for (const flag of [
      '--simulate-loss P',
      '--simulate-duplicate P',
      '--simulate-reorder P',
      '--seed N',
      '--secret-file PATH',
      '--rate-limit N',
      '--max-contacts N',
      '--max-per-ip N',
    ]) {
      expect(help.stdout.some((l) => l.startsWith(`  ${flag} `))).toBe(true);
      expect(help.stdout.slice(0, 4).join(' ')).toContain(`[${flag}]`);
    }
    const version = await runRelay(['-v']);
    expect(version.code).toBe(0);
    expect(version.stdout).toEqual([`udpchat-relay ${pkg.version}`]);
    expect(version.stderr).toEqual([]);
  });
});

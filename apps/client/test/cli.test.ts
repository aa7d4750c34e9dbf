import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataDir } from '@udpchat/store';
import { parseClientArgs, parseServer, parseServerList, USAGE, UsageError } from '../src/cli.js';

describe('client command line', () => {
  it('parses --server forms', () => {
    expect(parseServer('127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseServer('localhost')).toEqual({ host: 'localhost', port: 8081 });
    expect(parseServer('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseServer('::1')).toEqual({ host: '::1', port: 8081 });
  });

  it('parses a run', () => {
    const parsed = parseClientArgs(['--name', '一棵树', '--server', '127.0.0.1:9', '--json'], {});
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        host: '127.0.0.1',
        port: 9,
        servers: [{ host: '127.0.0.1', port: 9 }],
        name: '一棵树',
        json: true,
        plain: true,
        noHost: false,
        secretFile: null,
        dataDir: resolveDataDir('data', null, {}), // from the env given (here none), not this process's
        history: 0,
        simulate: null,
      },
    });
  });

  it('parses --history N and refuses anything but a whole number', () => {
    const history = (value: string) => {
      const parsed = parseClientArgs(['--name', 'a', `--history=${value}`]);
      if (parsed.kind !== 'run') throw new Error(`not a run: ${parsed.kind}`);
      return parsed.options.history;
    };
    expect(history('25')).toBe(25);
    expect(history('0')).toBe(0);
    for (const bad of ['-1', 'ten', '1.5', '']) expect(() => history(bad)).toThrow(/--history needs a whole number/);
  });

  it('parses --data-dir and --ephemeral, and refuses both together', () => {
    const dataDir = (...args: string[]) => {
      const parsed = parseClientArgs(['--name', 'a', ...args]);
      if (parsed.kind !== 'run') throw new Error(`not a run: ${parsed.kind}`);
      return parsed.options.dataDir;
    };
    expect(dataDir('--data-dir', '/tmp/udpchat-a')).toBe('/tmp/udpchat-a');
    expect(dataDir('--data-dir', 'rel')).toBe(resolve('rel'));
    expect(dataDir('--ephemeral')).toBeNull();
    const fromEnv = parseClientArgs(['--name', 'a'], { XDG_DATA_HOME: '/tmp/udpchat-xdg' });
    expect(fromEnv.kind === 'run' && fromEnv.options.dataDir).toBe('/tmp/udpchat-xdg/udpchat'); // XDG_DATA_HOME of the env argument
    expect(() => parseClientArgs(['--ephemeral', '--data-dir', '/tmp/x'])).toThrow(UsageError);
    expect(() => parseClientArgs(['--data-dir='])).toThrow('--data-dir needs a folder');
    expect(USAGE).toContain('[--data-dir DIR] [--ephemeral]');
  });

  it('parses the --simulate-* flags and --seed (default seed 1; null when every rate is 0)', () => {
    const run = (...args: string[]) => {
      const parsed = parseClientArgs(['--name', 'a', ...args]);
      if (parsed.kind !== 'run') throw new Error(`not a run: ${parsed.kind}`);
      return parsed.options.simulate;
    };
    expect(run('--simulate-loss', '0.3')).toEqual({ loss: 0.3, duplicate: 0, reorder: 0, seed: 1 });
    expect(run('--simulate-duplicate=0.1', '--simulate-reorder', '.2', '--seed', '99')).toEqual({
      loss: 0,
      duplicate: 0.1,
      reorder: 0.2,
      seed: 99,
    });
    expect(run('--simulate-loss', '0', '--seed', '3')).toBeNull();
    expect(run()).toBeNull();
  });

  it('documents the simulation flags in the usage', () => {
    for (const flag of ['--simulate-loss P', '--simulate-duplicate P', '--simulate-reorder P', '--seed N']) {
      expect(USAGE).toContain(`[${flag}]`);
      expect(USAGE.split('\n').some((l) => l.startsWith(`  ${flag} `))).toBe(true);
    }
  });

  it.each([
    [['--frob'], 'unknown flag --frob'],
    [['--name'], '--name needs a value'],
    [['--plain=yes'], '--plain does not take a value'],
    [['--server', 'h:abc'], '--server port must be a whole number from 1 to 65535 (got "abc")'],
    [['--server', 'h:70000'], '--server port must be a whole number from 1 to 65535 (got "70000")'],
    [['--name', 'all'], '--name: "all" is reserved for the group'],
    [['--name', 'a b'], '--name: name "a b" may only hold letters, digits, _ - and .'],
    [['stray'], 'unexpected argument stray'],
    [['--simulate-loss', 'abc'], '--simulate-loss must be a number from 0 to 1 (got "abc")'],
    [['--simulate-loss', '2'], '--simulate-loss must be a number from 0 to 1 (got "2")'],
    [['--simulate-reorder=-1'], '--simulate-reorder must be a number from 0 to 1 (got "-1")'],
    [['--simulate-duplicate'], '--simulate-duplicate needs a value'],
    [['--simulate-loss', '0.1', '--seed', 'x'], '--seed must be a whole number from 0 to 4294967295 (got "x")'],
  ])('refuses %j with a one-line reason', (args, message) => {
    expect(() => parseClientArgs(args)).toThrow(UsageError);
    expect(() => parseClientArgs(args)).toThrow(message);
  });
});

describe('server lists (--server a,b,c and UDPCHAT_SERVERS)', () => {
  const serversOf = (argv: string[], env: Record<string, string> = {}) => {
    const parsed = parseClientArgs(['--name', 'a', ...argv], env);
    if (parsed.kind !== 'run') throw new Error(`not a run: ${parsed.kind}`);
    return parsed.options;
  };

  it('parses a list in order, with IPv6 in brackets, spaces around entries and default ports', () => {
    expect(parseServerList('127.0.0.1:8081,127.0.0.1:8082, localhost')).toEqual([
      { host: '127.0.0.1', port: 8081 },
      { host: '127.0.0.1', port: 8082 },
      { host: 'localhost', port: 8081 },
    ]);
    expect(parseServerList('[::1]:8081,[::1]:8082')).toEqual([
      { host: '::1', port: 8081 },
      { host: '::1', port: 8082 },
    ]);
    const o = serversOf(['--server', '10.0.0.1:1,10.0.0.2:2']);
    expect([o.host, o.port, o.servers]).toEqual(['10.0.0.1', 1, [{ host: '10.0.0.1', port: 1 }, { host: '10.0.0.2', port: 2 }]]);
  });

  it('reads UDPCHAT_SERVERS when there is no --server; the flag wins; neither: 127.0.0.1:8081', () => {
    expect(serversOf([], { UDPCHAT_SERVERS: 'h1:1,h2:2' }).servers).toEqual([{ host: 'h1', port: 1 }, { host: 'h2', port: 2 }]);
    expect(serversOf(['--server', 'h3:3'], { UDPCHAT_SERVERS: 'h1:1,h2:2' }).servers).toEqual([{ host: 'h3', port: 3 }]);
    expect(serversOf([], { UDPCHAT_SERVERS: '  ' }).servers).toEqual([{ host: '127.0.0.1', port: 8081 }]);
    expect(serversOf([]).servers).toEqual([{ host: '127.0.0.1', port: 8081 }]);
  });

  it.each([
    [['--server', 'a:1,,b:2'], {}, '--server entry 2 is empty (a list is HOST:PORT,HOST:PORT)'],
    [['--server', 'a:1,'], {}, '--server entry 2 is empty'],
    [['--server', 'a:1,b:x'], {}, '--server entry 2 ("b:x") port must be a whole number from 1 to 65535 (got "x")'],
    [['--server', 'a:1,[::1'], {}, '--server entry 2 ("[::1") needs an IPv6 address in brackets'],
    [['--server', 'a:1,A:1'], {}, '--server lists A:1 twice'],
    [['--server', '127.0.0.1:1,[::1]:2'], {}, '--server mixes IPv4 and IPv6 relays: give all of one kind'],
    [[], { UDPCHAT_SERVERS: 'a:1,b:0' }, 'UDPCHAT_SERVERS entry 2 ("b:0") port must be a whole number from 1 to 65535 (got "0")'],
    [[], { UDPCHAT_SERVERS: 'h:abc' }, 'UDPCHAT_SERVERS port must be a whole number from 1 to 65535 (got "abc")'],
  ])('refuses %j %j with a one-line reason', (argv, env, message) => {
    expect(() => serversOf(argv, env)).toThrow(UsageError);
    expect(() => serversOf(argv, env)).toThrow(message);
  });

  it('documents the list and UDPCHAT_SERVERS in the usage', () => {
    expect(USAGE).toContain('[--server HOST:PORT[,…]]');
    expect(USAGE).toContain('UDPCHAT_SERVERS');
  });
});

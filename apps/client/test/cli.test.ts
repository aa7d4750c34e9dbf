import { describe, expect, it } from 'vitest';
import { parseClientArgs, parseServer, UsageError } from '../src/cli.js';

describe('client command line', () => {
  it('parses --server forms', () => {
    expect(parseServer('127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseServer('localhost')).toEqual({ host: 'localhost', port: 8081 });
    expect(parseServer('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseServer('::1')).toEqual({ host: '::1', port: 8081 });
  });

  it('parses a run', () => {
    const parsed = parseClientArgs(['--name', '一棵树', '--server', '127.0.0.1:9', '--json']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { host: '127.0.0.1', port: 9, name: '一棵树', json: true, plain: true, noHost: false },
    });
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
  ])('refuses %j with a one-line reason', (args, message) => {
    expect(() => parseClientArgs(args)).toThrow(UsageError);
    expect(() => parseClientArgs(args)).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { endpointKey, formatEndpoint, parseEndpoint } from '../src/index.js';

describe('formatEndpoint / endpointKey', () => {
  it('writes IPv4 as address:port and IPv6 in brackets', () => {
    expect(formatEndpoint({ address: '127.0.0.1', port: 8081 })).toBe('127.0.0.1:8081');
    expect(formatEndpoint({ address: '::1', port: 8081 })).toBe('[::1]:8081');
    expect(formatEndpoint({ address: 'fe80::1%eth0', port: 9 })).toBe('[fe80::1%eth0]:9');
    expect(endpointKey('::ffff:10.0.0.1', 1)).toBe('[::ffff:10.0.0.1]:1');
    expect(endpointKey('10.0.0.1', 65535)).toBe('10.0.0.1:65535');
  });
});

describe('parseEndpoint', () => {
  it('reads HOST:PORT, HOST, [IPv6]:PORT, [IPv6] and a bare IPv6 literal', () => {
    expect(parseEndpoint('127.0.0.1:9000', 8081)).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseEndpoint('localhost', 8081)).toEqual({ host: 'localhost', port: 8081 });
    expect(parseEndpoint('[::1]:9000', 8081)).toEqual({ host: '::1', port: 9000 });
    expect(parseEndpoint('[::1]', 7)).toEqual({ host: '::1', port: 7 });
    expect(parseEndpoint('::1', 7)).toEqual({ host: '::1', port: 7 });
  });

  it('is the inverse of formatEndpoint for IP literals', () => {
    for (const endpoint of [
      { address: '192.168.1.20', port: 1 },
      { address: '::1', port: 65535 },
      { address: '2001:db8::42', port: 8081 },
    ]) {
      expect(parseEndpoint(formatEndpoint(endpoint), 8081)).toEqual({ host: endpoint.address, port: endpoint.port });
    }
  });

  it('says what is wrong on one line, without naming a flag', () => {
    expect(parseEndpoint(':9', 8081)).toEqual({ error: 'needs a host, as HOST:PORT (got ":9")' });
    expect(parseEndpoint('[]:9', 8081)).toEqual({ error: 'needs a host, as HOST:PORT (got "[]:9")' });
    expect(parseEndpoint('[::1', 8081)).toEqual({ error: 'needs an IPv6 address in brackets, as [IPv6]:PORT (got "[::1")' });
    expect(parseEndpoint('[::1]9', 8081)).toEqual({ error: 'needs an IPv6 address in brackets, as [IPv6]:PORT (got "[::1]9")' });
    expect(parseEndpoint('h:abc', 8081)).toEqual({ error: 'port must be a whole number from 1 to 65535 (got "abc")' });
    expect(parseEndpoint('h:0', 8081)).toEqual({ error: 'port must be a whole number from 1 to 65535 (got "0")' });
    expect(parseEndpoint('[::1]:70000', 8081)).toEqual({ error: 'port must be a whole number from 1 to 65535 (got "70000")' });
    expect(parseEndpoint('h:', 8081)).toEqual({ error: 'port must be a whole number from 1 to 65535 (got "")' });
  });
});

import { describe, expect, it } from 'vitest';
import { BoundedMap, RateLimiter } from '../src/index.js';

describe('RateLimiter (token bucket per address)', () => {
  it('lets a burst through, then the rate; reports the start of each flood once', () => {
    const limiter = new RateLimiter(2, 4);
    const at0 = Array.from({ length: 6 }, () => limiter.take('a', 0));
    expect(at0).toEqual(['ok', 'ok', 'ok', 'ok', 'started', 'limited']);
    expect(limiter.take('b', 0)).toBe('ok'); // its own bucket
    expect(limiter.take('a', 499)).toBe('limited');
    expect(limiter.take('a', 500)).toBe('ok'); // 2/s: one more every 500 ms
    expect(limiter.take('a', 500)).toBe('started'); // a new episode
    // Full again after burst/rate = 2 s: forgotten by the sweep, like new.
    limiter.sweep(2499);
    expect(limiter.size).toBe(1); // b (taken at 0) is full again at 2000; a is not yet
    limiter.sweep(2500);
    expect(limiter.size).toBe(0);
  });

  it('is bounded: the oldest address is forgotten to make room', () => {
    const limiter = new RateLimiter(1, 1, 3);
    for (const key of ['a', 'b', 'c', 'd']) expect(limiter.take(key, 0)).toBe('ok');
    expect(limiter.size).toBe(3);
    expect(limiter.take('a', 0)).toBe('ok'); // a was evicted: a fresh bucket
    expect(limiter.take('d', 0)).toBe('started');
  });
});

describe('BoundedMap', () => {
  it('BoundedMap evicts the oldest entry when full and sweeps what a predicate calls expired', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<number>({ maxEntries: 2, onEvict: (k) => evicted.push(k) });
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // an existing key: no eviction
    map.set('c', 4);
    expect(evicted).toEqual(['a']);
    expect([map.get('b'), map.get('c'), map.size, map.evicted]).toEqual([2, 4, 2, 1]);
    expect(map.sweep((v) => v < 3)).toEqual([2]);
    expect(map.size).toBe(1);
    expect(() => new BoundedMap({ maxEntries: 0 })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { compareNames } from '../src/text/nameOrder.js';

describe('contact list order', () => {
  it('is natural (numbers by value) and case-insensitive, and total', () => {
    const names = ['spam10', 'Bob', 'spam2', 'alice', 'spam1', 'ALICE', '一棵树', 'carol'];
    expect([...names].sort(compareNames)).toEqual(['ALICE', 'alice', 'Bob', 'carol', 'spam1', 'spam2', 'spam10', '一棵树']);
    expect(compareNames('x', 'x')).toBe(0);
  });
});

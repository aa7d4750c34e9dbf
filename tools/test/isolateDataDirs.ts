/**
 * Vitest setup (every test file): a fresh, empty `XDG_DATA_HOME` and
 * `XDG_STATE_HOME` per test file, removed after it, so that the identity keys,
 * histories and relay stores that clients and relays keep in their default
 * folders (issue 13) never leak between test files or runs, nor into the
 * user's own ~/.local. Child processes inherit them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'udpchat-test-home-'));
process.env.XDG_DATA_HOME = join(root, 'data');
process.env.XDG_STATE_HOME = join(root, 'state');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/**
 * The relay's store flags: `--data-dir DIR` (where relay.db is) and the
 * bounds of the offline messages, `--offline-max-messages N`,
 * `--offline-max-bytes N`, `--offline-max-days N` (PROTOCOL.md §6.6).
 */
import { join } from 'node:path';
import { resolveDataDir } from '@udpchat/store';
import { DEFAULT_OFFLINE_LIMITS, type OfflineLimits } from '../state/offlineDeliveries.js';

const DAY_MS = 24 * 3600 * 1000;
/** Largest count of `--offline-max-messages`. */
const MAX_COUNT = 1_000_000;

/** `<DIR>/relay.db`, DIR being `--data-dir` or the XDG state folder (`$XDG_STATE_HOME/udpchat`, else `~/.local/state/udpchat`). */
export function relayStoreFile(dataDir: string | null): string {
  return join(resolveDataDir('state', dataDir), 'relay.db');
}

/** The --offline-* flags, or the one-line error naming the flag. */
export function parseOfflineLimits(values: Record<string, string | boolean | undefined>): { limits: OfflineLimits } | { error: string } {
  const d = DEFAULT_OFFLINE_LIMITS;
  const field = (flag: string, fallback: number, max: number): number | { error: string } => {
    const text = values[flag];
    if (typeof text !== 'string') return fallback;
    const value = /^\d{1,13}$/.test(text) ? Number(text) : NaN;
    if (Number.isInteger(value) && value >= 1 && value <= max) return value;
    return { error: `--${flag} must be a whole number from 1 to ${max} (got ${JSON.stringify(text)})` };
  };
  const maxMessages = field('offline-max-messages', d.maxMessages, MAX_COUNT);
  if (typeof maxMessages !== 'number') return maxMessages;
  const maxBytes = field('offline-max-bytes', d.maxBytes, 2 ** 40);
  if (typeof maxBytes !== 'number') return maxBytes;
  const days = field('offline-max-days', d.maxAgeMs / DAY_MS, 36_500);
  if (typeof days !== 'number') return days;
  return { limits: { maxMessages, maxBytes, maxAgeMs: days * DAY_MS } };
}

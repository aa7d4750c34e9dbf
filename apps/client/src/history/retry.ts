/**
 * Retry on start: own messages that were not finished when the client last
 * stopped (queued, sending, or at the relay waiting for acks: historyDb.ts
 * `needsRetry`; also those of a client killed with kill -9) are sent again,
 * oldest first, as new sends with their old id and time. Their receivers
 * show each id once (the writer's dedupe) and acknowledge it again.
 */
import { SendError, type ChatSession } from '../net/session.js';
import type { HistoryDb } from './historyDb.js';

/** What was sent again, and what could not be (the session refused it: its reason). */
export interface RetryReport {
  resent: number;
  refused: Array<{ id: string; reason: string }>;
}

/** Sends the unfinished own messages of `db` again through `session` (queued until registered). */
export function retryUnfinished(db: HistoryDb, session: Pick<ChatSession, 'send'>): RetryReport {
  const report: RetryReport = { resent: 0, refused: [] };
  for (const m of db.toRetry()) {
    try {
      session.send(m.recipient, m.text, { id: m.id, time: m.time });
      report.resent++;
    } catch (err) {
      if (!(err instanceof SendError)) throw err;
      report.refused.push({ id: m.id, reason: err.message });
    }
  }
  return report;
}

/**
 * The stored history (history/): a history file of 1,000 / 100,000 messages
 * in one conversation, then the client as it starts: the time to open the
 * file (integrity check and migrations included), to the first frame (the
 * recent page of each conversation read and drawn), and the frame time of
 * PgUp while paging back through the file (pages read on the next turn,
 * a window of at most 1,000 entries in memory), and one `/search`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '@udpchat/store';
import { HistoryDriver } from '../../dist/history/driver.js';
import { HistoryDb } from '../../dist/history/historyDb.js';
import { HISTORY_APPLICATION_ID, HISTORY_MIGRATIONS, historyFile } from '../../dist/history/schema.js';
import { ChatStore } from '../../dist/state/store.js';
import { FakeBackend } from './fakeBackend.js';
import { mountApp } from './mount.js';
import { max, percentile, round, sleep } from './stats.js';
import { FakeStdin, FakeStdout } from './terminal.js';

/** Options of `storedHistoryBench`. */
export interface StoredOptions {
  /** Messages stored, per run. */
  sizes: readonly number[];
  /** PgUp presses per run (fewer when the top is reached). */
  pageUps: number;
  columns: number;
  rows: number;
  log: (line: string) => void;
}

/** Results for one history file. */
export interface StoredRow {
  messages: number;
  /** Size of the file, in MiB. */
  fileMiB: number;
  /** Writing the messages (one SQL statement, not the client's path), in ms. */
  fillMs: number;
  /** HistoryDb.open: lock, WAL, quick_check, migrations, in ms. */
  openMs: number;
  /** From creating the store (recent pages read) to the first frame written, in ms. */
  firstFrameMs: number;
  /** PgUp pressed to its frame written, in ms. */
  pageUpFrameMs: { p50: number; p95: number; max: number; frames: number };
  /** Pages read from the file while paging (each 100 messages) and their read time, in ms. */
  pageReads: { count: number; p50: number; max: number };
  /** Most entries of the conversation in memory at once. */
  maxWindow: number;
  /** Messages paged back in all. */
  pagedBack: number;
  /** One `/search` over the conversation (LIKE scan), in ms. */
  searchMs: number;
}

const TEXTS = ['ok', 'see you at 8', '你好，今天的会议改到下午三点了', 'did anyone try the new relay build? it seems fine on my side', 'a longer message that wraps in the pane because it goes on about datagrams, timers and acknowledgements, twice over: datagrams, timers, acknowledgements'];

function fill(file: string, n: number): void {
  const store = openStore({ file, applicationId: HISTORY_APPLICATION_ID, migrations: HISTORY_MIGRATIONS });
  try {
    const texts = TEXTS.map((t) => `'${t.replace(/'/g, "''")}'`);
    store.transaction(() => {
      store.db.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})
        INSERT INTO messages (id, conv, sender, recipient, own, time, sent_at, text, state, state_json)
        SELECT 'm' || i, 'bob', CASE WHEN i % 3 = 0 THEN 'alice' ELSE 'bob' END, CASE WHEN i % 3 = 0 THEN 'bob' ELSE 'alice' END,
          i % 3 = 0, 1700000000000 + i * 1000, 1700000000000 + i * 1000,
          'message ' || i || ': ' || CASE i % 5 ${texts.map((t, k) => `WHEN ${k} THEN ${t}`).join(' ')} END,
          CASE WHEN i % 3 = 0 THEN 'delivered' END, CASE WHEN i % 3 = 0 THEN '{"state":"delivered","delivered":1,"of":1}' END
        FROM n`);
      store.db.run('INSERT INTO conversations (key, title, last_seq) VALUES (?, ?, ?)', ['bob', 'bob', n]);
    });
  } finally {
    store.close();
  }
}

/** Runs the stored-history benchmark, one fresh history file per size. */
export async function storedHistoryBench(o: StoredOptions): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  {
    // Warm-up: the first mount of Ink in a process pays for loading and compiling it; no size should.
    const stdout = new FakeStdout(o.columns, o.rows);
    const store = new ChatStore(new FakeBackend('alice').asBackend());
    const ink = mountApp(store, o, { stdout, stderr: new FakeStdout(o.columns, o.rows), stdin: new FakeStdin() });
    await stdout.frameAfter(0, 10_000);
    ink.unmount();
    ink.cleanup();
    store.dispose();
  }
  for (const size of o.sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'udpchat-bench-history-'));
    const file = historyFile(dir, 'alice');
    try {
      let t = performance.now();
      fill(file, size);
      const fillMs = performance.now() - t;
      t = performance.now();
      const db = HistoryDb.open(file);
      const openMs = performance.now() - t;
      const reads: number[] = [];
      const driver = new HistoryDriver(db);
      const page = driver.page.bind(driver);
      driver.page = (r) => {
        const s = performance.now();
        const result = page(r);
        reads.push(performance.now() - s);
        return result;
      };
      const stdout = new FakeStdout(o.columns, o.rows);
      const stdin = new FakeStdin();
      t = performance.now();
      const store = new ChatStore(new FakeBackend('alice').asBackend(), { history: driver, historyWindow: Number(process.env.BENCH_WINDOW ?? 1000) });
      store.open('bob');
      const ink = mountApp(store, o, { stdout, stderr: new FakeStdout(o.columns, o.rows), stdin });
      await stdout.frameAfter(0, 10_000);
      const firstFrameMs = performance.now() - t;
      const frames: number[] = [];
      let maxWindow = 0;
      try {
        for (let i = 0; i < o.pageUps; i++) {
          await sleep(40); // past Ink's 33 ms throttle: each frame is drawn at once
          const before = stdout.frames;
          const at = performance.now();
          stdin.type('\x1b[5~');
          try {
            await stdout.frameAfter(before, 300);
          } catch {
            break; // at the top: nothing to draw
          }
          frames.push(stdout.lastFrameAt - at);
          maxWindow = Math.max(maxWindow, store.getSnapshot().open.entries.length);
        }
        await sleep(60);
        store.flush();
        const oldest = store.getSnapshot().open.entries.find((e) => e.kind === 'message');
        const pagedBack = oldest ? size - Number(oldest.id.slice(1)) : 0;
        t = performance.now();
        driver.search('bob', 'message 4242:');
        const searchMs = performance.now() - t;
        const row: StoredRow = {
          messages: size,
          fileMiB: round(statSync(file).size / 1024 / 1024, 1),
          fillMs: round(fillMs, 0),
          openMs: round(openMs, 1),
          firstFrameMs: round(firstFrameMs, 1),
          pageUpFrameMs: { p50: round(percentile(frames, 50), 2), p95: round(percentile(frames, 95), 2), max: round(max(frames), 2), frames: frames.length },
          pageReads: { count: reads.length, p50: round(percentile(reads, 50), 2), max: round(max(reads), 2) },
          maxWindow,
          pagedBack,
          searchMs: round(searchMs, 1),
        };
        rows.push(row);
        o.log(
          `stored ${size}: open ${row.openMs} ms, first frame ${row.firstFrameMs} ms, PgUp frame p50 ${row.pageUpFrameMs.p50} ms p95 ${row.pageUpFrameMs.p95} ms, ` +
            `${row.pageReads.count} page reads (p50 ${row.pageReads.p50} ms), window <= ${row.maxWindow}, back ${row.pagedBack}, search ${row.searchMs} ms`,
        );
      } finally {
        ink.unmount();
        ink.cleanup();
        store.dispose();
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

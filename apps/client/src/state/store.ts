/**
 * The chat state for Ink, outside React: the chat controller (controller.ts)
 * behind React's useSyncExternalStore (`subscribe` / `getSnapshot`, an
 * immutable snapshot). Listeners are notified at most once per
 * `notifyEveryMs`, so a burst of datagrams costs one render, not one per datagram.
 */
import { ChatController, type ChatBackend, type ControllerOptions } from './controller.js';
import type { EntryPage, HistoryRequest, SearchMatch, StoredConversationPage } from './historyWindow.js';
import type { ChatSnapshot, Notice, SubmitResult } from './types.js';

export type { ChatBackend } from './controller.js';
export type { SubmitResult } from './types.js';

/**
 * The stored history, as the store's driver reads it (history/driver.ts is
 * one): the recent page of each conversation at start, pages and searches
 * on request. Reads happen here, outside the controller and the render.
 */
export interface HistorySource {
  /** The recent page of every stored conversation. */
  recent(): StoredConversationPage[];
  /** The page a request asks for (`newer`: stored messages follow it; for jumps and the latest page). */
  page(request: Exclude<HistoryRequest, { type: 'search' }>): EntryPage & { newer?: boolean };
  /** The matches of a search, newest first. */
  search(key: string, text: string): SearchMatch[];
}

/** Options of `ChatStore`. */
export interface StoreOptions extends Omit<ControllerOptions, 'historyRequest'> {
  /** Shortest time between two notifications, in ms (default 33, about 30 frames/s). */
  notifyEveryMs?: number;
  /** The stored history to show and page through; absent: none. */
  history?: HistorySource;
}

/** The controller as the UI uses it: its commands, and snapshots at most every `notifyEveryMs`. */
export class ChatStore {
  private readonly controller: ChatController;
  private revision = 0;
  private snapshot: ChatSnapshot;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private readonly notifyEveryMs: number;
  private readonly history: HistorySource | null;
  private readonly requests: HistoryRequest[] = [];
  private serving: NodeJS.Immediate | null = null;

  constructor(backend: ChatBackend, options: StoreOptions = {}) {
    this.notifyEveryMs = options.notifyEveryMs ?? 33;
    this.history = options.history ?? null;
    const historyRequest = this.history ? (r: HistoryRequest) => this.ask(r) : undefined;
    this.controller = new ChatController(backend, () => this.changed(), { ...options, historyRequest });
    if (this.history) this.controller.historyLoaded(this.history.recent());
    this.snapshot = this.controller.build(this.revision);
  }

  /** The view reached the top of the open conversation: older stored messages are read (next turn), if any. */
  pageOlder(): void {
    this.controller.pageOlder();
  }

  /** The view reached the bottom of a window on older messages: the newer ones are read. */
  pageNewer(): void {
    this.controller.pageNewer();
  }

  /** Back to the newest messages of the open conversation (leaves a search). */
  toLatest(): void {
    this.controller.toLatest();
  }

  /** React's useSyncExternalStore subscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** React's useSyncExternalStore getSnapshot: the same object until something changes. */
  readonly getSnapshot = (): ChatSnapshot => this.snapshot;

  /** Opens the conversation `key` (`all` or a name key, as in the contact list shown) and clears its unread count. */
  open(key: string): void {
    const row = this.snapshot.contacts.find((c) => c.key === key);
    this.controller.open(key, row?.name ?? key);
  }

  /** Handles one line typed in the input (controller.ts). Mistakes go to the notice, never throw. */
  submit(line: string): SubmitResult {
    return this.controller.submit(line);
  }

  /** Asks to quit; asks for confirmation first when this process hosts the relay for others. */
  requestQuit(): SubmitResult {
    return this.controller.requestQuit();
  }

  /** True while the quit question waits for an answer (up to date, unlike a snapshot). */
  get confirming(): boolean {
    return this.controller.confirming;
  }

  /** Answers the quit question: `true` quits. */
  answerQuit(yes: boolean): SubmitResult {
    return this.controller.answerQuit(yes);
  }

  /** Sends the failed messages of the open conversation again. */
  retry(): void {
    this.controller.retry();
  }

  /** Cycles the datagram inspector: off -> beside the conversation -> whole right column -> off. */
  toggleInspector(): void {
    this.controller.toggleInspector();
  }

  /** Shows a notice in the status area. */
  setNotice(notice: Notice | null): void {
    this.controller.setNotice(notice);
  }

  /** Builds a new snapshot and notifies listeners now (tests; the UI waits for the throttle). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.snapshot = this.controller.build(this.revision);
    for (const listener of this.listeners) listener();
  }

  /** Answers the history requests asked so far (tests; otherwise on the next turn of the event loop). */
  serveHistory(): void {
    if (this.serving) clearImmediate(this.serving);
    this.serving = null;
    const history = this.history;
    if (!history) return;
    for (const r of this.requests.splice(0)) {
      if (r.type === 'search') this.controller.historyFound(r.key, r.text, history.search(r.key, r.text));
      else this.controller.historyAnswered(r, history.page(r));
    }
  }

  /** Stops notifying. */
  dispose(): void {
    if (this.serving) clearImmediate(this.serving);
    this.serving = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  /** A request of the controller: read on the next turn, so that a key press is answered first and the read is not in a render. */
  private ask(r: HistoryRequest): void {
    this.requests.push(r);
    this.serving ??= setImmediate(() => this.serveHistory());
  }

  private changed(): void {
    this.revision++;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.notifyEveryMs);
  }
}

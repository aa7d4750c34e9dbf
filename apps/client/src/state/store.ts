/**
 * The chat state for Ink, outside React: the chat controller (controller.ts)
 * behind React's useSyncExternalStore (`subscribe` / `getSnapshot`, an
 * immutable snapshot). Listeners are notified at most once per
 * `notifyEveryMs`, so a burst of datagrams costs one render, not one per datagram.
 */
import { ChatController, type ChatBackend, type ControllerOptions } from './controller.js';
import type { ChatSnapshot, Notice, SubmitResult } from './types.js';

export type { ChatBackend } from './controller.js';
export type { SubmitResult } from './types.js';

/** Options of `ChatStore`. */
export interface StoreOptions extends ControllerOptions {
  /** Shortest time between two notifications, in ms (default 33, about 30 frames/s). */
  notifyEveryMs?: number;
}

/** The controller as the UI uses it: its commands, and snapshots at most every `notifyEveryMs`. */
export class ChatStore {
  private readonly controller: ChatController;
  private revision = 0;
  private snapshot: ChatSnapshot;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private readonly notifyEveryMs: number;

  constructor(backend: ChatBackend, options: StoreOptions = {}) {
    this.notifyEveryMs = options.notifyEveryMs ?? 33;
    this.controller = new ChatController(backend, () => this.changed(), options);
    this.snapshot = this.controller.build(this.revision);
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

  /** Stops notifying. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private changed(): void {
    this.revision++;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.notifyEveryMs);
  }
}

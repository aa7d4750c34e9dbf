/**
 * The chat controller of the full-screen UI: no React, no timers. Commands
 * typed in the input (their actions decided by actions.ts, as in line mode)
 * and the session's events change its parts (conversations.ts, presence.ts,
 * noticeBoard.ts, sending.ts, ownName.ts, inspector.ts); `build` turns them
 * into a snapshot (snapshot.ts). It makes text terminal-safe, caps history
 * and counts unread messages; it calls `changed` after every change, and the
 * store (store.ts) decides when the UI hears of it.
 */
import { ERROR_CODES, GROUP_ALL, nameKey, PRESENCE_TIMEOUT_MS, type ChatMessage, type ErrorMessage } from '@udpchat/protocol';
import { formatEndpoint } from '@udpchat/net';
import type { ChatSession } from '../net/session.js';
import { escapeControls } from '../text/sanitize.js';
import { actionForLine } from './actions.js';
import { openWarning, type OpenTarget } from './commands.js';
import { Conversations } from './conversations.js';
import { DatagramLog } from './inspector.js';
import { NoticeBoard } from './noticeBoard.js';
import { OwnName } from './ownName.js';
import { Presence } from './presence.js';
import { buildSnapshot } from './snapshot.js';
import { RelayNotices } from './relayNotices.js';
import { Sender } from './sending.js';
import { HistoryView } from './historyView.js';
import type { EntryPage, HistoryRequest, SearchMatch, StoredConversationPage } from './historyWindow.js';
import type { ChatSnapshot, MessageEntry, Notice, SubmitResult } from './types.js';

/** What the controller needs of a session (a `ChatSession` is one). */
export type ChatBackend = Pick<
  ChatSession,
  | 'name'
  | 'registration'
  | 'status'
  | 'relay'
  | 'seenAs'
  | 'hosting'
  | 'hostedOthers'
  | 'send'
  | 'rename'
  | 'on'
  | 'sendEmpty'
  | 'watchDatagrams'
  | 'simulation'
> &
  /** The contacts known now, read once when the store is made after registration; the last fail-over (optional for test backends). */
  Partial<Pick<ChatSession, 'contacts' | 'lastMove'>>;

/** Options of `ChatController`. */
export interface ControllerOptions {
  /** Most entries kept per conversation (default 10,000). */
  maxEntries?: number;
  /** Most datagrams the inspector keeps (default 1,000). */
  maxDatagrams?: number;
  /** Where requests for stored messages go (historyWindow.ts), answered by `historyAnswered` / `historyFound`; absent: no history. */
  historyRequest?: (request: HistoryRequest) => void;
  /** Most entries of one conversation kept in memory while paging through the history (default 1,000). */
  historyWindow?: number;
}

/** The chat state of the full-screen UI and what changes it (module doc above). */
export class ChatController {
  private readonly presence = new Presence();
  private readonly conversations: Conversations;
  private readonly notices = new NoticeBoard(() => this.changed());
  private readonly inspector: DatagramLog;
  private readonly sender: Sender;
  private readonly ownName = new OwnName();
  private readonly history: HistoryView;
  private readonly relayNotices: RelayNotices;
  private confirmingQuit = false;
  /** The relay's presence timeout, in whole seconds (from its welcome): what "no heartbeat for N s" says. */
  private presenceTimeoutS = Math.round(PRESENCE_TIMEOUT_MS / 1000);

  /**
   * @param backend the session (listened to from here on).
   * @param changed called after every change of the state.
   */
  constructor(
    private readonly backend: ChatBackend,
    private readonly changed: () => void,
    options: ControllerOptions = {},
  ) {
    this.conversations = new Conversations(options.maxEntries ?? 10_000);
    this.inspector = new DatagramLog(options.maxDatagrams ?? 1000);
    const { presence, conversations, notices } = this;
    this.sender = new Sender({ backend, presence, conversations, notices, changed: () => this.changed() });
    const [request, cap, track] = [options.historyRequest ?? null, options.historyWindow ?? 1000, (e: MessageEntry) => this.sender.track(e)];
    this.history = new HistoryView({ conversations, notices, track, request, cap, changed: () => this.changed() });
    const [current, setNotice, system] = [() => notices.current, (n: Notice) => this.setNotice(n), (text: string, level: 'info' | 'error') => this.system(GROUP_ALL, text, level)];
    this.relayNotices = new RelayNotices({ backend, presence, current, setNotice, system, changed: () => this.changed() });
    if (backend.registration === 'registered' && backend.contacts) {
      // Made after registration (tests, benchmarks): the session has had the contact list.
      this.presence.received(backend.contacts());
      this.ownName.knownAs(backend.name);
    }
    this.listen();
  }

  /** Opens the conversation `key` (`all` or a name key; titled `title` if new) and clears its unread count. */
  open(key: string, title: string = key): void {
    this.conversations.openAt(key, title, (t) => this.presence.get(t) !== undefined);
    this.notices.opened(this.conversations.openKey);
    this.history.opened();
    this.changed();
  }

  /**
   * Handles one line typed in the input: a message to the open conversation
   * or a command (its action decided by actions.ts). Mistakes go to the notice, never throw.
   */
  submit(line: string): SubmitResult {
    const here = this.conversations.openKey;
    const action = actionForLine(line, { target: this.conversations.openTarget(), presence: this.presence, registration: this.backend.registration });
    switch (action.type) {
      case 'none':
        return 'done';
      case 'send':
        this.history.wantLatest();
        return this.sender.sendText(action.to, action.text);
      case 'search':
        this.history.find(action.text);
        return 'done';
      case 'open':
        this.openResolved(action.target);
        return 'done';
      case 'rename':
        this.ownName.asked(action.name);
        this.backend.rename(action.name);
        this.setNotice({ text: `registering as ${escapeControls(action.name)}…`, level: 'info' });
        return 'done';
      case 'whoUnknown':
        this.system(here, `${action.reason}: /who lists who is online once it has`);
        return 'done';
      case 'who': {
        const names = action.names.map(escapeControls);
        this.system(here, `online: ${names.length ? names.join(', ') : 'nobody else'}`);
        return 'done';
      }
      case 'help':
        for (const text of action.lines) this.system(here, text);
        return 'done';
      case 'burst':
        for (const text of action.texts) if (!this.sender.sendTo(action.to, text)) break;
        return 'done';
      case 'datagrams':
        this.toggleInspector();
        return 'done';
      case 'retry':
        this.retry();
        return 'done';
      case 'empty':
        this.backend.sendEmpty();
        this.system(here, 'sent a 0-byte datagram to the relay: it is received and counted, not relayed (/datagrams shows it)');
        return 'done';
      case 'quit':
        return this.requestQuit();
      case 'invalid':
        this.setNotice({ text: action.message, level: 'error' });
        return 'kept';
    }
  }

  /**
   * Asks to quit. When this process hosts the relay for others, the first
   * call only asks for confirmation (`confirmingQuit`) and returns `done`.
   */
  requestQuit(): SubmitResult {
    const others = this.backend.hostedOthers;
    if (others > 0 && !this.confirmingQuit) {
      this.confirmingQuit = true;
      this.setNotice({
        text: `you host the relay for ${others} other${others === 1 ? '' : 's'}: quit anyway? (y/n)`,
        level: 'warning',
      });
      return 'done';
    }
    return 'quit';
  }

  /** True while the quit question waits for an answer (up to date, unlike a snapshot). */
  get confirming(): boolean {
    return this.confirmingQuit;
  }

  /** Answers the quit question: `true` quits. */
  answerQuit(yes: boolean): SubmitResult {
    this.confirmingQuit = false;
    if (yes) return 'quit';
    this.setNotice({ text: 'still here', level: 'info' });
    return 'done';
  }

  /** Sends the failed messages of the open conversation again (sending.ts). */
  retry(): void {
    this.sender.retry();
  }

  /** Cycles the datagram inspector: off -> beside the conversation -> whole right column -> off. */
  toggleInspector(): void {
    this.inspector.toggle();
    this.changed();
  }

  /** The recent page of each stored conversation (the history driver, at start). */
  historyLoaded(pages: readonly StoredConversationPage[]): void {
    this.history.loaded(pages);
  }

  /** The history driver's answer to a page request. */
  historyAnswered(request: HistoryRequest, page: EntryPage & { newer?: boolean }): void {
    this.history.answered(request, page);
  }

  /** The history driver's answer to a search. */
  historyFound(key: string, text: string, matches: SearchMatch[]): void {
    this.history.found(key, text, matches);
  }

  /** The view reached the top of the open conversation: older stored messages, if any, are asked for. */
  pageOlder(): void {
    this.history.wantOlder();
  }

  /** The view reached the bottom of a window on older messages: the newer ones are asked for. */
  pageNewer(): void {
    this.history.wantNewer();
  }

  /** Back to the newest messages of the open conversation (leaves a search). */
  toLatest(): void {
    this.history.wantLatest();
  }

  /** Shows a notice in the status area. */
  setNotice(notice: Notice | null): void {
    this.notices.set(notice);
  }

  private listen(): void {
    const b = this.backend;
    b.watchDatagrams((record) => {
      if (this.inspector.push(record)) this.changed();
    });
    b.on('registered', (w) => {
      this.presenceTimeoutS = Math.round(w.presenceTimeoutMs / 1000);
      this.sender.registeredAs(w.name);
      const said = this.ownName.registered(w);
      this.system(GROUP_ALL, said.line);
      if (said.renamed) return this.setNotice({ text: said.notice, level: 'info' });
      const hosting = this.backend.hosting
        ? ` · no relay was answering on ${formatEndpoint(this.backend.relay)}, so this client hosts it`
        : '';
      this.setNotice({ text: this.relayNotices.registered(`${said.notice}${hosting}`), level: 'info' });
    });
    b.on('contacts', (list) => {
      this.presence.received(list);
      this.changed();
    });
    b.on('rename', (from, to) => this.contactRenamed(from, to));
    b.on('join', (c) => {
      this.presence.join(c);
      this.presenceLine(c.name, `${c.name} joined${c.type === 'plain' ? ' (plain-text peer)' : ''}`);
    });
    b.on('leave', (name, reason) => {
      this.presence.leave(name);
      this.presenceLine(name, `${name} left${reason === 'timeout' ? ` (no heartbeat for ${this.presenceTimeoutS} s)` : ''}`);
    });
    b.on('chat', (m) => this.receive(m));
    b.on('delivery', (m, state) => this.sender.delivery(m, state));
    b.on('receipt', (id, by) => this.sender.delivery({ id, to: by }, { state: 'delivered', delivered: 1, of: 1 })); // a stored message reached its recipient
    b.on('relay-error', (e) => this.relayError(e));
  }

  /** `/to NAME`: opens NAME's conversation whether or not NAME is online (commands.ts, `resolveOpen`). */
  private openResolved(target: OpenTarget): void {
    if (target.kind === 'group') return this.open(GROUP_ALL);
    const key = nameKey(target.name);
    const existing = this.conversations.find(key);
    this.conversations.get(key, target.online || !existing ? escapeControls(target.name) : existing.title);
    this.open(key);
    const title = this.conversations.get(key).title;
    if (existing && target.listed && !target.online) {
      // A conversation kept from before they left: readable, and what is sent here fails for that name.
      this.setNotice({ text: `${title} is offline: messages sent here fail until ${title} is back`, level: 'warning' });
      return;
    }
    const warning = openWarning({ ...target, name: title });
    if (warning) this.setNotice({ text: warning, level: target.listed ? 'error' : 'warning' });
  }

  private receive(m: ChatMessage): void {
    const from = escapeControls(m.from);
    const key = nameKey(m.to) === GROUP_ALL ? GROUP_ALL : nameKey(m.from);
    const conversation = this.conversations.get(key, from);
    // Shown at its arrival time (the local clock, like the system lines around it), not the sender's clock (`sentAt`).
    const text = escapeControls(m.text);
    this.conversations.append(conversation, { kind: 'message', id: m.id, from, text, time: Date.now(), sentAt: m.time, own: false, delivery: null });
    if (key !== this.conversations.openKey) {
      this.conversations.countUnread(key);
      // Like a QQ pop-up: a preview of a message that arrived elsewhere, until its conversation is opened.
      this.notices.preview(key, from, text);
    }
    this.changed();
  }

  private relayError(e: ErrorMessage): void {
    const refusal = this.ownName.refusal(e, this.backend.registration === 'registered', this.backend.name);
    if (refusal !== null) return this.setNotice({ text: refusal, level: 'error' });
    // A refused message is already shown failed (✗) by its delivery event, with the sent notice if any.
    if (e.ref && e.code === ERROR_CODES.UNKNOWN_CONTACT && this.sender.isOwnRef(e.ref)) return;
    this.setNotice({ text: escapeControls(e.message), level: 'error' });
  }

  /** Another contact renamed: its direct conversation (history, unread, preview) moves to the new name. */
  private contactRenamed(from: string, to: string): void {
    this.presence.rename(from, to);
    const shownTo = escapeControls(to);
    if (this.conversations.move(nameKey(from), nameKey(to), shownTo, to)) this.notices.renamed(nameKey(from), nameKey(to), shownTo);
    this.presenceLine(to, `${from} is now ${to}`);
  }

  /** A join/leave line in `all` and in the contact's own conversation, if there is one. */
  private presenceLine(name: string, text: string): void {
    this.system(GROUP_ALL, escapeControls(text));
    const own = this.conversations.find(nameKey(name));
    if (own) this.system(own.key, escapeControls(text));
    this.changed();
  }

  private system(key: string, text: string, level: 'info' | 'error' = 'info'): void {
    this.conversations.system(key, text, level);
    this.changed();
  }

  /** A new snapshot of the state, numbered `revision`. */
  build(revision: number): ChatSnapshot {
    const { conversations, presence, confirmingQuit, inspector } = this;
    return buildSnapshot({ revision, session: this.backend, conversations, presence, notice: this.notices.current, confirmingQuit, inspector });
  }
}

/**
 * The chat state, outside React: it listens to the session, makes text
 * terminal-safe, caps history, counts unread messages, and hands the UI an
 * immutable snapshot through `subscribe` / `getSnapshot`
 * (React's useSyncExternalStore). Listeners are notified at most once per
 * `notifyEveryMs`, so a burst of datagrams costs one render, not one per datagram.
 */
import { ERROR_CODES, GROUP_ALL, nameKey, type ChatMessage, type ErrorMessage } from '@udpchat/protocol';
import type { DeliveryState } from '../net/delivery/states.js';
import { formatEndpoint } from '@udpchat/net';
import { isFinal } from '../net/delivery/states.js';
import { SendError, type ChatSession } from '../net/session.js';
import { escapeControls } from '../text/sanitize.js';
import type { DatagramRecord } from '../net/transport.js';
import { burstTexts, COMMAND_HELP, openWarning, parseInput, resolveOpen, splitNotice } from './commands.js';
import { previewNotice, sentNotice, type Preview } from './notices.js';
import { Roster } from './roster.js';
import { splitText } from './split.js';
import type { ChatSnapshot, ContactRow, Conversation, ConversationEntry, InspectorMode, MessageEntry, Notice } from './types.js';

/** What the store needs of a session (a `ChatSession` is one). */
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
  /** The contacts known now, read once when the store is made after registration (optional for test backends). */
  Partial<Pick<ChatSession, 'contacts'>>;

/**
 * What `submit` asks the UI to do next: `done` (the line was handled: clear
 * the input), `quit`, or `kept` (refused, the reason is in the notice: keep
 * the text in the input so that nothing typed is lost).
 */
export type SubmitResult = 'done' | 'quit' | 'kept';

/** Where the notice came from: previews of unread messages, the sent-elsewhere feedback, or anything else. */
type NoticeSource = 'previews' | 'sent' | 'other';

const NAME_REFUSALS: ReadonlySet<string> = new Set([ERROR_CODES.NAME_TAKEN, ERROR_CODES.NAME_INVALID, ERROR_CODES.NAME_RESERVED]);

/** Options of `ChatStore`. */
export interface StoreOptions {
  /** Most entries kept per conversation (default 10,000). */
  maxEntries?: number;
  /** Shortest time between two notifications, in ms (default 33, about 30 frames/s). */
  notifyEveryMs?: number;
  /** Most datagrams the inspector keeps (default 1,000). */
  maxDatagrams?: number;
}


export class ChatStore {
  private readonly roster = new Roster();
  private readonly conversations = new Map<string, Conversation>();
  private readonly unread = new Map<string, number>();
  private readonly ownById = new Map<string, MessageEntry>();
  private openKey = GROUP_ALL;
  private notice: Notice | null = null;
  private noticeSource: NoticeSource = 'other';
  /** The latest unread message per conversation, in arrival order (`previewNotice`). */
  private readonly previews = new Map<string, Preview>();
  /** The message last sent to a conversation that was not open, for its `→ bob: text ✓✓` notice. */
  private sentElsewhere: { id: string; to: string; text: string } | null = null;
  /** True once the contact list arrived (after registration): until then "not online" cannot be known. */
  private contactsListed = false;
  /** The name last registered, to tell a rename from a re-registration. */
  private registeredName: string | null = null;
  /** The name asked for with `/name`, until the relay answers. */
  private pendingRename: string | null = null;
  private confirmingQuit = false;
  private revision = 0;
  private snapshot: ChatSnapshot;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private systemIds = 0;
  private everRegistered = false;
  private readonly maxEntries: number;
  private readonly notifyEveryMs: number;
  private readonly datagrams: DatagramRecord[] = [];
  private datagramTotal = 0;
  private inspectorMode: InspectorMode = 'off';
  private readonly maxDatagrams: number;

  constructor(
    private readonly backend: ChatBackend,
    options: StoreOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.notifyEveryMs = options.notifyEveryMs ?? 33;
    this.maxDatagrams = options.maxDatagrams ?? 1000;
    this.conversations.set(GROUP_ALL, { key: GROUP_ALL, title: GROUP_ALL, entries: [] });
    if (backend.registration === 'registered' && backend.contacts) {
      // Made after registration (tests, benchmarks): the session has had the contact list.
      this.roster.reset(backend.contacts());
      this.contactsListed = true;
      this.registeredName = backend.name;
      this.everRegistered = true;
    }
    this.snapshot = this.build();
    this.listen();
  }

  /** React's useSyncExternalStore subscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** React's useSyncExternalStore getSnapshot: the same object until something changes. */
  readonly getSnapshot = (): ChatSnapshot => this.snapshot;

  /** Opens the conversation `key` (`all` or a name key) and clears its unread count. */
  open(key: string): void {
    const row = this.snapshot.contacts.find((c) => c.key === key);
    const conversation = this.conversation(key, row?.name ?? key);
    const left = this.openKey;
    this.openKey = conversation.key;
    this.unread.delete(conversation.key);
    this.forgetEmpty(left);
    if (this.previews.delete(conversation.key) && this.noticeSource === 'previews') this.showPreviews();
    this.changed();
  }

  /**
   * Handles one line typed in the input: a message to the open conversation
   * or a command. Mistakes go to the notice, never throw.
   */
  submit(line: string): SubmitResult {
    const command = parseInput(line);
    switch (command.type) {
      case 'none':
        return 'done';
      case 'say':
        return this.sendText(this.openTarget(), command.text);
      case 'direct':
        return this.sendText(command.to, command.text);
      case 'open':
        this.openByName(command.name);
        return 'done';
      case 'rename':
        this.pendingRename = command.name;
        this.backend.rename(command.name);
        this.setNotice({ text: `registering as ${escapeControls(command.name)}…`, level: 'info' });
        return 'done';
      case 'who': {
        if (!this.contactsListed) {
          const why = this.backend.registration === 'registered' ? 'the contact list has not arrived yet' : 'not registered yet';
          this.system(this.openKey, `${why}: /who lists who is online once it has`);
          return 'done';
        }
        const names = this.roster.list().map((c) => escapeControls(c.name));
        this.system(this.openKey, `online: ${names.length ? names.join(', ') : 'nobody else'}`);
        return 'done';
      }
      case 'help':
        for (const text of COMMAND_HELP) this.system(this.openKey, text);
        return 'done';
      case 'burst': {
        const to = this.openTarget();
        for (const text of burstTexts(command.count, command.text)) if (!this.sendTo(to, text)) break;
        return 'done';
      }
      case 'datagrams':
        this.toggleInspector();
        return 'done';
      case 'retry':
        this.retry();
        return 'done';
      case 'empty':
        this.backend.sendEmpty();
        this.system(this.openKey, 'sent a 0-byte datagram to the relay: it is received and counted, not relayed (/datagrams shows it)');
        return 'done';
      case 'quit':
        return this.requestQuit();
      case 'invalid':
        this.setNotice({ text: command.message, level: 'error' });
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

  /**
   * Sends the failed messages of the open conversation again (as new
   * messages, in their order), replacing the failed entries.
   */
  retry(): void {
    const conversation = this.conversation(this.openKey);
    const failed = conversation.entries.filter(
      (e): e is MessageEntry => e.kind === 'message' && e.own && e.delivery?.state === 'failed',
    );
    if (failed.length === 0) {
      this.setNotice({ text: 'nothing to retry here', level: 'info' });
      return;
    }
    conversation.entries = conversation.entries.filter((e) => !failed.includes(e as MessageEntry));
    for (const entry of failed) this.sendTo(entry.to ?? conversation.title, entry.raw ?? entry.text);
    this.changed();
  }

  /** Cycles the datagram inspector: off -> beside the conversation -> whole right column -> off. */
  toggleInspector(): void {
    this.inspectorMode = this.inspectorMode === 'off' ? 'split' : this.inspectorMode === 'split' ? 'full' : 'off';
    this.changed();
  }

  /** Shows a notice in the status area. */
  setNotice(notice: Notice | null): void {
    this.notice = notice;
    this.noticeSource = 'other';
    this.changed();
  }

  /** Builds a new snapshot and notifies listeners now (tests; the UI waits for the throttle). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.snapshot = this.build();
    for (const listener of this.listeners) listener();
  }

  /** Stops notifying. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private listen(): void {
    const b = this.backend;
    b.watchDatagrams((record) => {
      this.datagrams.push(record);
      this.datagramTotal++;
      if (this.datagrams.length > this.maxDatagrams * 1.5) this.datagrams.splice(0, this.datagrams.length - this.maxDatagrams);
      if (this.inspectorMode !== 'off') this.changed();
    });
    b.on('registered', (w) => {
      const name = escapeControls(w.name);
      const renamed = this.registeredName !== null && this.registeredName !== w.name;
      this.relabelQueued(w.name);
      this.registeredName = w.name;
      this.pendingRename = null;
      if (renamed) {
        this.system(GROUP_ALL, `you are now ${name}`);
        this.setNotice({ text: `you are now ${name}`, level: 'info' });
        return;
      }
      this.system(GROUP_ALL, this.everRegistered ? `registered again as ${name}` : `registered as ${name} (${formatEndpoint(w)})`);
      const hosting = this.backend.hosting
        ? ` · no relay was answering on ${formatEndpoint(this.backend.relay)}, so this client hosts it`
        : '';
      this.setNotice({ text: `registered as ${name}${hosting}`, level: 'info' });
      this.everRegistered = true;
      this.changed();
    });
    b.on('contacts', (list) => {
      this.roster.reset(list);
      this.contactsListed = true;
      this.changed();
    });
    b.on('rename', (from, to) => this.contactRenamed(from, to));
    b.on('join', (c) => {
      this.roster.join(c);
      this.presenceLine(c.name, `${c.name} joined${c.type === 'plain' ? ' (plain-text peer)' : ''}`);
    });
    b.on('leave', (name, reason) => {
      this.roster.leave(name);
      this.presenceLine(name, `${name} left${reason === 'timeout' ? ' (no heartbeat for 15 s)' : ''}`);
    });
    b.on('chat', (m) => this.receive(m));
    b.on('delivery', (m, state) => {
      const entry = this.ownById.get(m.id);
      if (!entry) return;
      entry.delivery = state;
      if (isFinal(state)) this.ownById.delete(m.id);
      if (this.sentElsewhere?.id === m.id && this.noticeSource === 'sent') this.showSent(state);
      else if (state.state === 'failed') {
        const to = nameKey(m.to) === GROUP_ALL ? '' : ` to ${escapeControls(m.to)}`;
        this.setNotice({ text: `not delivered${to}: ${escapeControls(state.reason)} (/retry or Ctrl+R sends it again)`, level: 'error' });
      } else this.changed();
    });
    b.on('relay-error', (e) => this.relayError(e));
    b.on('status', (status) => {
      if (status === 'silent') this.setNotice({ text: 'relay not answering, retrying…', level: 'warning' });
      else if (status === 'answering' && this.notice?.level === 'warning') this.setNotice({ text: 'relay answering again', level: 'info' });
      else this.changed();
    });
    b.on('relay-bye', (reason) => {
      this.system(GROUP_ALL, `relay going away${reason ? `: ${escapeControls(reason)}` : ''}`, 'error');
      this.roster.reset([]);
    });
    b.on('hosting', () => this.setNotice({ text: 'the relay was gone: hosting it in this process now', level: 'info' }));
    b.on('socket-error', (err) => this.setNotice({ text: `socket: ${err.message}`, level: 'error' }));
  }

  /** Where a message typed in the open conversation goes: `all`, or the contact's name. */
  private openTarget(): string {
    return this.openKey === GROUP_ALL ? GROUP_ALL : this.conversation(this.openKey).title;
  }

  /**
   * Sends a typed text to `to`, split into several messages when it is over
   * MAX_TEXT_BYTES (split.ts). `kept` when nothing went out (the notice says why).
   */
  private sendText(to: string, text: string): SubmitResult {
    const parts = splitText(text);
    let sent = 0;
    for (const part of parts) {
      if (!this.sendTo(to, part)) break;
      sent++;
    }
    if (sent === 0) return 'kept';
    if (sent < parts.length) {
      const reason = this.notice?.text ?? 'refused';
      this.setNotice({ text: `sent ${sent} of ${parts.length} parts; the rest was refused: ${reason}`, level: 'error' });
    } else if (parts.length > 1) {
      this.setNotice({ text: splitNotice(parts.length), level: 'info' });
    }
    return 'done';
  }

  /**
   * Sends one message and shows it; false (with a notice) when the session refused it.
   * A name that is not online is sent to all the same: the relay refuses it for
   * that name (UNKNOWN_CONTACT) and the entry shows ✗; it never goes to `all`.
   */
  private sendTo(to: string, text: string): boolean {
    const isGroup = nameKey(to) === GROUP_ALL;
    let message: ChatMessage;
    try {
      message = this.backend.send(isGroup ? GROUP_ALL : (this.roster.get(to)?.name ?? this.conversations.get(nameKey(to))?.title ?? to), text);
    } catch (err) {
      if (err instanceof SendError) {
        this.setNotice({ text: err.message, level: 'error' });
        return false;
      }
      throw err;
    }
    const key = isGroup ? GROUP_ALL : nameKey(message.to);
    const entry: MessageEntry = {
      kind: 'message',
      id: message.id,
      from: this.backend.name,
      text: escapeControls(text),
      time: message.time,
      sentAt: message.time,
      own: true,
      // send() may already have sent it: the events before this entry existed said so.
      delivery: this.backend.registration === 'registered' && this.backend.status === 'answering' ? { state: 'sending' } : { state: 'queued' },
      raw: text,
      to: message.to,
    };
    this.ownById.set(entry.id, entry);
    this.append(this.conversation(key, message.to), entry);
    if (this.notice?.level === 'error') this.notice = null;
    if (key !== this.openKey) {
      // Sent from another conversation (`@bob text`): say so, and how far it got.
      this.sentElsewhere = { id: entry.id, to: escapeControls(message.to), text: entry.text };
      this.showSent(entry.delivery ?? { state: 'queued' });
    }
    this.changed();
    return true;
  }

  /** The `→ bob: text ✓✓` notice for `sentElsewhere` in delivery state `d`. */
  private showSent(d: DeliveryState): void {
    const sent = this.sentElsewhere;
    if (!sent) return;
    this.notice = { text: sentNotice(sent.to, sent.text, d), level: d.state === 'failed' ? 'error' : 'info' };
    this.noticeSource = 'sent';
    this.changed();
  }

  /** `/to NAME`: opens NAME's conversation whether or not NAME is online (commands.ts, `resolveOpen`). */
  private openByName(name: string): void {
    const target = resolveOpen(name, (n) => this.roster.get(n), this.contactsListed);
    if (target.kind === 'group') return this.open(GROUP_ALL);
    const key = nameKey(target.name);
    const existing = this.conversations.get(key);
    this.conversation(key, target.online || !existing ? escapeControls(target.name) : existing.title);
    this.open(key);
    const title = this.conversation(key).title;
    if (existing && target.listed && !target.online) {
      // A conversation kept from before they left: readable, and what is sent here fails for that name.
      this.setNotice({ text: `${title} is offline: messages sent here fail until ${title} is back`, level: 'warning' });
      return;
    }
    const warning = openWarning({ ...target, name: title });
    if (warning) this.setNotice({ text: warning, level: target.listed ? 'error' : 'warning' });
  }

  /** Drops the conversation `key` when it is empty and its contact is offline (a `/to` typo leaves nothing behind). */
  private forgetEmpty(key: string): void {
    if (key === GROUP_ALL || key === this.openKey) return;
    const conversation = this.conversations.get(key);
    if (conversation && conversation.entries.length === 0 && !this.roster.get(conversation.title)) this.conversations.delete(key);
  }

  private receive(m: ChatMessage): void {
    const from = escapeControls(m.from);
    const key = nameKey(m.to) === GROUP_ALL ? GROUP_ALL : nameKey(m.from);
    const conversation = this.conversation(key, from);
    // Shown at its arrival time (the local clock, like the system lines around it), not the sender's clock (`sentAt`).
    const text = escapeControls(m.text);
    this.append(conversation, { kind: 'message', id: m.id, from, text, time: Date.now(), sentAt: m.time, own: false, delivery: null });
    if (key !== this.openKey) {
      this.unread.set(key, (this.unread.get(key) ?? 0) + 1);
      // Like a QQ pop-up: a preview of a message that arrived elsewhere, until its conversation is opened.
      this.previews.delete(key);
      this.previews.set(key, { key, from, text });
      this.showPreviews();
    }
    this.changed();
  }

  /** Shows the unread previews (direct messages first), or clears the notice when none is left. */
  private showPreviews(): void {
    const text = previewNotice([...this.previews.values()]);
    this.notice = text ? { text, level: 'info' } : null;
    this.noticeSource = text ? 'previews' : 'other';
    this.changed();
  }

  private relayError(e: ErrorMessage): void {
    const text = escapeControls(e.message);
    if (NAME_REFUSALS.has(e.code)) {
      const asked = this.pendingRename;
      this.pendingRename = null;
      if (this.backend.registration === 'registered') {
        // A refused /name: still registered under the old name, nothing moves.
        const what = e.code === ERROR_CODES.NAME_TAKEN && asked ? `name ${escapeControls(asked)} is taken` : text;
        this.setNotice({ text: `${what}; you are still ${escapeControls(this.backend.name)}`, level: 'error' });
        return;
      }
      this.setNotice({ text: `${text}: pick another with /name NEWNAME`, level: 'error' });
      return;
    }
    // A refused message is already shown failed (✗) by its delivery event, with the sent notice if any.
    if (e.ref && e.code === ERROR_CODES.UNKNOWN_CONTACT && this.isOwnRef(e.ref)) return;
    this.setNotice({ text, level: 'error' });
  }

  /** True when `id` is an own message in the open conversation or the sent-elsewhere notice's. */
  private isOwnRef(id: string): boolean {
    if (this.sentElsewhere?.id === id) return true;
    return this.conversation(this.openKey).entries.some((e) => e.kind === 'message' && e.own && e.id === id);
  }

  /**
   * After (re-)registering as `name`: own messages still queued go out under
   * that name, so they are shown under it (entries are replaced, not mutated: the UI caches rows per entry).
   */
  private relabelQueued(name: string): void {
    const shown = escapeControls(name);
    for (const [id, entry] of this.ownById) {
      if (entry.delivery?.state !== 'queued' || entry.from === shown) continue;
      const relabelled: MessageEntry = { ...entry, from: shown };
      this.ownById.set(id, relabelled);
      const conversation = this.conversations.get(nameKey(entry.to ?? GROUP_ALL) === GROUP_ALL ? GROUP_ALL : nameKey(entry.to ?? ''));
      if (!conversation) continue;
      const index = conversation.entries.lastIndexOf(entry);
      if (index >= 0) conversation.entries[index] = relabelled;
    }
  }

  /** Another contact renamed: its direct conversation (history, unread, preview) moves to the new name. */
  private contactRenamed(from: string, to: string): void {
    const oldKey = nameKey(from);
    const newKey = nameKey(to);
    const type = this.roster.get(from)?.type ?? 'client';
    this.roster.leave(from);
    this.roster.join({ name: to, type });
    const shownTo = escapeControls(to);
    const moved = this.conversations.get(oldKey);
    if (moved) {
      const target = oldKey === newKey ? undefined : this.conversations.get(newKey);
      this.conversations.delete(oldKey);
      moved.key = newKey;
      moved.title = shownTo;
      if (target) moved.entries = [...target.entries, ...moved.entries].sort((a, b) => a.time - b.time);
      for (const e of moved.entries) if (e.kind === 'message' && e.own) e.to = to;
      this.conversations.set(newKey, moved);
      const unread = (this.unread.get(oldKey) ?? 0) + (oldKey === newKey ? 0 : (this.unread.get(newKey) ?? 0));
      this.unread.delete(oldKey);
      if (unread > 0) this.unread.set(newKey, unread);
      const preview = this.previews.get(oldKey);
      if (preview) {
        this.previews.delete(oldKey);
        this.previews.set(newKey, { ...preview, key: newKey, from: shownTo });
        if (this.noticeSource === 'previews') this.showPreviews();
      }
      if (this.openKey === oldKey) this.openKey = newKey;
    }
    this.presenceLine(to, `${from} is now ${to}`);
  }

  /** A join/leave line in `all` and in the contact's own conversation, if there is one. */
  private presenceLine(name: string, text: string): void {
    this.system(GROUP_ALL, escapeControls(text));
    const own = this.conversations.get(nameKey(name));
    if (own) this.system(own.key, escapeControls(text));
    this.changed();
  }

  private system(key: string, text: string, level: 'info' | 'error' = 'info'): void {
    const entry: ConversationEntry = { kind: 'system', id: `sys-${++this.systemIds}`, text, time: Date.now(), level };
    this.append(this.conversation(key), entry);
    this.changed();
  }

  private conversation(key: string, title?: string): Conversation {
    let conversation = this.conversations.get(key);
    if (!conversation) {
      conversation = { key, title: title ?? key, entries: [] };
      this.conversations.set(key, conversation);
    } else if (title && key !== GROUP_ALL) {
      conversation.title = title;
    }
    return conversation;
  }

  private append(conversation: Conversation, entry: ConversationEntry): void {
    conversation.entries.push(entry);
    // Trim in chunks of 10 %: one splice per many messages, not one O(n) splice per message.
    if (conversation.entries.length > this.maxEntries * 1.1) {
      conversation.entries.splice(0, conversation.entries.length - this.maxEntries);
    }
  }

  private changed(): void {
    this.revision++;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.notifyEveryMs);
  }

  private build(): ChatSnapshot {
    const open = this.conversations.get(this.openKey) ?? this.conversation(GROUP_ALL);
    const online = this.roster.list();
    const onlineKeys = new Set(online.map((c) => nameKey(c.name)));
    // Conversations with contacts who are offline stay listed (dimmed), after the online ones.
    const offline = [...this.conversations.values()]
      .filter((c) => c.key !== GROUP_ALL && !onlineKeys.has(c.key))
      .sort((a, b) => a.title.localeCompare(b.title));
    const contacts: ContactRow[] = [
      { key: GROUP_ALL, name: GROUP_ALL, type: 'group', unread: this.unread.get(GROUP_ALL) ?? 0, online: true },
      ...online.map((c) => ({
        key: nameKey(c.name),
        name: escapeControls(c.name),
        type: c.type,
        unread: this.unread.get(nameKey(c.name)) ?? 0,
        online: true,
      })),
      ...offline.map((c) => ({ key: c.key, name: c.title, type: 'client' as const, unread: this.unread.get(c.key) ?? 0, online: false })),
    ];
    const b = this.backend;
    return {
      revision: this.revision,
      self: { name: b.name, registration: b.registration, seenAs: b.seenAs },
      relay: {
        label: formatEndpoint(b.relay),
        status: b.status,
        hosting: b.hosting,
        hostedOthers: b.hostedOthers,
        simulation: b.simulation,
      },
      contacts,
      open: { ...open },
      openOnline: open.key === GROUP_ALL || this.roster.get(open.title) !== undefined,
      notice: this.notice,
      confirmingQuit: this.confirmingQuit,
      inspector: { mode: this.inspectorMode, records: this.datagrams.slice(-this.maxDatagrams), total: this.datagramTotal },
    };
  }
}

/**
 * The chat state, outside React: it listens to the session, makes text
 * terminal-safe, caps history, counts unread messages, and hands the UI an
 * immutable snapshot through `subscribe` / `getSnapshot`
 * (React's useSyncExternalStore). Listeners are notified at most once per
 * `notifyEveryMs`, so a burst of datagrams costs one render, not one per datagram.
 */
import { GROUP_ALL, nameKey, type ChatMessage, type ErrorMessage } from '@udpchat/protocol';
import { isFinal } from '../net/delivery/states.js';
import { SendError, type ChatSession } from '../net/session.js';
import { escapeControls } from '../text/sanitize.js';
import type { DatagramRecord } from '../net/transport.js';
import { burstTexts, COMMAND_HELP, parseInput } from './commands.js';
import { Roster } from './roster.js';
import type { ChatSnapshot, Conversation, ConversationEntry, InspectorMode, MessageEntry, Notice } from './types.js';

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
>;

/** What `submit` asks the UI to do next. */
export type SubmitResult = 'done' | 'quit' | 'kept';

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
    this.openKey = conversation.key;
    this.unread.delete(conversation.key);
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
        this.sendTo(this.openKey === GROUP_ALL ? GROUP_ALL : this.conversation(this.openKey).title, command.text);
        return 'done';
      case 'direct':
        this.sendTo(command.to, command.text);
        return 'done';
      case 'open':
        this.openByName(command.name);
        return 'done';
      case 'rename':
        this.backend.rename(command.name);
        this.setNotice({ text: `registering as ${escapeControls(command.name)}…`, level: 'info' });
        return 'done';
      case 'who': {
        const names = this.roster.list().map((c) => c.name);
        this.system(this.openKey, `online: ${names.length ? names.join(', ') : 'nobody else'}`);
        return 'done';
      }
      case 'help':
        for (const text of COMMAND_HELP) this.system(this.openKey, text);
        return 'done';
      case 'burst': {
        const to = this.openKey === GROUP_ALL ? GROUP_ALL : this.conversation(this.openKey).title;
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
        return 'done';
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
      this.system(GROUP_ALL, this.everRegistered ? `registered again as ${w.name}` : `registered as ${w.name} (${w.address}:${w.port})`);
      const hosting = this.backend.hosting
        ? ` · no relay was answering on ${this.backend.relay.address}:${this.backend.relay.port}, so this client hosts it`
        : '';
      this.setNotice({ text: `registered as ${w.name}${hosting}`, level: 'info' });
      this.everRegistered = true;
      this.changed();
    });
    b.on('contacts', (list) => {
      this.roster.reset(list);
      this.changed();
    });
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
      if (state.state === 'failed') this.setNotice({ text: `not delivered: ${escapeControls(state.reason)} (/retry or Ctrl+R sends it again)`, level: 'error' });
      else this.changed();
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

  /** Sends one message and shows it; false (with a notice) when it was refused. */
  private sendTo(to: string, text: string): boolean {
    const isGroup = nameKey(to) === GROUP_ALL;
    if (!isGroup && !this.roster.get(to) && this.backend.registration === 'registered') {
      this.setNotice({ text: `${escapeControls(to)} is not online`, level: 'error' });
      return false;
    }
    let message: ChatMessage;
    try {
      message = this.backend.send(isGroup ? GROUP_ALL : (this.roster.get(to)?.name ?? to), text);
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
      own: true,
      // send() may already have sent it: the events before this entry existed said so.
      delivery: this.backend.registration === 'registered' && this.backend.status === 'answering' ? { state: 'sending' } : { state: 'queued' },
      raw: text,
      to: message.to,
    };
    this.ownById.set(entry.id, entry);
    this.append(this.conversation(key, message.to), entry);
    if (this.notice?.level === 'error') this.notice = null;
    this.changed();
    return true;
  }

  private openByName(name: string): void {
    if (nameKey(name) === GROUP_ALL) return this.open(GROUP_ALL);
    const contact = this.roster.get(name);
    if (!contact) {
      this.setNotice({ text: `${escapeControls(name)} is not online: /who lists who is`, level: 'error' });
      return;
    }
    this.conversation(nameKey(contact.name), contact.name);
    this.open(nameKey(contact.name));
  }

  private receive(m: ChatMessage): void {
    const from = escapeControls(m.from);
    const key = nameKey(m.to) === GROUP_ALL ? GROUP_ALL : nameKey(m.from);
    const conversation = this.conversation(key, from);
    this.append(conversation, { kind: 'message', id: m.id, from, text: escapeControls(m.text), time: m.time, own: false, delivery: null });
    if (key !== this.openKey) {
      this.unread.set(key, (this.unread.get(key) ?? 0) + 1);
      // Like a QQ pop-up: a preview of a message that arrived elsewhere.
      const where = key === GROUP_ALL ? `${from} in all` : from;
      const hint = key === GROUP_ALL ? '/to all' : `/to ${from}`;
      this.notice = { text: `${where}: ${escapeControls(m.text)}  (${hint} to read)`, level: 'info' };
    }
    this.changed();
  }

  private relayError(e: ErrorMessage): void {
    const text = escapeControls(e.message);
    if (e.code === 'NAME_TAKEN' || e.code === 'NAME_INVALID' || e.code === 'NAME_RESERVED') {
      this.setNotice({ text: `${text}: pick another with /name NEWNAME`, level: 'error' });
      return;
    }
    this.setNotice({ text, level: 'error' });
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
    const contacts = [
      { key: GROUP_ALL, name: GROUP_ALL, type: 'group' as const, unread: this.unread.get(GROUP_ALL) ?? 0 },
      ...this.roster.list().map((c) => ({
        key: nameKey(c.name),
        name: escapeControls(c.name),
        type: c.type,
        unread: this.unread.get(nameKey(c.name)) ?? 0,
      })),
    ];
    const b = this.backend;
    return {
      revision: this.revision,
      self: { name: b.name, registration: b.registration, seenAs: b.seenAs },
      relay: {
        label: `${b.relay.address}:${b.relay.port}`,
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

/**
 * What a typed line means, shared by the full-screen UI and line mode.
 * Commands start with `/`; `@NAME text` sends one direct message; anything
 * else is a message to the open conversation.
 */
import { GROUP_ALL, MAX_TEXT_BYTES, nameKey } from '@udpchat/protocol';
import { keyHelpRows, keysOfSlash } from '../keys/keyBindings.js';
import { alignColumns } from '../text/table.js';

/** A parsed input line. */
export type InputCommand =
  | { type: 'say'; text: string }
  | { type: 'direct'; to: string; text: string }
  | { type: 'open'; name: string }
  | { type: 'rename'; name: string }
  | { type: 'who' }
  | { type: 'burst'; count: number; text: string }
  | { type: 'datagrams' }
  | { type: 'empty' }
  | { type: 'retry' }
  | { type: 'search'; text: string }
  | { type: 'help' }
  | { type: 'quit' }
  | { type: 'none' }
  | { type: 'invalid'; message: string };

/**
 * Where `/to NAME` goes, the same in the TUI and line mode. The rule (issue 10):
 * the target always becomes NAME, whether or not NAME is online or the
 * contact list has arrived; a message to a name that is not online then fails
 * for that name (the relay answers UNKNOWN_CONTACT) and never goes to `all`.
 */
export type OpenTarget =
  /** The group. */
  | { kind: 'group' }
  /**
   * A contact: `name` spelled as the relay lists it when online, else as typed;
   * `online` per the contact list; `listed` false while the contact list has not arrived.
   */
  | { kind: 'contact'; name: string; online: boolean; listed: boolean };

/**
 * Resolves `/to NAME` against the contact list.
 * @param lookup the online contact with this name (any case), if any.
 * @param listed whether the contact list has arrived since registration.
 */
export function resolveOpen(name: string, lookup: (name: string) => { name: string } | undefined, listed: boolean): OpenTarget {
  if (nameKey(name) === GROUP_ALL) return { kind: 'group' };
  const contact = lookup(name);
  return { kind: 'contact', name: contact?.name ?? name, online: contact !== undefined, listed };
}

/** What to tell the user about a `/to` target that is not online (empty for an online one or the group). */
export function openWarning(target: OpenTarget): string {
  if (target.kind === 'group' || target.online) return '';
  return target.listed
    ? `${target.name} is not online: messages to ${target.name} fail until they are (/who lists who is)`
    : `the contact list has not arrived yet: messages go to ${target.name} (and fail if ${target.name} is not online)`;
}

/** The notice after a long text went out in several messages (see split.ts). */
export function splitNotice(parts: number): string {
  return `sent as ${parts} messages (over ${MAX_TEXT_BYTES} bytes)`;
}

/** Most messages one `/burst` sends. */
export const MAX_BURST = 10_000;

/** The texts of a `/burst`: `text 1/N` … `text N/N`, in order. */
export function burstTexts(count: number, text: string): string[] {
  return Array.from({ length: count }, (_, i) => `${text} ${i + 1}/${count}`);
}

/** `text`, with `(also KEYS)` when a key binding does what `slash` does. */
function alsoKeys(slash: string, text: string): string {
  const keys = keysOfSlash(slash);
  return keys ? `${text} (also ${keys})` : text;
}

/**
 * One line per command, for `/help`, then one per key (from the key map in
 * keys/keyBindings.ts), each block aligned on its own.
 */
export const COMMAND_HELP: readonly string[] = [
  ...alignColumns([
    ['/to NAME', 'open the conversation with NAME, online or not (/to all: the group)'],
    ['@NAME text', 'send one direct message without switching'],
    ['/msg NAME text', 'the same'],
    ['/who', 'list who is online'],
    ['/burst N [text]', 'send N numbered messages back to back, one datagram each'],
    ['/datagrams', alsoKeys('/datagrams', 'datagram inspector: show, enlarge, hide')],
    ['/empty', 'send a 0-byte datagram to the relay (it is still a datagram)'],
    ['/retry', alsoKeys('/retry', 'send the failed messages of this conversation again')],
    ['/search TEXT', 'find TEXT in this conversation\'s history (/search alone: the next older match; Esc leaves)'],
    ['/name NEW', 'rename yourself (others see the rename; a taken name keeps yours)'],
    ['/help', 'this list'],
    ['//text', 'send a message that starts with /'],
    ['/quit', alsoKeys('/quit', 'leave')],
  ]),
  ...alignColumns(keyHelpRows()),
];

/**
 * Parses one input line. Never throws: mistakes come back as `invalid`
 * with a one-line message for the status line.
 */
export function parseInput(line: string): InputCommand {
  const trimmed = line.trim();
  if (trimmed === '') return { type: 'none' };
  if (trimmed.startsWith('@')) {
    const match = /^@(\S+)\s+([\s\S]+)$/.exec(trimmed);
    if (!match) return { type: 'invalid', message: 'usage: @NAME text' };
    return { type: 'direct', to: match[1] ?? '', text: match[2] ?? '' };
  }
  if (trimmed.startsWith('//')) return { type: 'say', text: trimmed.slice(1) };
  if (!trimmed.startsWith('/')) return { type: 'say', text: trimmed };
  const [command = '', ...rest] = trimmed.split(/\s+/);
  const arg = trimmed.slice(command.length).trim();
  switch (command.toLowerCase()) {
    case '/to':
    case '/open':
      return rest.length === 1 ? { type: 'open', name: arg } : { type: 'invalid', message: 'usage: /to NAME' };
    case '/msg': {
      const match = /^(\S+)\s+([\s\S]+)$/.exec(arg);
      return match
        ? { type: 'direct', to: match[1] ?? '', text: match[2] ?? '' }
        : { type: 'invalid', message: 'usage: /msg NAME text' };
    }
    case '/name':
      return rest.length === 1 ? { type: 'rename', name: arg } : { type: 'invalid', message: 'usage: /name NEWNAME' };
    case '/who':
      return { type: 'who' };
    case '/burst': {
      const match = /^(\d+)(?:\s+([\s\S]+))?$/.exec(arg);
      const count = Number(match?.[1]);
      if (!match || !Number.isInteger(count) || count < 1 || count > MAX_BURST) {
        return { type: 'invalid', message: `usage: /burst N [text], N from 1 to ${MAX_BURST}` };
      }
      return { type: 'burst', count, text: match[2] ?? 'burst' };
    }
    case '/datagrams':
    case '/inspector':
      return { type: 'datagrams' };
    case '/empty':
      return { type: 'empty' };
    case '/retry':
      return { type: 'retry' };
    case '/search':
    case '/find':
      return { type: 'search', text: arg };
    case '/help':
    case '/?':
      return { type: 'help' };
    case '/quit':
    case '/exit':
    case '/q':
      return { type: 'quit' };
    default:
      return { type: 'invalid', message: `unknown command ${command}: /help lists the commands` };
  }
}

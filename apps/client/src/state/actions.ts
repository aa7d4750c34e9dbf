/**
 * What a typed line asks for, decided once for the full-screen UI and line
 * mode: `actionFor` turns a parsed line (commands.ts) into one action, with
 * the targets resolved against the presence (presence.ts), the burst's texts
 * made and `/who` answered. Pure: each front end then carries the action out
 * its own way (the store into conversations and notices, line mode into
 * printed events).
 */
import type { RegistrationState } from '../net/session.js';
import { burstTexts, COMMAND_HELP, parseInput, resolveOpen, type InputCommand, type OpenTarget } from './commands.js';
import { notListedReason, type Presence } from './presence.js';

/** One thing to do for a typed line. Names and texts are as typed or as the relay lists them (not yet terminal-safe). */
export type ChatAction =
  /** Nothing (an empty line). */
  | { type: 'none' }
  /** Send a typed text to `to` (`all` or a name), split when long (split.ts). */
  | { type: 'send'; to: string; text: string }
  /** Send these texts to `to`, one message each, stopping at the first refused. */
  | { type: 'burst'; to: string; texts: string[] }
  /** Make `target` where typed text goes (`/to`). */
  | { type: 'open'; target: OpenTarget }
  /** Ask the relay for this name. */
  | { type: 'rename'; name: string }
  /** Who is online (names in name order), or why that is not known yet. */
  | { type: 'who'; names: string[] }
  | { type: 'whoUnknown'; reason: string }
  /** The datagram inspector: show or hide it. */
  | { type: 'datagrams' }
  /** Send the failed messages again. */
  | { type: 'retry' }
  /** Find `text` in the open conversation's history (empty: the next match of the last search). */
  | { type: 'search'; text: string }
  /** Send a 0-byte datagram to the relay. */
  | { type: 'empty' }
  /** Show these help lines. */
  | { type: 'help'; lines: readonly string[] }
  /** Leave. */
  | { type: 'quit' }
  /** A mistake: tell the user `message`, run nothing. */
  | { type: 'invalid'; message: string };

/** What an action is decided from. */
export interface ActionContext {
  /** Where typed text goes now: `all` or a contact's name. */
  target: string;
  /** Who is online, and whether the contact list has arrived. */
  presence: Presence;
  /** The session's registration, for why `/who` cannot answer. */
  registration: RegistrationState;
}

/** Whether the answer to `command` depends on the contact list (line mode waits for it first). */
export function needsContactList(command: InputCommand): boolean {
  return command.type === 'open' || command.type === 'who';
}

/** The action for one parsed line. */
export function actionFor(command: InputCommand, ctx: ActionContext): ChatAction {
  switch (command.type) {
    case 'say':
      return { type: 'send', to: ctx.target, text: command.text };
    case 'direct':
      return { type: 'send', to: command.to, text: command.text };
    case 'open':
      return { type: 'open', target: resolveOpen(command.name, (n) => ctx.presence.get(n), ctx.presence.listed) };
    case 'who':
      return ctx.presence.listed
        ? { type: 'who', names: ctx.presence.list().map((c) => c.name) }
        : { type: 'whoUnknown', reason: notListedReason(ctx.registration) };
    case 'burst':
      return { type: 'burst', to: ctx.target, texts: burstTexts(command.count, command.text) };
    case 'help':
      return { type: 'help', lines: COMMAND_HELP };
    case 'rename':
    case 'invalid':
    case 'none':
    case 'datagrams':
    case 'retry':
    case 'search':
    case 'empty':
    case 'quit':
      return command;
  }
}

/** `actionFor(parseInput(line), ctx)`. */
export function actionForLine(line: string, ctx: ActionContext): ChatAction {
  return actionFor(parseInput(line), ctx);
}

/**
 * What a typed line means, shared by the full-screen UI and line mode.
 * Commands start with `/`; `@NAME text` sends one direct message; anything
 * else is a message to the open conversation.
 */

/** A parsed input line. */
export type InputCommand =
  | { type: 'say'; text: string }
  | { type: 'direct'; to: string; text: string }
  | { type: 'open'; name: string }
  | { type: 'rename'; name: string }
  | { type: 'who' }
  | { type: 'help' }
  | { type: 'quit' }
  | { type: 'none' }
  | { type: 'invalid'; message: string };

/** One line per command, for `/help`. */
export const COMMAND_HELP: readonly string[] = [
  '/to NAME        open the conversation with NAME (or /to all for the group)',
  '@NAME text      send one direct message without switching',
  '/msg NAME text  the same',
  '/who            list who is online',
  '/name NEW       register again under another name',
  '/help           this list',
  '//text          send a message that starts with /',
  '/quit           leave (also Ctrl+C)',
  'Tab: contacts ⇄ input · ↑/↓ pick · Enter open · PgUp/PgDn scroll',
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

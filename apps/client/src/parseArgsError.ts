/** Turns node:util parseArgs errors into the one-line reasons our command lines print. */

/** One line from a parseArgs error (its messages are long and multi-line). */
export function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const flag = /'(-{1,2}[^'\s]+)/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take/.test(e.message ?? '')
        ? `${flag ?? 'a flag'} does not take a value`
        : `${flag ?? 'a flag'} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']+)'/.exec(e.message ?? '')?.[1] ?? ''}`.trim();
    default:
      return (e.message ?? String(err)).split('\n')[0] ?? 'bad arguments';
  }
}

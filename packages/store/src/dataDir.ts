/**
 * Where udpchat keeps its files, per the XDG Base Directory Specification
 * (https://specifications.freedesktop.org/basedir-spec/latest/):
 * - the client's data (identity keys, chat history): `$XDG_DATA_HOME/udpchat`,
 *   else `~/.local/share/udpchat`;
 * - the relay's state (name bindings, offline messages): `$XDG_STATE_HOME/udpchat`,
 *   else `~/.local/state/udpchat`.
 * A relative or empty XDG variable is ignored, as the specification says.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Which XDG base directory: `data` (client) or `state` (relay). */
export type DirKind = 'data' | 'state';

const XDG: Record<DirKind, { variable: string; fallback: readonly string[] }> = {
  data: { variable: 'XDG_DATA_HOME', fallback: ['.local', 'share'] },
  state: { variable: 'XDG_STATE_HOME', fallback: ['.local', 'state'] },
};

/**
 * The udpchat folder for `kind`: `override` (a `--data-dir DIR` flag, made
 * absolute against the working directory) when given, else the XDG default.
 * Does not create it (see `openStore`, which does).
 */
export function resolveDataDir(kind: DirKind, override: string | null = null, env: NodeJS.ProcessEnv = process.env): string {
  if (override !== null) return resolve(override);
  const { variable, fallback } = XDG[kind];
  const base = env[variable];
  if (base && isAbsolute(base)) return join(base, 'udpchat');
  return join(homedir(), ...fallback, 'udpchat');
}

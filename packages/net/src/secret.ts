/**
 * Loading the shared secret (PROTOCOL.md §3.2, §6.2) from `--secret-file
 * PATH` or the UDPCHAT_SECRET environment variable, for the relay's CLI and
 * for clients.
 */
import { readFileSync } from 'node:fs';
import { createAuthKey, secretProblem, type AuthKey } from '@udpchat/protocol';

/** The environment variable that holds the shared secret when no secret file is given. */
export const SECRET_ENV = 'UDPCHAT_SECRET';

/** Where `loadSecret` looks. */
export interface SecretSource {
  /** Path of a secret file (`--secret-file`); wins over `env`. */
  file?: string | undefined;
  /** Value of UDPCHAT_SECRET (e.g. `process.env.UDPCHAT_SECRET`); an empty value counts as unset. */
  env?: string | undefined;
}

/** A loaded secret, ready for `startRelay({secret})` / `encode(m, {auth})`. */
export interface LoadedSecret {
  /** The secret as an AuthKey (never printed or logged). */
  key: AuthKey;
  /** Where it came from, for logs and messages: `file /path/to/secret` or `UDPCHAT_SECRET`. Never the secret itself. */
  source: string;
}

/** Why `loadSecret` could not load a secret: one line, naming the file or variable, never the secret. */
export interface SecretError {
  error: string;
}

/** The bytes of a secret file without ONE trailing "\n" or "\r\n" (what `echo secret > file` adds). */
export function stripOneNewline(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  if (n >= 2 && bytes[n - 2] === 0x0d && bytes[n - 1] === 0x0a) return bytes.subarray(0, n - 2);
  if (n >= 1 && bytes[n - 1] === 0x0a) return bytes.subarray(0, n - 1);
  return bytes;
}

/**
 * Loads the shared secret: the file when `file` is given (its bytes, minus
 * one trailing newline), else `env` when it is non-empty (its UTF-8 bytes,
 * as they are), else none.
 * @returns the key and its source; `{error}` when the file cannot be read or
 *   the secret is shorter than 8 bytes (`secretProblem`), e.g.
 *   "cannot read the secret file /x: no such file (ENOENT)"; null when no secret is configured.
 */
export function loadSecret(source: SecretSource): LoadedSecret | SecretError | null {
  if (source.file !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = stripOneNewline(readFileSync(source.file));
    } catch (err) {
      return { error: `cannot read the secret file ${source.file}: ${describeFsError(err)}` };
    }
    const problem = secretProblem(bytes);
    if (problem !== undefined) return { error: `${problem} (secret file ${source.file})` };
    return { key: createAuthKey(bytes), source: `file ${source.file}` };
  }
  if (source.env !== undefined && source.env !== '') {
    const bytes = Buffer.from(source.env, 'utf8');
    const problem = secretProblem(bytes);
    if (problem !== undefined) return { error: `${problem} (${SECRET_ENV})` };
    return { key: createAuthKey(bytes), source: SECRET_ENV };
  }
  return null;
}

function describeFsError(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'it is a directory (EISDIR)';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

/**
 * `udpchat-relay names list|release NAME [--data-dir DIR]`: the operator's
 * view of the reserved names in a relay's store (PROTOCOL.md §6.5). Works on
 * the store file of a stopped relay (a running one owns it: LOCKED, with its pid).
 * Exit codes: 0 done, 1 an unknown name or a store that cannot be opened, 2 a usage mistake.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeNameProblem, nameKey, nameProblem } from '@udpchat/protocol';
import { StoreError } from '@udpchat/store';
import { openRelayStore, type RelayStore } from '../store/relayStore.js';
import { PROGRAM, relayStoreFile, USAGE } from './cli.js';

/** Where the command writes: stdout and stderr by default. */
export interface NamesOutput {
  out(line: string): void;
  err(line: string): void;
}

const STD: NamesOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function usage(io: NamesOutput, why: string): number {
  io.err(`${PROGRAM}: ${why}\n${USAGE}`);
  return 2;
}

/** The bindings as a table: name, bound since (UTC), key fingerprint (first 16 hex digits), stored messages. */
function list(io: NamesOutput, store: RelayStore): number {
  const bindings = store.bindings();
  if (bindings.length === 0) {
    io.out(`no reserved names in ${store.file}`);
    return 0;
  }
  io.out(`${'name'.padEnd(24)} ${'bound since (UTC)'.padEnd(20)} ${'key'.padEnd(16)} stored`);
  for (const b of bindings) {
    const since = new Date(b.boundAt).toISOString().slice(0, 19).replace('T', ' ');
    const key = Buffer.from(b.publicKey).toString('hex').slice(0, 16);
    io.out(`${b.name.padEnd(24)} ${since.padEnd(20)} ${key.padEnd(16)} ${store.usage(b.key).count}`);
  }
  io.out(`${bindings.length} reserved name${bindings.length === 1 ? '' : 's'} in ${store.file}`);
  return 0;
}

/**
 * Runs `names …` with the arguments after `names`.
 * @returns the exit code.
 */
export function runNames(argv: readonly string[], io: NamesOutput = STD): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { 'data-dir': { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (err) {
    return usage(io, (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'bad arguments');
  }
  const [action, name, ...rest] = parsed.positionals;
  if (parsed.values['data-dir'] === '') return usage(io, '--data-dir needs a folder');
  if (action !== 'list' && action !== 'release') return usage(io, `names needs list or release NAME${action ? ` (got ${JSON.stringify(action)})` : ''}`);
  if (action === 'list' && name !== undefined) return usage(io, `names list takes no NAME (got ${JSON.stringify(name)})`);
  if (action === 'release' && name === undefined) return usage(io, 'names release needs a NAME');
  if (rest.length > 0) return usage(io, `unexpected argument ${JSON.stringify(rest[0])}`);
  if (name !== undefined) {
    const problem = nameProblem(name);
    if (problem) return usage(io, `names release: ${describeNameProblem(name, problem)}`);
  }
  const file = relayStoreFile(parsed.values['data-dir'] ?? null);
  if (!existsSync(file)) {
    if (action === 'list') io.out(`no reserved names (no store at ${file})`);
    else io.err(`${PROGRAM}: the name ${name} is not reserved (no store at ${file})`);
    return action === 'list' ? 0 : 1;
  }
  let store: RelayStore;
  try {
    store = openRelayStore(file);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    io.err(`${PROGRAM}: ${err.message}${err.code === 'LOCKED' ? ' (stop the relay first)' : ''}`);
    return 1;
  }
  try {
    if (action === 'list') return list(io, store);
    const binding = store.binding(nameKey(name as string));
    const stored = binding ? store.usage(binding.key).count : 0;
    if (!binding || !store.release(binding.key)) {
      io.err(`${PROGRAM}: the name ${name} is not reserved in ${store.file}`);
      return 1;
    }
    io.out(`released ${binding.name}${stored > 0 ? ` (and deleted ${stored} stored message${stored === 1 ? '' : 's'})` : ''}: the next client to register it binds it to its key`);
    return 0;
  } finally {
    store.close();
  }
}

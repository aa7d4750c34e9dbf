/**
 * The forked helpers' side of the IPC layer (children.ts `Helper` is the
 * benchmark's side): answer each request with a reply of the same `id`,
 * turn a failure into a `failed` reply, handle `stop`, and exit when the
 * benchmark goes away.
 */
import type { ControlReply } from './ipc.js';

/** What a helper plugs into `serve`. */
export interface ServeOptions<Req extends { readonly id: number; readonly cmd: string }, Rep> {
  /** Answers one request other than `stop`; a throw (or rejection) is answered `failed` with its message. */
  readonly handle: (req: Exclude<Req, { readonly cmd: 'stop' }>) => Rep | Promise<Rep>;
  /** Closes the helper's sockets and timers; may be called more than once. */
  readonly close: () => void;
  /** Called, before `close`, when the benchmark went away without sending `stop`. */
  readonly orphaned?: () => void;
}

/**
 * Starts answering the requests of the parent process. `stop` closes the
 * helper (`close`), is answered `stopped`, and disconnects; a disconnect
 * (a stop, or the benchmark ending without one) exits the process.
 * @returns the function that sends a message to the parent (for the unsolicited `ready`).
 */
export function serve<Req extends { readonly id: number; readonly cmd: string }, Rep>(options: ServeOptions<Req, Rep>): (reply: Rep) => void {
  let stopping = false;
  const send = (reply: Rep | ControlReply): void => {
    process.send?.(reply);
  };
  const answer = async (req: Req): Promise<void> => {
    try {
      if (req.cmd === 'stop') {
        stopping = true;
        options.close();
        send({ type: 'stopped', id: req.id });
        process.disconnect?.();
        return;
      }
      send(await options.handle(req as Exclude<Req, { readonly cmd: 'stop' }>));
    } catch (err) {
      send({ type: 'failed', id: req.id, message: err instanceof Error ? err.message : String(err) });
    }
  };
  process.on('disconnect', () => {
    if (!stopping) options.orphaned?.();
    options.close();
    process.exit(0);
  });
  process.on('message', (req: Req) => void answer(req));
  return send;
}

/**
 * An IPv6 relay: every address:port the client shows has the address in
 * brackets (`[::1]:8081`), as @udpchat/net's formatEndpoint writes it and
 * `--server` reads it.
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '@udpchat/server';
import { ChatSession } from '../src/net/session.js';
import { ChatStore } from '../src/state/store.js';
import { StatusLine } from '../src/ui/components/StatusLine.js';
import { runInProcess, stopInProcess } from './helpers/inProcess.js';
import { killAll } from './helpers/processes.js';
import { until } from './helpers/wait.js';
import { plain } from './helpers/frames.js';


describe('a client of an IPv6 relay writes IPv6 endpoints in brackets', () => {
  let relay: Relay;
  beforeEach(async () => {
    relay = await startRelay({ host: '::1', port: 0 });
  });
  afterEach(async () => {
    cleanup();
    await stopInProcess();
    killAll(); // the in-process clients' temp folders
    await relay.stop();
  });

  it('in the full-screen client: the status line and the "registered as" line', async () => {
    const session = await ChatSession.open({ host: '::1', port: relay.address.port, name: 'alice', autoHost: false });
    const store = new ChatStore(session, { notifyEveryMs: 5 });
    try {
      session.start();
      const snapshot = await until(() => {
        const s = store.getSnapshot();
        return s.self.registration === 'registered' && s;
      }, 'alice to register');
      expect(snapshot.relay.label).toBe(`[::1]:${relay.address.port}`);
      const seenAs = session.seenAs;
      expect(seenAs?.address).toBe('::1');
      const system = snapshot.open.entries.filter((e) => e.kind === 'system').map((e) => e.text);
      expect(system).toContain(`registered as alice ([::1]:${seenAs?.port})`);
      const { lastFrame } = render(<StatusLine self={snapshot.self} relay={snapshot.relay} width={120} simulation={null} />);
      expect(plain(lastFrame())).toContain(`alice @ [::1]:${seenAs?.port} · relay [::1]:${relay.address.port}`);
    } finally {
      store.dispose();
      await session.close();
    }
  });

  it('in line mode (the program in this process): --server [::1]:PORT, and the registered line names both endpoints in brackets', async () => {
    const port = relay.address.port;
    const bob = runInProcess(['--server', `[::1]:${port}`, '--name', 'bob', '--plain', '--no-host']);
    const line = await bob.out.waitFor(/\* registered as bob/);
    expect(line).toMatch(new RegExp(`\\* registered as bob \\(\\[::1\\]:\\d+\\) at relay \\[::1\\]:${port}$`));
  });
});

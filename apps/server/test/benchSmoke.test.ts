/**
 * Smoke test of `pnpm bench` (apps/server/bench): every case runs for a
 * fraction of a second against the real relay program, and the JSON on the
 * last line has the numbers BENCHMARKS.md reports. Not a measurement: the
 * durations are far too short (and other tests run at the same time).
 * Also: the datagrams the load generator builds in place (bench/wire.ts)
 * are byte for byte what the codec encodes, token and auth trailer included.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createAuthKey, decodeDatagram, encode, verifyAuth } from '@udpchat/protocol';
import { describe, expect, it } from 'vitest';
import { AckBuilder, ChatTemplate, chatSeq, isSigned, parseAck, Signer, type AckView } from '../bench/wire.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../bench-bin/bench.js', import.meta.url));

interface Case {
  datagramsPerSec: number;
  messagesPerSec: number;
  latency: { samples: number; p50Us: number; p99Us: number; p999Us: number } | null;
  cpuPercent: number | null;
  peakRssMB: number | null;
  throughputRun: { errors: number; corrupt: number; retransmissions: number; authChecked: number; authFailed: number };
  relayStats: { sendErrors?: number; unauthenticated?: number; rateLimited?: number; malformed?: number; dropped?: Record<string, number> } | null;
  crowd: { contacts: number; contactsListed: number; errors: number; idle: { relayCpuPercent: number; heartbeatAcksPerSec: number } } | null;
}

describe('pnpm bench', () => {
  it('runs every case briefly and prints the JSON report on its last line', async () => {
    // `pnpm test` builds the bench project first (tsc -b; a bare `vitest run` needs `pnpm build` before).
    // The cases that make the issue-12 ratios and the crowd; bareAck and loss are the same programs with a flag.
    const args = ['--json', '--warmup', '0', '--duration', '0.2', '--latency', '0.2', '--idle', '0.5', '--contacts', '30', '--clients', '10', '--rto', '50', '--no-presence', '--cases', 'bare,relay,contacts,secret'];
    const { stdout } = await run(process.execPath, [LAUNCHER, ...args], { cwd: ROOT, timeout: 80_000 });
    const lines = stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] ?? '') as {
      cases: Record<string, Case>;
      ratios: Record<string, number | null>;
      targets: Array<{ name: string; met: boolean | null }>;
      secret: string;
    };
    expect(Object.keys(report.cases)).toEqual(['bare', 'relay', 'contacts', 'secret']);
    for (const c of Object.values(report.cases)) {
      expect(c.datagramsPerSec).toBeGreaterThan(0);
      expect(c.messagesPerSec).toBeGreaterThan(0);
      expect(c.throughputRun.errors).toBe(0);
      expect(c.throughputRun.corrupt).toBe(0);
      expect(c.peakRssMB).toBeGreaterThan(0);
    }
    for (const name of ['bare', 'relay', 'contacts', 'secret']) {
      expect(report.cases[name]?.latency?.samples).toBeGreaterThan(0);
      expect(report.cases[name]?.latency?.p99Us).toBeGreaterThan(0);
    }
    // The relay's own counters, from its 'relay stopped' log line: no send failed, nothing refused —
    // every datagram carried its token (and, with the secret, a valid trailer), none was rate-limited.
    for (const name of ['relay', 'contacts', 'secret']) {
      expect(report.cases[name]?.relayStats).toMatchObject({ sendErrors: 0, unauthenticated: 0, rateLimited: 0, malformed: 0 });
    }
    // Shared secret: the relay's datagrams were signed, and a sample verified.
    expect(report.cases.secret?.throughputRun.authChecked).toBeGreaterThan(0);
    expect(report.cases.secret?.throughputRun.authFailed).toBe(0);
    const crowd = report.cases.contacts?.crowd;
    expect(crowd).toMatchObject({ contacts: 30, contactsListed: 31, errors: 0 });
    expect(crowd?.idle.heartbeatAcksPerSec).toBeGreaterThan(0);
    expect(report.ratios.throughputRelayOverBare).toBeGreaterThan(0);
    expect(report.ratios.p99RelayOverBare).toBeGreaterThan(0);
    expect(report.ratios.secretOverTwoContacts).toBeGreaterThan(0);
    expect(report.ratios.p99SecretOverTwoContacts).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.name)).toHaveLength(5);
    expect(lines.some((l) => l.startsWith('relay, shared secret ') && !l.includes('n/a'))).toBe(true);
    expect(lines.some((l) => l.startsWith('shared secret: '))).toBe(true);
  }, 100_000);
});

describe('bench/wire.ts', () => {
  const token = Uint8Array.from({ length: 16 }, (_, i) => i);
  const time = 1767225600000;
  const nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const key = createAuthKey('correct horse battery staple');
  const chatOf = (seq: number) => ({ kind: 'chat', id: `bench_run_tag${seq.toString(16).padStart(8, '0')}`, from: 'snd', to: 'rcv', epoch: 1, seq, base: 3, time, text: 'x'.repeat(100) }) as const;

  it('builds chats and acks with the session token as the codec does', () => {
    const chats = new ChatTemplate('snd', 'rcv', 100, 'bench_run_tag', token);
    const chat = chats.build(0x1234abcd, 3, time);
    expect(chat.toString('hex')).toBe(Buffer.from(encode(chatOf(0x1234abcd), { token })).toString('hex'));
    expect(chatSeq(chat)).toBe(0x1234abcd);
    const acks = new AckBuilder('snd', token);
    const ack = acks.build(7, [9, 10, 12, 12]);
    const expected = encode({ kind: 'ack', from: '', to: 'snd', group: false, epoch: 1, upTo: 7, ranges: [[9, 10], [12, 12]] }, { token });
    expect(ack.toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    const view: AckView = { upTo: 0, ranges: [] };
    expect(parseAck(ack, view)).toBe(true);
    expect(view).toEqual({ upTo: 7, ranges: [9, 10, 12, 12] });
    // What the relay sends on: no token.
    expect(chatSeq(Buffer.from(encode(chatOf(5))))).toBe(5);
  });

  it('signs them as the codec does, with a fresh nonce per datagram otherwise', () => {
    const signer = new Signer(key);
    const chats = new ChatTemplate('snd', 'rcv', 100, 'bench_run_tag', token, signer);
    const chat = chats.build(42, 3, time, nonce);
    expect(chat.toString('hex')).toBe(Buffer.from(encode(chatOf(42), { token, auth: key, time, nonce })).toString('hex'));
    expect(isSigned(chat)).toBe(true);
    expect(chatSeq(chat)).toBe(42);
    const ack = new AckBuilder('snd', token, signer).build(7, [9, 9], time, nonce);
    const expected = encode({ kind: 'ack', from: '', to: 'snd', group: false, epoch: 1, upTo: 7, ranges: [[9, 9]] }, { token, auth: key, time, nonce });
    expect(ack.toString('hex')).toBe(Buffer.from(expected).toString('hex'));
    // Per send: a new nonce, and the relay's check passes.
    const now = Date.now();
    const a = chats.build(43, 3, now);
    const b = chats.build(43, 3, now);
    expect(a.subarray(-40, -32).equals(b.subarray(-40, -32))).toBe(false);
    for (const d of [a, b]) expect(verifyAuth(key, d, decodeDatagram(d).auth, now)).toBe('ok');
  });
});

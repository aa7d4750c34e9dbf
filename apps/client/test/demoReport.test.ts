import { describe, expect, it } from 'vitest';
import { buildReport, formatReport, preview, type BoundariesResults } from '../src/demo/report.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const writes = [bytes('hello'), bytes('world'), new Uint8Array(0), bytes('x'.repeat(3000))];
const stream = bytes(`helloworld${'x'.repeat(3000)}`);
const results = (over: Partial<BoundariesResults> = {}): BoundariesResults => ({
  writes,
  readSize: 1024,
  tcp: { reads: [stream.slice(0, 1024), stream.slice(1024, 2048), stream.slice(2048)] },
  udp: { reads: writes, expected: 4, timedOut: false, allSentBeforeFirstRead: true },
  udpTimeoutMs: 2000,
  tcpFramed: { reads: writes, streamReads: [1024, 1024, 978] },
  ...over,
});

describe('message boundaries: the report', () => {
  it('previews payloads: quoted, empty as \'\', cut with … and the bytes left out', () => {
    expect(preview(bytes('hello'))).toBe("'hello'");
    expect(preview(new Uint8Array(0))).toBe("''");
    expect(preview(bytes('x'.repeat(30)))).toBe(`'${'x'.repeat(24)}'… (+6 bytes)`);
    expect(preview(bytes("a'b\n\u0007"))).toBe("'a\\'b\\n\\x07'");
    // Never cuts inside a UTF-8 character (好 is 3 bytes): 8 × 3 = 24 fits, the 9th is left out whole.
    expect(preview(bytes('好'.repeat(9)))).toBe(`'${'好'.repeat(8)}'… (+3 bytes)`);
  });

  it('prints a table row per read, and explains each column', () => {
    const text = formatReport(buildReport(results()));
    const flat = text.replace(/\s+/g, ' '); // the explanation is word-wrapped
    expect(text).toMatch(/^TCP +1 +1024 +'helloworldxxxxxxxxxxxxxx'… \(\+1000 bytes\)$/m);
    expect(text).toMatch(/^UDP +3 +0 +''$/m);
    expect(text).toMatch(/^TCP\+prefix +4 +3000 +'x+'… \(\+2976 bytes\)$/m);
    expect(flat).toContain('read 1 holds bytes of writes 1, 2 and 4');
    expect(flat).toContain('write 4 (3000 bytes) is split across reads 1–3');
    expect(flat).toContain('the empty write 3 sent nothing at all');
    expect(flat).toContain('粘包');
    expect(flat).toContain('including the empty one, as a 0-byte read');
    expect(flat).toContain('restores exactly the 4 messages, the empty one included');
  });

  it('says so when UDP lost datagrams, and shows what came', () => {
    const report = buildReport(results({ udp: { reads: [writes[0] ?? new Uint8Array(), writes[1] ?? new Uint8Array()], expected: 4, timedOut: true, allSentBeforeFirstRead: true } }));
    expect(report.udp.sameMessages).toBe(false);
    const text = formatReport(report);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('only 2 of 4 datagrams arrived within 2000 ms');
    expect(flat).toContain('no delivery guarantee');
    expect(flat).not.toContain('including the empty one');
    expect(text).toMatch(/^UDP +2 +5 +'world'$/m);
  });

  it('flags TCP reads whose bytes differ from the writes', () => {
    const report = buildReport(results({ tcp: { reads: [stream.slice(0, 1024)] } }));
    expect(report.tcp.sameBytes).toBe(false);
    expect(buildReport(results()).tcp.sameBytes).toBe(true);
  });
});

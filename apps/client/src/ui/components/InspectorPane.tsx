import { Text } from 'ink';
import type { DatagramRecord } from '../../net/transport.js';
import { datagramRow } from '../inspectorRows.js';
import { Pane } from './Pane.js';

/** Props of `InspectorPane`. */
export interface InspectorPaneProps {
  /** The latest datagrams, oldest first. */
  records: readonly DatagramRecord[];
  /** How many datagrams there were in all. */
  total: number;
  /** Whether it has the whole right column (F2 then hides it) or shares it (F2 then enlarges it). */
  full: boolean;
  /** Outer width in columns, borders included. */
  width: number;
  /** Outer height in rows, borders included. */
  height: number;
}

/** The datagram inspector: one row per datagram sent or received, newest at the bottom. */
export function InspectorPane({ records, total, full, width, height }: InspectorPaneProps) {
  const inner = Math.max(1, height - 2);
  const shown = records.slice(-inner);
  const first = total - shown.length;
  return (
    <Pane title={`datagrams · ${total} sent and received · F2 ${full ? 'hides' : 'enlarges'}`} width={width} height={height} paddingX={1}>
      {shown.map((record, i) => (
        <Text key={first + i} wrap="truncate">
          {datagramRow(record, width - 4).map((p, j) => (
            <Text key={j} color={p.color} bold={p.bold}>
              {p.text}
            </Text>
          ))}
        </Text>
      ))}
    </Pane>
  );
}

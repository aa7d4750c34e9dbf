/**
 * Screen geometry. The UI is one row shorter than the terminal: an Ink 6
 * frame as tall as the terminal clears the screen on every render (ink#450).
 */

/** Sizes of the regions, in columns and rows. */
export interface Layout {
  /** Total width. */
  columns: number;
  /** Height of the UI (terminal rows - 1). */
  height: number;
  /** Width of the contact list pane. */
  contactsWidth: number;
  /** Width of the conversation pane. */
  conversationWidth: number;
  /** Height of both panes, borders included. */
  paneHeight: number;
  /** Row (0-based from the top of the UI) of the input line. */
  inputRow: number;
}

/** Rows under the panes: input, notice, status. */
export const BOTTOM_ROWS = 3;

/** Lays out a terminal of `columns` x `rows`. Works down to about 40 x 10. */
export function computeLayout(columns: number, rows: number): Layout {
  const height = Math.max(BOTTOM_ROWS + 4, rows - 1);
  const contactsWidth = Math.min(26, Math.max(16, Math.floor(columns * 0.22)));
  const paneHeight = height - BOTTOM_ROWS;
  return {
    columns,
    height,
    contactsWidth,
    conversationWidth: Math.max(20, columns - contactsWidth),
    paneHeight,
    inputRow: paneHeight,
  };
}

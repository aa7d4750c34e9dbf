const two = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time for a time in ms since the epoch. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `HH:MM` in local time for a time in ms since the epoch (narrow terminals). */
export function shortClockTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

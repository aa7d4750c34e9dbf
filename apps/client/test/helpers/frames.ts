/** A rendered frame without its ANSI colour codes (ink-testing-library's `lastFrame()` may be undefined). */
// eslint-disable-next-line no-control-regex
export const plain = (frame: string | undefined): string => (frame ?? '').replace(/\x1b\[[0-9;]*m/g, '');

/** Cutting a text for a message (no imports: the checking thread loads it, check-thread.ts). */

/**
 * The first `max` UTF-16 code units of `text`, one fewer when the last would be the first half
 * of a surrogate pair: a cut text never ends in half a character (an emoji's high surrogate alone
 * is no text, and JSON or UTF-8 would carry it as an escape or U+FFFD).
 */
export function headOf(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

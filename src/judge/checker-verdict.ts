/** What a custom checker made of one output (custom-checker.ts), whichever protocol it speaks. */
export interface CheckerVerdict {
  verdict: 'AC' | 'WA' | 'IE';
  /** Share of the test's points earned, 0..1 (absolute points already divided by the test's). */
  fraction: number;
  /** One line: the checker's own message, or why it is IE. */
  message: string;
}

/** What a built-in checker (checkers.ts, dmoj-checkers.ts) says of one output; check-output.ts makes it the test's verdict. */
export interface CheckOutcome {
  accepted: boolean;
  /** Why not (or "ok"); one line. */
  message: string;
  /**
   * Share of the test's points earned, 0..1, for a checker that gives partial points (DMOJ's
   * `linecount`, `linematches`). Absent: all of them when accepted, none otherwise.
   */
  fraction?: number;
  /** The checker cannot judge this answer with its arguments (DMOJ raises InternalError): the test is IE. */
  internalError?: boolean;
}

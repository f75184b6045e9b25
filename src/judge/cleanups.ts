/** Runs every step even when one fails; returns the first failure (the Judge's clean-up after a job). */
export function runAll(steps: ReadonlyArray<() => void>): Error | null {
  let first: Error | null = null;
  for (const step of steps) {
    try {
      step();
    } catch (err) {
      first ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  return first;
}

import { readFileSync } from 'node:fs';
import { inject } from 'vitest';

/**
 * The lines of the run's gateway log that `matches`, once at least `count` are there: the
 * gateway writes its log asynchronously, so a line may land a moment after its response.
 */
export async function gatewayLogLines(
  matches: (line: string) => boolean,
  { count = 1, timeoutMs = 2_000 }: { count?: number; timeoutMs?: number } = {},
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = readFileSync(inject('gatewayLog'), 'utf8').split('\n').filter(matches);
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((done) => setTimeout(done, 50));
  }
}

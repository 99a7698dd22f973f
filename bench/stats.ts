/** Order statistics for the benchmark: medians and percentiles are robust to a loaded machine. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const round = (value: number, digits = 1): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export const latencyOf = (samples: readonly number[]): Latency => ({
  n: samples.length,
  p50: round(percentile(samples, 50), 2),
  p95: round(percentile(samples, 95), 2),
  p99: round(percentile(samples, 99), 2),
});

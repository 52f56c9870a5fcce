/** Small statistics helpers for benchmarks: figures are compared as ratios within one run. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function fmtMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}×`;
}

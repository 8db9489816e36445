/** Delay before retry number `failures` (1-based): doubling from `baseMs`, never above `capMs`. */
export function backoffDelayMs (failures: number, baseMs = 500, capMs = 10_000): number {
  if (failures <= 0) return 0
  return Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 30))
}

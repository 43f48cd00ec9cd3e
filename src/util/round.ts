/** v rounded to `digits` decimals (@default 3): the precision figures are written with. */
export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

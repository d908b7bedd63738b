/** Binary searches over sorted columns (typed arrays), optionally through an index column. Pure. */

type Numbers = ArrayLike<number>;

/** The first i in [0, count) with values[i] > value (count if none). */
export function upperBound(values: Numbers, count: number, value: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first i in [0, count) with values[i] >= value (count if none). */
export function lowerBound(values: Numbers, count: number, value: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** upperBound over values[index[i]] for i in [0, count): the index column keeps the order (none: values[i]). */
export function upperBoundVia(values: Numbers, index: Numbers | undefined, count: number, value: number): number {
  if (!index) return upperBound(values, count, value);
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (values[index[mid]] <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

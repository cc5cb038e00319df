/** Sort keys[lo..hi] descending, moving cols along: quicksort (median of three), insertion sort for short runs. No comparator, no allocation. */
export function sortDescending(keys: Float64Array, cols: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] > keys[lo]) swap(keys, cols, mid, lo);
    if (keys[hi] > keys[lo]) swap(keys, cols, hi, lo);
    if (keys[hi] > keys[mid]) swap(keys, cols, hi, mid);
    const pivot = keys[mid];
    let i = lo,
      j = hi;
    for (;;) {
      while (keys[i] > pivot) i++;
      while (keys[j] < pivot) j--;
      if (i >= j) break;
      swap(keys, cols, i, j);
      i++;
      j--;
    }
    // Recurse into the smaller part, loop on the larger.
    if (j - lo < hi - j) {
      sortDescending(keys, cols, lo, j);
      lo = j + 1;
    } else {
      sortDescending(keys, cols, j + 1, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const k = keys[i],
      c = cols[i];
    let j = i - 1;
    while (j >= lo && keys[j] < k) {
      keys[j + 1] = keys[j];
      cols[j + 1] = cols[j];
      j--;
    }
    keys[j + 1] = k;
    cols[j + 1] = c;
  }
}

function swap(keys: Float64Array, cols: Int32Array, a: number, b: number): void {
  const k = keys[a];
  keys[a] = keys[b];
  keys[b] = k;
  const c = cols[a];
  cols[a] = cols[b];
  cols[b] = c;
}

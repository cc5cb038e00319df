/** "Did you mean" suggestions: the candidates closest to a mistyped code, by edit distance. */

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length,
    n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev = new Uint32Array(n + 1),
    cur = new Uint32Array(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/**
 * Up to `limit` candidates within a distance that grows with the length of the input
 * (1 edit for codes of up to 4 characters, about a third of the length beyond), case-insensitively.
 */
export function suggest(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const q = input.toLowerCase();
  const maxDistance = q.length <= 4 ? 1 : Math.max(2, Math.floor(q.length / 3));
  const scored: Array<[number, string]> = [];
  for (const c of candidates) {
    const d = editDistance(q, c.toLowerCase());
    if (d <= maxDistance) scored.push([d, c]);
  }
  scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]));
  return [...new Set(scored.map((s) => s[1]))].slice(0, limit);
}

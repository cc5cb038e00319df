/** A progress bar on stderr, drawn only on a terminal and only for work big enough to wait for. */
/** `format` replaces the default "done/total MiB" text after the percentage (e.g. steps of a build). */
export function progressBar(
  label: string,
  minTotal = 16 << 20,
  format?: (done: number, total: number) => string,
): ((done: number, total: number) => void) & { finish(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let drawn = false;
  const draw = (done: number, total: number): void => {
    if (!tty || total < minTotal) return;
    const now = Date.now();
    if (now - last < 150 && done < total) return;
    last = now;
    drawn = true;
    const width = 30;
    const frac = Math.min(1, done / total);
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    process.stderr.write(
      `\r${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${format ? `${format(done, total)}\x1b[K` : `${(done / 2 ** 20).toFixed(0)}/${(total / 2 ** 20).toFixed(0)} MiB`}`,
    );
  };
  return Object.assign(draw, {
    finish(): void {
      if (drawn) process.stderr.write('\r\x1b[K');
    },
  });
}

/** A progress bar on stderr, for large files on a terminal only (pipes and CI logs stay clean). */
import type { ProgressListener } from '../release/index.js';

export const PROGRESS_THRESHOLD = 64 * 1024 * 1024;

export function progressBar(label: string, total: number): { update: ProgressListener; done: () => void } | undefined {
  if (!process.stderr.isTTY || total < PROGRESS_THRESHOLD) return undefined;
  const started = Date.now();
  let last = 0;
  const render = (done: number): void => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / 1048576 / seconds : 0;
    process.stderr.write(
      `\r  ${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.floor((done / total) * 100)
        .toString()
        .padStart(3)}%  ${Math.round(done / 1048576)}/${Math.round(total / 1048576)} MiB  ${rate.toFixed(0)} MiB/s `,
    );
  };
  return {
    update: (done) => {
      const now = Date.now();
      if (now - last >= 100 || done === total) {
        last = now;
        render(done);
      }
    },
    done: () => process.stderr.write('\n'),
  };
}

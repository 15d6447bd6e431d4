import cliProgress from 'cli-progress';

/**
 * Progress of a transfer: one bar per collection (records, percent, records/s, ETA) on a
 * terminal, drawn by cli-progress on stderr; nothing at all when stderr is not a terminal (a log
 * file or a pipe gets the one summary line per collection the commands print on stdout).
 */

export interface ProgressTask {
  /** `n` more records done. */
  advance(n: number): void;
  /** The task is over (the bar stays, full or where it stopped). */
  done(): void;
}

export interface ProgressReporter {
  /** A bar for `label` out of `total` records, `initial` of them done already (a resumed copy). */
  task(label: string, total: number, initial?: number): ProgressTask;
  /** Stops drawing; lines printed after this start below the bars. */
  close(): void;
}

/** Draws nothing: for pipes, files and tests. */
export const quietProgress: ProgressReporter = {
  task: () => ({ advance: () => {}, done: () => {} }),
  close: () => {},
};

/**
 * Bars on `stream` when it is a terminal, else {@link quietProgress}. Collections are transferred
 * one after the other, so one bar is drawn at a time: a finished bar stays as its last line, and
 * the summary printed after it lands below.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return quietProgress;
  let current: cliProgress.SingleBar | undefined;
  return {
    task(label, total, initial = 0) {
      current?.stop();
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label} {bar} {percentage}% | {value}/{total} records | {speed} records/s | ETA {eta_formatted}`,
          barsize: 30,
          hideCursor: true,
          // ETA over the last 50 updates (batches): steady after a few seconds, follows a slowdown.
          etaBuffer: 50,
          formatValue: (value, _options, type) =>
            type === 'value' || type === 'total' ? value.toLocaleString('en-US') : String(value),
        },
        cliProgress.Presets.shades_classic,
      );
      current = bar;
      const started = performance.now();
      let done = initial;
      const speed = () => {
        const seconds = (performance.now() - started) / 1000;
        return seconds > 0 ? Math.round((done - initial) / seconds).toLocaleString('en-US') : '–';
      };
      bar.start(Math.max(total, initial), initial, { speed: '–' });
      return {
        advance(n) {
          done += n;
          // A collection that grew since it was counted: the bar grows with it.
          if (done > bar.getTotal()) bar.setTotal(done);
          bar.update(done, { speed: speed() });
        },
        done() {
          bar.update(done, { speed: speed() });
          bar.stop();
          if (current === bar) current = undefined;
        },
      };
    },
    close() {
      current?.stop();
      current = undefined;
    },
  };
}

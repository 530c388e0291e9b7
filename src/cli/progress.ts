const WIDTH = 30;
const REDRAW_MS = 100;

export interface Progress {
  advance(by?: number): void;
  finish(): void;
}

/**
 * A progress bar on stderr, drawn only when stderr is a terminal: piped or logged output stays clean,
 * and stdout (which may carry the export) is never touched.
 */
export function progressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { advance() {}, finish() {} };
  let done = 0;
  let drawn = 0;
  const draw = () => {
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(share * WIDTH);
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}% ${done}/${total}`,
    );
    drawn = Date.now();
  };
  return {
    advance(by = 1) {
      done += by;
      if (Date.now() - drawn >= REDRAW_MS) draw();
    },
    finish() {
      draw();
      stream.write('\n');
    },
  };
}

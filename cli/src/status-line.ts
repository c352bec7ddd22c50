/**
 * Live status on stderr (stdout stays clean for --json). On a terminal one line is redrawn in place; when
 * stderr is a pipe or file, a line is written only when the message's progress bucket (every 10 %) changes,
 * so logs stay short.
 */
export interface StatusLine {
  update(fraction: number, message: string): void;
  log(message: string): void;
  done(): void;
}

export function createStatusLine(stream: NodeJS.WriteStream = process.stderr, quiet = false): StatusLine {
  const tty = stream.isTTY === true;
  let lastBucket = -1;
  let drawn = false;
  const bar = (f: number) => {
    const width = 24;
    const filled = Math.round(Math.min(1, Math.max(0, f)) * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
  };
  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    update(fraction, message) {
      if (quiet) return;
      if (tty) {
        clear();
        stream.write(`${bar(fraction)} ${message}`.slice(0, (stream.columns ?? 120) - 1));
        drawn = true;
        return;
      }
      const bucket = Math.floor(fraction * 10);
      if (bucket !== lastBucket) {
        lastBucket = bucket;
        stream.write(`${bar(fraction)} ${message}\n`);
      }
    },
    log(message) {
      if (quiet) return;
      clear();
      stream.write(`${message}\n`);
    },
    done() {
      clear();
    },
  };
}

#!/usr/bin/env node
// Committed entry point so npm can link the `coldtrail` bin at install time; the code lives in dist/.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(
    'coldtrail is not built yet: run `npm run build` in the repository root (npm ci does it too).',
  );
  process.exit(70);
}
// `coldtrail ... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);

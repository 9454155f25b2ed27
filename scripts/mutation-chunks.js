#!/usr/bin/env node
/**
 * Splits the mutated files into chunks that Stryker runs one at a time (scripts/test-mutation.sh), each with
 * its own incremental file and JSON report. A chunk that finished is kept even when a later one is stopped:
 * on 2 shared cores a whole run takes hours, and Stryker writes nothing until a run is complete.
 *
 * A chunk is a range of whole top-level declarations (a line at column 0 after a blank line starts one), so
 * no function is split: Stryker only mutates nodes that lie entirely inside a range. The cut points follow
 * the code when it changes.
 *
 * Prints one line per chunk: `<name> <file>:<first line>-<last line>`.
 * Usage: node scripts/mutation-chunks.js [max lines per chunk, default 180]
 */
'use strict';
const fs = require('fs');

const FILES = ['lambdas/core/weights.ts', 'lambdas/core/policy.ts', 'lambdas/core/decide.ts'];
const maxLines = Number(process.argv[2] ?? 180);

for (const file of FILES) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const base = file.replace(/^.*\//, '').replace(/\.ts$/, '');
  // Where top-level declarations (with their doc comments) start.
  const starts = [0];
  for (let i = 1; i < lines.length; i++) if (lines[i - 1].trim() === '' && /^[^\s}]/.test(lines[i])) starts.push(i);
  const chunks = [];
  let from = 0;
  for (let k = 1; k <= starts.length; k++) {
    const next = k < starts.length ? starts[k] : lines.length;
    const endOfFile = k === starts.length;
    // Close the chunk before `next` once it is big enough (or at the end of the file).
    if (endOfFile || next - from >= maxLines) {
      chunks.push([from + 1, endOfFile ? lines.length : next]);
      from = next;
    }
  }
  // A short tail joins the chunk before it (each chunk costs a dry run).
  if (chunks.length > 1 && chunks[chunks.length - 1][1] - chunks[chunks.length - 1][0] < maxLines / 2) {
    const tail = chunks.pop();
    chunks[chunks.length - 1][1] = tail[1];
  }
  if (chunks.length === 1) {
    process.stdout.write(`${base} ${file}\n`);
  } else {
    chunks.forEach(([a, b], i) => process.stdout.write(`${base}-${i + 1} ${file}:${a}-${b}\n`));
  }
}

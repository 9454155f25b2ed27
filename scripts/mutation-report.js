#!/usr/bin/env node
/**
 * Writes MUTATION.md from Stryker's JSON report: the score per file and every surviving (or uncovered) mutant,
 * with the reason it is equivalent when scripts/mutation-equivalents.json explains it, else "NOT EXPLAINED:
 * needs a test". A survivor is matched by file, mutator and the original source text of the mutated span, so
 * the explanation follows the code when lines move.
 *
 * The input is one Stryker JSON report, or a folder of chunk reports (scripts/test-mutation.sh writes one per
 * chunk, `<chunk>.json`, with `<chunk>.time`: wall seconds and when it ran); chunks of one file are merged.
 * Chunks of scripts/mutation-chunks.js without a report are listed as not run.
 *
 * Usage: node scripts/mutation-report.js reports/mutation/chunks MUTATION.md
 */
'use strict';
const fs = require('fs');
const path = require('path');

const [reportPath, outPath] = process.argv.slice(2);
if (!reportPath || !outPath) {
  process.stderr.write('usage: mutation-report.js <stryker mutation.json> <MUTATION.md>\n');
  process.exit(2);
}
const { execFileSync } = require('child_process');

/** Chunk name -> its report (and wall time), from a folder of chunk reports or one report file. */
const chunkReports = new Map();
if (fs.statSync(reportPath).isDirectory()) {
  for (const f of fs.readdirSync(reportPath).filter((n) => n.endsWith('.json') && !n.endsWith('.stryker.json') && !n.endsWith('.incremental.json')).sort()) {
    const name = f.replace(/\.json$/, '');
    const timeFile = path.join(reportPath, `${name}.time`);
    const [secs, at, range] = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8').trim().split(' ') : [];
    chunkReports.set(name, { report: JSON.parse(fs.readFileSync(path.join(reportPath, f), 'utf8')), secs: secs === undefined ? undefined : Number(secs), at, range });
  }
} else {
  chunkReports.set('all', { report: JSON.parse(fs.readFileSync(reportPath, 'utf8')) });
}
/** The chunks a full run has today (name -> range). */
const plannedChunks = new Map(
  execFileSync(process.execPath, [path.join(__dirname, 'mutation-chunks.js')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.split(' ')),
);
/**
 * Every chunk's mutants, merged per file. Chunks may overlap (a range of one's own, a plan made before the code
 * moved): a mutant (same place, mutator and replacement) counts once, as the chunk that finished last saw it.
 */
const report = { files: {} };
const byKey = new Map();
const chunkRows = [];
const newestLast = [...chunkReports.entries()].sort(([, a], [, b]) => String(a.at ?? '').localeCompare(String(b.at ?? '')));
for (const [name, { report: r, secs, at, range }] of newestLast) {
  let n = 0;
  for (const [file, data] of Object.entries(r.files)) {
    report.files[file] ??= { source: data.source, mutants: [] };
    report.files[file].source = data.source;
    const lines = data.source.split('\n');
    for (const m of data.mutants) {
      const l = m.location;
      // Where the mutant sits, robust to lines moving: the text of its line, which occurrence of that text, the columns.
      const text = lines[l.start.line - 1] ?? '';
      const nth = lines.slice(0, l.start.line - 1).filter((x) => x === text).length;
      byKey.set(`${file}|${text.trim()}#${nth}|${l.start.column}-${l.end.line - l.start.line}:${l.end.column}|${m.mutatorName}|${m.replacement ?? ''}`, { file, m, source: data.source });
      if (m.status !== 'Ignored') n++;
    }
  }
  chunkRows.push(`| ${name} | ${range ?? plannedChunks.get(name) ?? '-'} | ${n} | ${secs === undefined ? '-' : `${Math.round(secs / 60)} min`} | ${at ?? '-'} |`);
}
// A mutant of a line that is no longer in the file as it is now (the code changed after its chunk ran) is
// dropped: it no longer exists, and the chunk that re-ran the changed code counted its successors.
const linesNow = new Map();
const existsNow = (file, text) => {
  if (!linesNow.has(file)) linesNow.set(file, fs.existsSync(file) ? new Set(fs.readFileSync(file, 'utf8').split('\n')) : undefined);
  const now = linesNow.get(file);
  return now === undefined || now.has(text);
};
for (const { file, m, source } of byKey.values()) {
  if (existsNow(file, source.split('\n')[m.location.start.line - 1] ?? '')) report.files[file].mutants.push({ ...m, source });
}
/** `run/planned` chunks of a file: a file whose chunks have not all run has a partial score. */
function chunksRunOf(file) {
  const planned = [...plannedChunks.entries()].filter(([, range]) => range.split(':')[0] === file).map(([name]) => name);
  return `${planned.filter((name) => chunkReports.has(name) || chunkReports.has('all')).length}/${planned.length}`;
}
const notRun = [...plannedChunks.keys()].filter((name) => !chunkReports.has(name) && !chunkReports.has('all'));
const equivalents = JSON.parse(fs.readFileSync(path.join(__dirname, 'mutation-equivalents.json'), 'utf8')).equivalents;

/** The source text a mutant replaced (its location is 1-based line, 1-based column). */
function originalText(source, loc) {
  const lines = source.split('\n');
  const out = [];
  for (let l = loc.start.line; l <= loc.end.line; l++) {
    const line = lines[l - 1] ?? '';
    const from = l === loc.start.line ? loc.start.column - 1 : 0;
    const to = l === loc.end.line ? loc.end.column - 1 : line.length;
    out.push(line.slice(from, to));
  }
  return out.join('\n');
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();
/** An entry may narrow itself with `context`: text the mutant's source line must contain (for a short `original`). */
const explain = (file, m, original, line) =>
  equivalents.find(
    (e) =>
      file.endsWith(e.file) &&
      e.mutator === m.mutatorName &&
      squash(original).includes(squash(e.original)) &&
      (e.replacement === undefined || squash(m.replacement ?? '') === squash(e.replacement)) &&
      (e.context === undefined || squash(line).includes(squash(e.context))),
  );

const rows = [];
const survivors = [];
let killed = 0;
let total = 0;
for (const [file, data] of Object.entries(report.files)) {
  let fKilled = 0;
  let fTotal = 0;
  let fIgnored = 0;
  for (const m of data.mutants) {
    if (m.status === 'Ignored') fIgnored++;
    if (m.status === 'CompileError' || m.status === 'RuntimeError' || m.status === 'Ignored') continue;
    fTotal++;
    if (m.status === 'Killed' || m.status === 'Timeout') {
      fKilled++;
      continue;
    }
    // Each mutant against the source its chunk saw (chunks may have run against different versions).
    const original = originalText(m.source ?? data.source, m.location);
    const line = (m.source ?? data.source).split('\n')[m.location.start.line - 1] ?? '';
    survivors.push({ file, m, original, why: explain(file, m, original, line) });
  }
  killed += fKilled;
  total += fTotal;
  const fExplained = survivors.filter((x) => x.file === file && x.why !== undefined).length;
  rows.push(
    `| ${file} | ${fTotal} | ${fKilled} | ${fTotal - fKilled} | ${fExplained} | ${fTotal === 0 ? '-' : ((100 * fKilled) / fTotal).toFixed(1)} % | ` +
      `${fTotal - fExplained === 0 ? '-' : ((100 * fKilled) / (fTotal - fExplained)).toFixed(1)} % | ${fIgnored} | ${chunksRunOf(file)} |`,
  );
}
const explained = survivors.filter((s) => s.why !== undefined).length;
const score = total === 0 ? 0 : (100 * killed) / total;
const adjusted = total - explained === 0 ? 100 : (100 * killed) / (total - explained);

/** Results of scripts/mutation-named.sh, when it ran. */
const namedFile = path.join(path.dirname(path.resolve(reportPath)), 'named.json');
const named = fs.existsSync(namedFile) ? JSON.parse(fs.readFileSync(namedFile, 'utf8')) : undefined;
const strykerVersion = JSON.parse(fs.readFileSync(require.resolve('@stryker-mutator/core/package.json'), 'utf8')).version;
const totalSecs = [...chunkReports.values()].reduce((sum, c) => sum + (c.secs ?? 0), 0);
const md = [
  '# Mutation testing of the decision core',
  '',
  `Generated by \`npm run test:mutation\` (Stryker ${strykerVersion} on Node ${process.versions.node.split('.')[0]}, \`stryker.config.json\`, scripts/test-mutation.sh): the mutants of`,
  '`lambdas/core/policy.ts`, `weights.ts` and `decide.ts` are run against the core tests (`jest.mutation.config.js`: `test/lambdas/core`,',
  `property tests at ${process.env.SEEDSHIELD_PROPERTY_RUNS ?? 'their default'} runs with a fixed seed). Killed includes timeouts; compile errors are not counted. Mutants of`,
  'prose (the sentences written for people: reasons, pages, guard explanations) are left out by the `prose` ignorer',
  '(scripts/mutation-ignore-prose.mjs) and counted in the last column; identifiers, guard ids, modes and the SNS subject are mutated.',
  '',
  `**Score${notRun.length > 0 ? ' over the chunks that ran' : ''}: ${score.toFixed(1)} %** (${killed} of ${total} mutants killed${notRun.length > 0 ? `; ${notRun.length} chunks not run, see below: a file with none run is not in the table` : ''}). ${explained} of the ${survivors.length} survivors are explained below as equivalent; ` +
    `without them the score is ${adjusted.toFixed(1)} %.`,
  '',
  '| file | mutants | killed | survived | equivalent | score | score without equivalents | prose (ignored) | chunks run |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
  '## Chunks',
  '',
  'Stryker runs one chunk at a time (scripts/mutation-chunks.js: whole top-level declarations), each with its own report, so a finished',
  `chunk is kept when a later one is stopped. A range re-run after its tests landed (a chunk of its own name) overrides the earlier results of`,
  `its mutants. Wall time of the chunks below: ${Math.round(totalSecs / 60)} min in all on 2 cores (a chunk that shared them with other jobs took longer).`,
  '',
  '| chunk | range | mutants | wall time | finished |',
  '| --- | --- | --- | --- | --- |',
  ...chunkRows,
  '',
  notRun.length === 0 ? 'Every chunk has run.' : `**Not run yet** (not in the score above): ${notRun.map((n) => `${n} (${plannedChunks.get(n)})`).join(', ')}.`,
  '',
  '## The mutants issue 19 named',
  '',
  'Applied by hand to a scratch copy by `bash scripts/mutation-named.sh` (scripts/mutation-named.json) and run against the same core tests;',
  'minutes instead of the hours of a whole run, so they are checked whatever chunks have run.',
  '',
  ...(named === undefined ? ['Not checked yet: run `bash scripts/mutation-named.sh`.'] : named.map((n) => `- ${n.status}: ${n.name} (\`${n.file}\`, ${n.at})`)),
  '',
  '## Surviving mutants',
  '',
  survivors.length === 0 ? 'None.' : '',
  ...survivors.map(({ file, m, original, why }) =>
    [
      `- \`${file}:${m.location.start.line}\` ${m.mutatorName} (${m.status}): \`${squash(original).slice(0, 120)}\` -> \`${squash(m.replacement ?? '').slice(0, 120)}\``,
      `  - ${why ? `Equivalent: ${why.reason}` : '**NOT EXPLAINED: needs a test** (or an entry in scripts/mutation-equivalents.json saying why it is equivalent).'}`,
    ].join('\n'),
  ),
  '',
].join('\n');
fs.writeFileSync(outPath, md);
process.stdout.write(`mutation score ${score.toFixed(1)} % (${killed}/${total}); ${survivors.length} survivors, ${explained} explained; wrote ${outPath}\n`);

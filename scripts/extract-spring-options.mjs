#!/usr/bin/env node
// Extracts the option names nodeos accepts from an AntelopeIO/spring checkout (and its appbase submodule), for
// test/fixtures/spring-<version>-options.txt. Each line: `<cfg|cli> <name>`. `cfg` options are accepted in
// config.ini and on the command line; `cli` options on the command line only (appbase rejects them in the file).
// Usage: node scripts/extract-spring-options.mjs <spring-dir> <appbase-dir>   (both checked out at the pinned tag)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Walks the `X.add_options()(...)(...);` chains of one C++ source; the receiver decides cfg or cli. */
export function extractOptions(source) {
  const found = [];
  const chain = /\b([A-Za-z_]+)\.add_options\(\)/g;
  let m;
  while ((m = chain.exec(source)) !== null) {
    const receiver = m[1];
    const kind = /cli/.test(receiver) ? 'cli' : 'cfg';
    let i = chain.lastIndex;
    let depth = 0;
    let groupStart = false;
    for (; i < source.length; i++) {
      const c = source[i];
      if (c === '"') {
        const end = source.indexOf('"', i + 1);
        let j = i + 1;
        while (source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
        if (groupStart && depth === 1) found.push([kind, source.slice(i + 1, j).split(',')[0]]);
        groupStart = false;
        i = Math.max(j, end === -1 ? j : j);
        continue;
      }
      if (c === '/' && source[i + 1] === '/') { i = source.indexOf('\n', i); continue; }
      if (c === '#') { i = source.indexOf('\n', i); continue; }
      if (/\s/.test(c)) continue;
      if (c === '(') { depth++; groupStart = depth === 1; continue; }
      groupStart = false;
      if (c === ')') depth--;
      else if (c === ';' && depth === 0) break;
    }
    chain.lastIndex = i;
    // `auto opts = cfg.add_options();` then `opts("name", ...)` calls (state_history_plugin, trace_api_plugin).
    const alias = new RegExp(`auto\\s+(\\w+)\\s*=\\s*${receiver}\\.add_options\\(\\)\\s*;$`).exec(source.slice(0, i + 1));
    if (alias) {
      for (const call of source.matchAll(new RegExp(`\\b${alias[1]}\\s*\\(\\s*"([^"]+)"`, 'g'))) found.push([kind, call[1].split(',')[0]]);
    }
  }
  return found;
}

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return /^(test|tests|utils|template_plugin)$/.test(name) ? [] : sources(path);
    return path.endsWith('.cpp') ? [path] : [];
  });
}

const [springDir, appbaseDir] = process.argv.slice(2);
const files = [...sources(join(springDir, 'plugins')), join(appbaseDir, 'application_base.cpp')];
const lines = new Set();
for (const file of files) for (const [kind, name] of extractOptions(readFileSync(file, 'utf8'))) lines.add(`${kind} ${name}`);
process.stdout.write([...lines].sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1])).join('\n') + '\n');

#!/usr/bin/env node
// The `seedshield` command: registers tsx so the TypeScript CLI runs as is (no build step), then runs it.
'use strict';
require('tsx/cjs');
require('./main.ts').run();

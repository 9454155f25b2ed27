#!/usr/bin/env node
// The `seedshield` command: registers tsx so the TypeScript CLI runs as is (no build step), then runs it.
'use strict';
// The AWS SDK prints a notice about its future Node.js support window once per process; during an incident
// it is noise between the operator and the answer. README states the supported Node.js versions instead.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
require('tsx/cjs');
require('./main.ts').run();

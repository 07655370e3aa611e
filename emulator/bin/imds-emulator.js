#!/usr/bin/env node
// Committed entry point so npm can link the bin before the TypeScript build has produced lib/.
require('../lib/cli.js').main();

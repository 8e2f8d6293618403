// Parses Mermaid files with the real mermaid library (what GitHub renders diagrams with), in a jsdom window.
// Usage: KVNET_MERMAID_MODULES=<a node_modules folder holding mermaid and jsdom> node mermaid_parse.mjs FILE...
// Prints "OK file" or "FAIL file message" per file; exits 1 when any file fails.
import fs from 'fs';
import { createRequire } from 'module';

const require = createRequire(process.env.KVNET_MERMAID_MODULES + '/');
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
const { default: mermaid } = await import(require.resolve('mermaid'));
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    await mermaid.parse(fs.readFileSync(file, 'utf8'));
    console.log('OK', file);
  } catch (error) {
    failed += 1;
    console.log('FAIL', file, String(error.message || error).slice(0, 500));
  }
}
process.exit(failed ? 1 : 0);

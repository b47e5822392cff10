// The CSS FullCalendar 6 would inject at run time (refused by our CSP), printed for tools/vendor.sh: node tools/fullcalendar_css.js index.global.js
// Run the FullCalendar global bundle with its injectStyles hooked and print the CSS it would inject.
const fs = require('fs');
let src = fs.readFileSync(process.argv[2], 'utf8');
const hook = 'function injectStyles(styleText) {';
if (!src.includes(hook)) { console.error('injectStyles not found'); process.exit(1); }
src = src.replace(hook, hook + ' (globalThis.__fcCss = globalThis.__fcCss || []).push(styleText);');
globalThis.window = globalThis; globalThis.document = undefined;
new Function(src)();
process.stdout.write(globalThis.__fcCss.join('\n'));

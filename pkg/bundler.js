// Bundler entry (Vite, webpack 5, Rollup, esbuild): the bundler resolves the .wasm URL
// below and top-level await initialises the module, so importers need no `init()` call.
import { init } from './index.js';

export * from './index.js'; // index.js's explicit list

await init();

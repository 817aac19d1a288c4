// Bundler entry (Vite, webpack 5, Rollup, esbuild): the bundler resolves the .wasm URL
// in index.min.js and top-level await initialises the module, so importers need no `init()` call.
import { init } from './index.min.js';

export * from './index.min.js'; // index.js's explicit list, bundled

await init();

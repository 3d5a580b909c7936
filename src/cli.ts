import { startWithCompileCaches } from './compile-cache.js';

// The entry point. The compile caches go on before the rest of the start is loaded, so that the start is
// compiled once and read from the cache afterwards. The build puts every module of a stdio start into one
// chunk, which startWithCompileCaches loads with its cache and the import below then finds loaded; what
// this file imports statically stays out of it.
startWithCompileCaches(import.meta.url);
void import('./command-line.js').then(({ runCommandLine }) => runCommandLine(process.argv.slice(2)));

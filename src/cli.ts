import { enableCompileCache } from './compile-cache.js';

// The entry point. Node's compile cache goes on before the rest of the start is loaded, so that the start
// is compiled once and read from the cache afterwards (Node 22+). The build puts every module of a stdio
// start into one chunk, loaded by the import below; what this file imports statically stays out of it.
enableCompileCache();
void import('./command-line.js').then(({ runCommandLine }) => runCommandLine(process.argv.slice(2)));

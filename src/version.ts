/** Kept equal to package.json's version (a test checks), so the bundle needs no file read at start-up. */
export const VERSION = '0.1.0';

import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

let loaded: typeof Crypto | undefined;

/**
 * node:crypto, loaded on first use. It is some twenty internal modules and about 5 ms of every start, and a
 * start that only lists the tools signs, hashes and checks nothing.
 */
export function nodeCrypto(): typeof Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto);
}

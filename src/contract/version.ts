import { createRequire } from 'node:module';

/** The package version, read from package.json (two levels up from both src/contract and dist/contract). */
export const BINDERY_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

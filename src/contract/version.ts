import { createRequire } from 'node:module';

/** The package version, from package.json: two levels up from src/contract, dist/contract and the bundle's dist/bin. */
export const BINDERY_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

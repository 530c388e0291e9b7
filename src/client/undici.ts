/**
 * The two undici dispatchers the client uses, each loaded from its own module: undici's index loads the whole
 * library (fetch, WebSocket, caches, mocks, proxies: about 110 modules, ~100 ms of every `bindery mcp`
 * start-up, BENCHMARKS.md "Start-up"), where these two need a third of it. undici has no "exports" map, so its
 * files are reachable by path; the types are undici's own, and the client tests fail if a path moves.
 */
import { createRequire } from 'node:module';
import type { Client as UndiciClient, Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

export const Pool: typeof UndiciPool = require('undici/lib/dispatcher/pool.js');
export const Client: typeof UndiciClient = require('undici/lib/dispatcher/client.js');
export type Pool = UndiciPool;
export type Client = UndiciClient;

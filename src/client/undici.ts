/**
 * The two undici dispatchers the client uses, loaded from their own modules: undici's index loads the whole
 * library (fetch, WebSocket, caches, mocks, proxies: about 110 modules, ~100 ms of every `bindery mcp`
 * start-up, BENCHMARKS.md "Start-up"), where these need a third of it. undici has no "exports" map, so its
 * files are reachable by path; the types are undici's own, and the client tests fail if a path moves.
 */
import { createRequire } from 'node:module';
import type { Client as UndiciClient, Dispatcher as UndiciDispatcher, Pool as UndiciPool } from 'undici';

const require = createRequire(import.meta.url);

// What undici's index does before anything else: the request/stream/pipeline/upgrade/connect methods every
// dispatcher has live on Dispatcher.prototype (the same functions, so loading the index too changes nothing).
const Dispatcher: typeof UndiciDispatcher = require('undici/lib/dispatcher/dispatcher.js');
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));

export const Pool: typeof UndiciPool = require('undici/lib/dispatcher/pool.js');
export type Pool = UndiciPool;
export const Client: typeof UndiciClient = require('undici/lib/dispatcher/client.js');
export type Client = UndiciClient;

/**
 * The two undici dispatchers the client uses, loaded from their own modules: undici's index loads the whole
 * library (fetch, WebSocket, caches, mocks, proxies: about 110 modules, ~100 ms of every `bindery mcp`
 * start-up, BENCHMARKS.md "Start-up"), where these need a third of it. undici has no "exports" map, so its
 * files are reachable by path; their types are undici's own (undici-files.d.ts), and the client tests fail
 * if a path moves. Imported rather than required, so that the CLI bundle carries them too.
 */
import type { Client as UndiciClient, Pool as UndiciPool } from 'undici';
import apiMethods from 'undici/lib/api/index.js';
import ClientClass from 'undici/lib/dispatcher/client.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import PoolClass from 'undici/lib/dispatcher/pool.js';

// What undici's index does before anything else: the request/stream/pipeline/upgrade/connect methods every
// dispatcher has live on Dispatcher.prototype (the same functions, so loading the index too changes nothing).
Object.assign(Dispatcher.prototype, apiMethods);

export const Pool = PoolClass;
export type Pool = UndiciPool;
export const Client = ClientClass;
export type Client = UndiciClient;

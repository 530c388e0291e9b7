export type { CacheStats } from './cache.js';
export { BinderyClient, type ClientStats } from './client.js';
export type { ClientOptions } from './options.js';
export type { BreakerState, BreakerStats } from './resilience.js';
export type { PoolStats } from './transport.js';

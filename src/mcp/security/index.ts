export * from './injection.js';
export * from './redact.js';

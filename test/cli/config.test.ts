import { describe, expect, it } from 'vitest';
import { clientSettings, mcpSettings, serverConfig } from '../../src/cli/config.js';
import { toolNames } from '../../src/mcp/profiles.js';

describe('settings from the environment', () => {
  it('has the documented defaults (README configuration table)', () => {
    expect(serverConfig({})).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      logLevel: 'info',
      injectionPolicy: 'flag',
      sqliteMemory: { cacheMb: 64, mmapMb: 0 },
    });
    expect(serverConfig({ BINDERY_SQLITE_CACHE_MB: '16', BINDERY_SQLITE_MMAP_MB: '0' }).sqliteMemory).toEqual(
      {
        cacheMb: 16,
        mmapMb: 0,
      },
    );
    expect(clientSettings({})).toMatchObject({
      timeoutS: 30,
      cacheTtlS: 300,
      breakerResetS: 60,
      connections: 10,
    });
    expect(mcpSettings({})).toEqual({
      production: false,
      includeMetrics: false,
      autoLaunch: true,
      injectionPolicy: 'flag',
      maxMessageBytes: 16 * 1024 * 1024,
      tools: { names: toolNames('standard'), readOnly: false },
    });
  });

  it.each(['flag', 'strip', 'reject'])(
    'reads BINDERY_INJECTION_POLICY=%s for the server and MCP alike',
    (policy) => {
      expect(mcpSettings({ BINDERY_INJECTION_POLICY: policy }).injectionPolicy).toBe(policy);
      expect(serverConfig({ BINDERY_INJECTION_POLICY: policy }).injectionPolicy).toBe(policy);
    },
  );

  it.each([
    ['BINDERY_INJECTION_POLICY', 'block', mcpSettings],
    ['MCP_MAX_MESSAGE_BYTES', '12', mcpSettings],
    ['MCP_MAX_MESSAGE_BYTES', 'lots', mcpSettings],
    ['MCP_PRODUCTION', 'maybe', mcpSettings],
    ['BINDERY_TIMEOUT', '-1', clientSettings],
    ['BINDERY_CACHE_TTL', 'soon', clientSettings],
    ['BINDERY_URL', 'ftp://x', clientSettings],
    ['BINDERY_PORT', '65536', serverConfig],
    ['BINDERY_LOG_LEVEL', 'loud', serverConfig],
    ['BINDERY_RATE_LIMIT', '0', serverConfig],
    ['BINDERY_RATE_LIMIT', 'many', serverConfig],
    ['BINDERY_WRITE_RATE_LIMIT', '1.5', serverConfig],
    ['BINDERY_REDIS_URL', 'http://127.0.0.1:6379', serverConfig],
    ['BINDERY_REDIS_PREFIX', 'has spaces', serverConfig],
    ['BINDERY_METRICS_PUBLIC', 'perhaps', serverConfig],
    ['BINDERY_READ_ONLY', 'mostly', serverConfig],
    ['BINDERY_SQLITE_CACHE_MB', '0', serverConfig],
    ['BINDERY_SQLITE_MMAP_MB', 'lots', serverConfig],
    ['BINDERY_MCP_METRICS_PORT', '0', mcpSettings],
    ['BINDERY_MCP_METRICS_PORT', 'ninety', mcpSettings],
    ['BINDERY_TOOLS', 'some', mcpSettings],
    ['BINDERY_READ_ONLY', 'mostly', mcpSettings],
  ] as const)('refuses %s=%s naming the variable', (name, value, read) => {
    expect(() => read({ [name]: value })).toThrow(new RegExp(`^${name} `));
  });
});

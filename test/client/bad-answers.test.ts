import { describe, expect, it } from 'vitest';
import { proxiedClient, proxy, useProxiedServer } from './fixture.js';

useProxiedServer();

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; code: string; message: string; details: unknown };
  }
  throw new Error('expected the call to fail');
}

const SIXTY_MB = 60 * 1024 * 1024;

describe('answers the client cannot use', () => {
  it('turns a non-JSON answer into internal_error, without retrying', async () => {
    const client = proxiedClient();
    proxy.queue({ kind: 'body', contentType: 'text/html', body: '<html>I am not Bindery</html>' });
    const error = await failure(client.version_info({}));
    expect(error).toMatchObject({ name: 'BinderyError', code: 'internal_error' });
    expect(error.message).toContain('not valid JSON');
    expect(proxy.seen).toHaveLength(1);
    expect((await client.version_info({})).name).toBe('bindery');
  });

  it('turns truncated JSON in a complete answer into internal_error', async () => {
    const client = proxiedClient();
    proxy.queue({ kind: 'body', body: '{"name":"bindery","vers' });
    expect((await failure(client.version_info({}))).code).toBe('internal_error');
  });

  it('refuses an answer outside the contract, naming the fields', async () => {
    const client = proxiedClient();
    proxy.queue({ kind: 'body', body: JSON.stringify({ name: 'bindery', version: 1, store: 'sqlite' }) });
    const error = await failure(client.version_info({}));
    expect(error.code).toBe('internal_error');
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'version' }),
        expect.objectContaining({ field: 'schema_version' }),
      ]),
    );
  });

  it('retries an answer cut off mid-body (the connection broke) for a read', async () => {
    const client = proxiedClient();
    proxy.queue({ kind: 'truncate' });
    expect((await client.version_info({})).name).toBe('bindery');
    expect(proxy.seen).toHaveLength(2);
  });

  it('reads an error answer that is not JSON as the status code', async () => {
    const client = proxiedClient({ retry: { maxRetries: 0 } });
    proxy.queue({ kind: 'body', status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' });
    const error = await failure(client.version_info({}));
    expect(error).toMatchObject({
      code: 'connection_error',
      message: 'The Bindery server answered HTTP 502.',
    });
  });

  it('stops reading a 60 MB answer at the 50 MB limit with payload_too_large, and stays usable', async () => {
    const client = proxiedClient();
    proxy.queue({ kind: 'flood', bytes: SIXTY_MB, declareLength: false });
    const error = await failure(client.list_tasks({}));
    expect(error.code).toBe('payload_too_large');
    expect(proxy.seen).toHaveLength(1);
    proxy.queue({ kind: 'flood', bytes: SIXTY_MB, declareLength: true });
    expect((await failure(client.list_tasks({ limit: 2 }))).code).toBe('payload_too_large');
    expect((await client.version_info({})).name).toBe('bindery');
    expect(client.stats().breaker.state).toBe('closed');
  });

  it('counts unusable answers against the backend, but not answers over the size limit', async () => {
    const client = proxiedClient({ maxResponseBytes: 1024 });
    proxy.rule(() => ({ kind: 'flood', bytes: 4096, declareLength: false }));
    for (let i = 0; i < 6; i++)
      expect((await failure(client.list_tasks({ limit: i + 1 }))).code).toBe('payload_too_large');
    expect(client.stats().breaker.state).toBe('closed');
    proxy.rule(() => ({ kind: 'body', body: 'nope' }));
    for (let i = 0; i < 5; i++) await failure(client.list_tasks({ limit: i + 1 }));
    expect(client.stats().breaker.state).toBe('open');
  });

  it('checks the request size before sending anything', async () => {
    const client = proxiedClient({ maxRequestBytes: 1000 });
    const error = await failure(client.create_task({ title: 'big', description: 'x'.repeat(2000) }));
    expect(error).toMatchObject({ code: 'payload_too_large', details: { limit_bytes: 1000 } });
    expect(proxy.seen).toHaveLength(0);
  });

  it('turns a health answer that is not a health report into internal_error', async () => {
    const client = proxiedClient();
    proxy.queue({ kind: 'body', body: '{"ok":true}' });
    expect((await failure(client.health())).code).toBe('internal_error');
  });
});

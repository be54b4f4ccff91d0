import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { apiGuard, authorizationHeader } from '../../src/http/api-guard.ts';

const request = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('apiGuard', () => {
  it('lets anyone through on a loopback address without a token', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) {
      expect(apiGuard({ host })(request())).toBeNull();
    }
  });

  it('closes the API on other addresses unless a token is set', () => {
    expect(apiGuard({ host: '0.0.0.0' })(request())).toBe(
      'the warehouse API is closed on 0.0.0.0: set SERVICE_API_TOKEN to open it to token holders',
    );
  });

  it('asks for the exact bearer token once one is set, wherever it listens', () => {
    const token = 'a-long-enough-token-1234';
    for (const host of ['0.0.0.0', '127.0.0.1']) {
      const guard = apiGuard({ host, token });
      expect(guard(request(authorizationHeader(token).authorization))).toBeNull();
      expect(guard(request())).toBe('missing or wrong bearer token (SERVICE_API_TOKEN)');
      expect(guard(request(`Bearer ${token}x`))).toBe('missing or wrong bearer token (SERVICE_API_TOKEN)');
      expect(guard(request(token))).toBe('missing or wrong bearer token (SERVICE_API_TOKEN)');
    }
  });

  it('sends no header without a token', () => {
    expect(authorizationHeader(undefined)).toEqual({});
  });
});

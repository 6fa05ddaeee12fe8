/** The one place a request's credential is parsed and hashed (src/upstream/credential.ts). */
import { describe, expect, it } from 'vitest';
import { credentialOf, requestCredentials, toCredential } from '../src/upstream/credential.js';

describe('credential', () => {
  it('reads the Authorization header with or without Bearer, and hashes it into an id without the secret', () => {
    const sent = credentialOf('  bearer   sk-secret-123 ', null);
    expect(sent?.secret).toBe('sk-secret-123');
    expect(sent?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(sent?.id).not.toContain('sk-secret-123');
    expect(credentialOf('sk-secret-123', null)).toEqual(sent);
    expect(toCredential('other').id).not.toBe(sent?.id);
  });

  it("falls back to the server's own key only when the caller sends none", () => {
    const fallback = toCredential('server-key');
    expect(credentialOf(null, fallback)).toBe(fallback);
    expect(credentialOf('Bearer  ', fallback)).toBe(fallback);
    expect(credentialOf('Bearer mine', fallback)?.secret).toBe('mine');
    expect(credentialOf(null, null)).toBeNull();
  });

  it('parses each request once and keeps requests apart', () => {
    const of = requestCredentials(toCredential('server-key'));
    const a = new Request('http://x/graphql', { headers: { authorization: 'Bearer a' } });
    const b = new Request('http://x/graphql', { headers: { authorization: 'Bearer b' } });
    const none = new Request('http://x/graphql');
    expect(of(a)).toBe(of(a));
    expect(of(a)?.secret).toBe('a');
    expect(of(b)?.secret).toBe('b');
    expect(of(none)?.secret).toBe('server-key');
    expect(of(none)).toBe(of(new Request('http://x/graphql')));
    expect(requestCredentials(null)(none)).toBeNull();
  });
});

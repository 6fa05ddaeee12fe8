/** Secrets in responses are masked (`sk-abcd…wxyz`) unless the operator started the server with --reveal-secrets. */
import type { Context } from '../context.js';

export function maskSecret(value: string | null, prefix: string, ctx: Context): string | null {
  if (value === null) return null;
  if (ctx.settings.revealSecrets) return prefix + value;
  if (value.length < 12) return `${prefix}…`;
  return `${prefix}${value.slice(0, 4)}…${value.slice(-4)}`;
}

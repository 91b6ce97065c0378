import { createHash } from 'node:crypto';

/** A short, stable hash of `text` for globally unique names (storage accounts, key vaults). */
export function shortHash(text: string, length = 6): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Lowercase letters and digits only, at most `max` characters, with a stable hash suffix. */
export function compactName(prefix: string, base: string, max: number): string {
  const hash = shortHash(base);
  const body = base.toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${prefix}${body}`.slice(0, max - hash.length) + hash;
}

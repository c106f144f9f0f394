// Cintoo's OAuth as the provider documents it: JWT access tokens, stateless and usable in
// parallel until they expire; refresh tokens that are SINGLE USE and rotate on every refresh (a
// second use of the same refresh token fails with 401), that expire (21 days), and of which at
// most 10 are valid per user at once — issuing one more silently invalidates the oldest, which is
// how a careless "refresh in every process" client locks itself out.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CintooSettings } from './options.ts';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user_id: string;
}

interface RefreshToken {
  expiresAt: number;
  /** Consumed by a refresh, or pushed out by the per-user cap. */
  spent: boolean;
}

const b64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

export class CintooAuth {
  readonly #secret = randomBytes(32);
  /** In issue order, so the oldest valid token is the first valid one. */
  readonly #refreshTokens = new Map<string, RefreshToken>();
  readonly #userId: string;
  readonly #settings: Pick<CintooSettings, 'accessTokenTtlSec' | 'refreshTokenTtlSec' | 'maxRefreshTokensPerUser'>;

  /** `settings` is read at every issue, so lifetimes changed at run time apply to the next pair. */
  constructor(userId: string, settings: Pick<CintooSettings, 'accessTokenTtlSec' | 'refreshTokenTtlSec' | 'maxRefreshTokensPerUser'>) {
    this.#userId = userId;
    this.#settings = settings;
  }

  /** A token pair, as a person obtains one in a browser (or a refresh returns). */
  issue(): TokenPair {
    const now = Date.now();
    const valid = [...this.#refreshTokens.values()].filter((token) => !token.spent && token.expiresAt > now);
    for (const token of valid.slice(0, Math.max(0, valid.length - this.#settings.maxRefreshTokensPerUser + 1))) token.spent = true;
    for (const [value, token] of this.#refreshTokens) if (token.spent || token.expiresAt <= now) this.#refreshTokens.delete(value);
    const refreshToken = `rt_${randomBytes(24).toString('base64url')}`;
    this.#refreshTokens.set(refreshToken, { expiresAt: now + this.#settings.refreshTokenTtlSec * 1000, spent: false });
    return { access_token: this.#jwt(now), refresh_token: refreshToken, token_type: 'Bearer', expires_in: this.#settings.accessTokenTtlSec, user_id: this.#userId };
  }

  /** A new pair, or undefined for an unknown, used, pushed-out or expired refresh token. */
  refresh(refreshToken: string): TokenPair | undefined {
    const token = this.#refreshTokens.get(refreshToken);
    if (!token || token.spent || token.expiresAt <= Date.now()) return undefined;
    token.spent = true;
    return this.issue();
  }

  /** How many refresh tokens are valid now (for tests of the per-user cap). */
  validRefreshTokens(): number {
    const now = Date.now();
    return [...this.#refreshTokens.values()].filter((token) => !token.spent && token.expiresAt > now).length;
  }

  /** The user id of a valid, unexpired access token. */
  verify(authorization: string | undefined): string | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return undefined;
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return undefined;
    const expected = createHmac('sha256', this.#secret).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string; exp: number };
    return claims.exp * 1000 > Date.now() ? claims.sub : undefined;
  }

  #jwt(nowMs: number): string {
    const now = Math.floor(nowMs / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ sub: this.#userId, iat: now, exp: now + this.#settings.accessTokenTtlSec, jti: randomBytes(8).toString('hex') }));
    const signature = createHmac('sha256', this.#secret).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }
}

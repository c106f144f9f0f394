// Cintoo's OAuth as the API notes describe it: JWT access tokens usable in parallel until
// they expire, and refresh tokens that are SINGLE USE and rotate on every refresh — a second
// use of the same refresh token fails with 401.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const b64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

export class CintooAuth {
  readonly #secret = randomBytes(32);
  readonly #refreshTokens = new Map<string, { userId: string; used: boolean }>();
  readonly #userId: string;
  accessTtlSec: number;

  constructor(userId: string, accessTtlSec: number) {
    this.#userId = userId;
    this.accessTtlSec = accessTtlSec;
  }

  /** A token pair as a person would obtain it once in a browser. */
  issue(): { access_token: string; refresh_token: string; token_type: 'Bearer'; expires_in: number; user_id: string } {
    const refreshToken = `rt_${randomBytes(24).toString('base64url')}`;
    this.#refreshTokens.set(refreshToken, { userId: this.#userId, used: false });
    return { access_token: this.#jwt(), refresh_token: refreshToken, token_type: 'Bearer', expires_in: this.accessTtlSec, user_id: this.#userId };
  }

  /** Returns a new pair, or undefined for an unknown or already used refresh token. */
  refresh(refreshToken: string): ReturnType<CintooAuth['issue']> | undefined {
    const entry = this.#refreshTokens.get(refreshToken);
    if (!entry || entry.used) return undefined;
    entry.used = true;
    return this.issue();
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

  #jwt(): string {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ sub: this.#userId, iat: now, exp: now + this.accessTtlSec, jti: randomBytes(8).toString('hex') }));
    const signature = createHmac('sha256', this.#secret).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }
}

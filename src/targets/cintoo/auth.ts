// Cintoo's OAuth, client side. Access tokens (JWT, 3 h) are usable by any number of calls and
// processes in parallel; refresh tokens are single use and rotate on every refresh, and a
// second refresh with the same token fails. So:
//   - one refresh at a time: in this process (one promise in flight) and across processes
//     (the vault's rotation lock); whoever gets the lock first re-reads the vault, and if the
//     pair there is already fresh (another process refreshed), uses it without refreshing;
//   - the new pair is stored durably (the vault) before its access token is used;
//   - refresh ahead of expiry, so no call waits on a refresh at the moment of expiry;
//   - a 401 on a call means the token died early: one refresh (unless another already
//     replaced that token), one retry;
//   - a refused refresh stops the run (AuthError, exit 3) saying how to get a new first token.
//
// The unavoidable window: between Cintoo consuming a refresh token and the vault holding the
// new pair (the answer's way back plus one fsync and rename), a crash or a lost answer loses
// the new pair, and the old one is spent. Nothing a client does closes it; README "Cintoo" says
// how big it is and what the operator does then.

import { createHash } from 'node:crypto';
import type { Got } from 'got';
import type { Logger } from 'pino';
import { AuthError, RetryableError, UsageError } from '../../core/errors.ts';
import type { SecretRegistry } from '../../log/redact.ts';
import { observeRequest } from '../../metrics/observeRequest.ts';
import { NO_TARGET_METRICS, type TargetMetrics } from '../../metrics/types.ts';
import { errorForStatus, errorForTransport } from '../httpErrors.ts';
import type { RequestBudget } from '../requestBudget.ts';
import type { StoredTokens, TokenVault } from './tokenVault.ts';

/** Where a valid access token comes from, for the API client. */
export interface AccessTokens {
  /** A token that is valid now, refreshed first when it is about to expire. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** The platform refused `token` (401): a token that replaces it, refreshing unless someone already did. */
  afterRejection(token: string, signal?: AbortSignal): Promise<string>;
}

/** The first refresh token, as configured, and where it came from (for messages). */
export interface FirstToken {
  value: string | undefined;
  /** "CINTOO_REFRESH_TOKEN" or "cintoo.refreshToken in /etc/ferry.json". */
  source: string;
}

export interface CintooSessionOptions {
  vault: TokenVault;
  first: FirstToken;
  /** POSTs a refresh to the token endpoint (see `tokenRefresher`). */
  refresh(refreshToken: string, signal?: AbortSignal): Promise<TokenAnswer>;
  secrets: SecretRegistry;
  log: Logger;
  now?: () => number;
}

export interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  expiresInSec: number;
  userId?: string;
}

/** Refresh this long before expiry: 10 minutes, or a quarter of a short token's life. */
export function refreshAheadMs(tokens: Pick<StoredTokens, 'accessIssuedAt' | 'accessExpiresAt'>): number {
  return Math.min(10 * 60_000, Math.max(0, (tokens.accessExpiresAt - tokens.accessIssuedAt) / 4));
}

export class CintooSession implements AccessTokens {
  readonly #options: CintooSessionOptions;
  readonly #now: () => number;
  #current: StoredTokens | undefined;
  #inFlight: Promise<StoredTokens> | undefined;

  constructor(options: CintooSessionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    options.secrets.add(options.first.value);
  }

  async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.#current?.accessToken && this.#fresh(this.#current)) return this.#current.accessToken;
    return (await this.#renew(undefined, signal)).accessToken!;
  }

  async afterRejection(token: string, signal?: AbortSignal): Promise<string> {
    if (this.#current?.accessToken && this.#current.accessToken !== token && this.#fresh(this.#current)) return this.#current.accessToken;
    return (await this.#renew(token, signal)).accessToken!;
  }

  #fresh(tokens: StoredTokens): boolean {
    return tokens.accessExpiresAt - this.#now() > refreshAheadMs(tokens);
  }

  /** One renewal at a time in this process; `rejected`: the access token the platform refused. */
  #renew(rejected: string | undefined, signal?: AbortSignal): Promise<StoredTokens> {
    this.#inFlight ??= this.#rotate(rejected, signal).finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #rotate(rejected: string | undefined, signal?: AbortSignal): Promise<StoredTokens> {
    const { vault, first, log } = this.#options;
    const origin = first.value ? fingerprint(first.value) : undefined;
    const result = await vault.rotate(async (stored) => {
      // A first token the vault has not seen is a new login: it starts a new chain.
      const chain: StoredTokens | undefined =
        stored && (origin === undefined || stored.origin === origin) ? stored : first.value ? { refreshToken: first.value, accessToken: null, accessIssuedAt: 0, accessExpiresAt: 0, origin: origin! } : undefined;
      if (!chain) throw noToken(vault.where, first.source);
      this.#remember(chain);
      // Another process (or an earlier call) refreshed already: use its pair, burn nothing.
      if (chain.accessToken && chain.accessToken !== rejected && this.#fresh(chain)) return chain === stored ? undefined : chain;
      log.info({ tokenFile: vault.where }, 'refreshing the Cintoo access token');
      let answer: TokenAnswer;
      try {
        answer = await this.#options.refresh(chain.refreshToken, signal);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        // Refused: unless someone rotated the stored pair meanwhile (then theirs is good), the
        // chain is dead and a person has to sign in again.
        const again = await vault.read();
        if (again && again.refreshToken !== chain.refreshToken && again.accessToken) return again;
        throw refused(error, vault.where, first.source);
      }
      const issuedAt = this.#now();
      const next: StoredTokens = {
        refreshToken: answer.refreshToken,
        accessToken: answer.accessToken,
        accessIssuedAt: issuedAt,
        accessExpiresAt: issuedAt + answer.expiresInSec * 1000,
        origin: chain.origin,
        ...(answer.userId ? { userId: answer.userId } : {}),
      };
      this.#remember(next);
      return next;
    }, signal);
    if (!result?.accessToken) throw noToken(vault.where, first.source);
    this.#remember(result);
    this.#current = result;
    return result;
  }

  #remember(tokens: StoredTokens): void {
    this.#options.secrets.add(tokens.refreshToken);
    this.#options.secrets.add(tokens.accessToken);
  }
}

/** POST /oauth/token with a refresh token, classified: refused → AuthError; passing trouble → retryable. */
export function tokenRefresher(
  http: Promise<Got>,
  baseUrl: string,
  budget: RequestBudget,
  scrub: (text: string) => string,
  metrics: TargetMetrics = NO_TARGET_METRICS,
): (refreshToken: string, signal?: AbortSignal) => Promise<TokenAnswer> {
  return async (refreshToken, signal) => {
    await budget.take(signal);
    const client = await http;
    let response;
    try {
      response = await observeRequest(metrics, { target: 'cintoo', method: 'POST /oauth/token', signal }, () => client.post(`${baseUrl}/oauth/token`, { form: { grant_type: 'refresh_token', refresh_token: refreshToken }, signal }));
    } catch (error) {
      if (signal?.aborted) throw error;
      throw errorForTransport(error, 'cintoo token refresh', scrub);
    }
    const text = String(response.body);
    if (response.statusCode === 400 || response.statusCode === 401 || response.statusCode === 403) {
      throw new AuthError(`cintoo:refresh:${response.statusCode}`, scrub(`Cintoo refused the refresh token (HTTP ${response.statusCode}${errorCodeOf(text)})`));
    }
    if (response.statusCode >= 300) throw errorForStatus(response.statusCode, scrub(`cintoo token refresh: HTTP ${response.statusCode}`), `cintoo:refresh:${response.statusCode}`, response.headers['retry-after']);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new RetryableError('cintoo:refresh:unreadable', 'cintoo token refresh: the answer is not JSON');
    }
    const expiresIn = Number(body.expires_in);
    if (typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      // The pair may have been issued (the old refresh token spent) but cannot be read: nothing to store.
      throw new AuthError('cintoo:refresh:shape', 'Cintoo answered the token refresh without an access_token, refresh_token and expires_in');
    }
    metrics.tokenRefresh('cintoo');
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresInSec: expiresIn, ...(body.user_id === undefined ? {} : { userId: String(body.user_id) }) };
  };
}

/** Identifies a first token without storing it twice in the clear. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

function errorCodeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { errorCode?: unknown; error?: unknown }).errorCode ?? (JSON.parse(text) as { error?: unknown }).error;
    return typeof code === 'string' ? ` ${code}` : '';
  } catch {
    return '';
  }
}

const HOW_TO_LOG_IN =
  'sign in to Cintoo in a browser to get a new token pair (Cintoo API documentation, "Authentication"), then run again with CINTOO_REFRESH_TOKEN=<its refresh token> (or cintoo.refreshToken in the config)';

function noToken(where: string, source: string): UsageError {
  return new UsageError(`no Cintoo refresh token: ${where} holds none yet and ${source} is not set. Fix: ${HOW_TO_LOG_IN}; ferry keeps the tokens it rotates in ${where}, so this is needed once.`);
}

function refused(error: AuthError, where: string, source: string): AuthError {
  return new AuthError(
    error.code,
    `${error.message}: the token ferry holds in ${where} (first given in ${source}) was used already, pushed out by newer ones (Cintoo keeps at most 10 per user) or expired (21 days unused). ` +
      `To continue: ${HOW_TO_LOG_IN}. Every item keeps its progress.`,
    { cause: error },
  );
}

// One scrubber for every text that leaves ferry: log lines, error messages, reports and the
// ledger's error column. It works on text rather than on known fields because secrets hide in
// places nobody plans for — got's HTTPError message embeds the request URL with its api_token,
// a SAS URL carries its signature in the query string, a JSON body may echo a refresh token.

const MASK = '***';

/** Query parameters whose values are secrets wherever they appear. */
const SECRET_PARAMS = ['api_token', 'access_token', 'refresh_token', 'token', 'sig', 'signature', 'hash', 'password', 'client_secret', 'code'];

/**
 * Parameters that make a whole query string a credential: signed URLs (Azure SAS `sig`, S3
 * `X-Amz-*`, Google `X-Goog-*`, CloudFront `Signature`/`Policy`/`Key-Pair-Id`, Cincopa's upload
 * `hash`, bearer-style `token`). Their other parameters (expiry, permissions, key ids) are
 * masked with them: they tell an attacker what the signature grants.
 */
const SIGNING_PARAM = /(?:^|&)(?:sig|signature|hash|token|policy|key-pair-id|x-amz-[a-z-]+|x-goog-[a-z-]+)=/i;

const secretParamPattern = new RegExp(`([?&;](?:${SECRET_PARAMS.join('|')})=)[^&#\\s"'<>]*`, 'gi');
// A signed URL passed as a parameter of another URL (Cincopa's `input=`) arrives percent-encoded.
const encodedSecretParamPattern = new RegExp(`((?:%3F|%26)(?:${SECRET_PARAMS.join('|')})%3D)[^&#\\s"'<>%]*(?:%[0-9A-F]{2}[^&#\\s"'<>%]*)*?(?=%26|&|#|\\s|"|'|$)`, 'gi');
const urlPattern = /\bhttps?:\/\/[^\s"'<>]+/gi;
const bearerPattern = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g;
const jsonSecretPattern = /("(?:api_token|apiToken|access_token|accessToken|refresh_token|refreshToken|authorization|Authorization|password|client_secret|sig)"\s*:\s*")[^"]*(")/g;
const formSecretPattern = /\b((?:api_token|access_token|refresh_token|client_secret|password)=)[^&\s"']+/gi;
const jwtPattern = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g;

/**
 * Mask a URL: a signed URL (SAS, presigned, Cincopa upload URL) loses its whole query string;
 * any other URL loses the values of secret parameters and any userinfo.
 */
export function scrubUrl(url: string): string {
  const queryStart = url.indexOf('?');
  let out = url.replace(/^(https?:\/\/)[^/@\s]+@/i, `$1${MASK}@`);
  if (queryStart >= 0) {
    const query = url.slice(queryStart + 1).split('#')[0]!;
    if (SIGNING_PARAM.test(query)) return out.slice(0, out.indexOf('?')) + `?${MASK}`;
  }
  out = out.replace(secretParamPattern, `$1${MASK}`).replace(encodedSecretParamPattern, `$1${MASK}`);
  return out;
}

/** Mask every secret found in free text (messages, error texts, stack traces). */
export function scrubText(text: string): string {
  return text
    .replace(urlPattern, (url) => scrubUrl(url))
    .replace(secretParamPattern, `$1${MASK}`)
    .replace(formSecretPattern, `$1${MASK}`)
    .replace(bearerPattern, `$1 ${MASK}`)
    .replace(jsonSecretPattern, `$1${MASK}$2`)
    .replace(jwtPattern, MASK);
}

/** Extra literal secrets known at run time (the configured tokens), masked wherever they appear. */
export class SecretRegistry {
  readonly #values = new Set<string>();
  add(value: string | undefined | null): void {
    // Very short values would mask ordinary words; real tokens are long.
    if (value && value.length >= 6) this.#values.add(value);
  }
  scrub(text: string): string {
    let out = scrubText(text);
    for (const value of this.#values) if (out.includes(value)) out = out.split(value).join(MASK);
    return out;
  }
}

const SECRET_KEYS = /^(api_?token|access_?token|refresh_?token|authorization|password|client_?secret|sig|cookie|set-cookie)$/i;

/**
 * Deep-scrub a value for logging: strings through scrubText, secret-named keys masked,
 * Errors reduced to {type, code, message, stack, cause} with every text scrubbed.
 */
export function scrubValue(value: unknown, scrub: (text: string) => string = scrubText, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return scrubError(value, scrub, depth);
  if (value instanceof URL) return scrub(value.href);
  if (Array.isArray(value)) return value.map((entry) => scrubValue(entry, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    out[key] = SECRET_KEYS.test(key) && entry != null ? MASK : scrubValue(entry, scrub, depth + 1);
  }
  return out;
}

function scrubError(error: Error, scrub: (text: string) => string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: scrub(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  const status = (error as { response?: { statusCode?: unknown } }).response?.statusCode;
  if (typeof status === 'number') out.status = status;
  if (error.stack) out.stack = scrub(error.stack);
  if (error.cause !== undefined && depth < 4) out.cause = scrubValue(error.cause, scrub, depth + 1);
  return out;
}

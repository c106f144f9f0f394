// Cintoo's errors follow RFC 9457: {status, title, detail?, errorCode?, errorValues?}, where
// `status` and `title` are always present and the HTTP status is the source of truth.

import { STATUS_CODES } from 'node:http';

export interface CintooErrorBody {
  status: number;
  title: string;
  detail?: string;
  errorCode?: string;
  errorValues?: Record<string, unknown>;
}

export class CintooError extends Error {
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly detail: string | undefined;
  readonly errorValues: Record<string, unknown> | undefined;

  constructor(status: number, errorCode: string | undefined, extra: { detail?: string; errorValues?: Record<string, unknown> } = {}) {
    super(`${status} ${errorCode ?? ''}${extra.detail ? `: ${extra.detail}` : ''}`);
    this.status = status;
    this.errorCode = errorCode;
    this.detail = extra.detail;
    this.errorValues = extra.errorValues;
  }

  body(): CintooErrorBody {
    return errorBody(this.status, { detail: this.detail, errorCode: this.errorCode, errorValues: this.errorValues });
  }
}

export function errorBody(status: number, extra: { detail?: string; errorCode?: string; errorValues?: Record<string, unknown> } = {}): CintooErrorBody {
  return {
    status,
    title: STATUS_CODES[status] ?? 'Error',
    ...(extra.detail ? { detail: extra.detail } : {}),
    ...(extra.errorCode ? { errorCode: extra.errorCode } : {}),
    ...(extra.errorValues ? { errorValues: extra.errorValues } : {}),
  };
}

export const unauthorized = (): CintooError => new CintooError(401, 'unauthorized', { detail: 'Missing, invalid or expired authentication' });

export const invalidInput = (detail: string, errorValues?: Record<string, unknown>): CintooError => new CintooError(400, 'invalid-input', { detail, ...(errorValues ? { errorValues } : {}) });

/** 404 `<kind>-not-found`, with the reference as given in `errorValues.<kind>Id`. */
export const notFound = (kind: string, ref: string): CintooError => new CintooError(404, `${kind}-not-found`, { detail: `${kind} ${ref} not found`, errorValues: { [`${kind}Id`]: ref } });

/** 403 `deleted-<kind>`: an action on an element that is deleted. */
export const deletedElement = (kind: string, ref: string): CintooError => new CintooError(403, `deleted-${kind}`, { detail: `Access forbidden because ${kind} is deleted`, errorValues: { [`${kind}Id`]: ref } });

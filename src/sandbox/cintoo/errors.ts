/** Cintoo's error shape: {status, title, detail?, errorCode?, errorValues?}. */
export class CintooError extends Error {
  readonly status: number;
  readonly title: string;
  readonly errorCode: string;
  readonly errorValues: Record<string, unknown> | undefined;

  constructor(status: number, title: string, errorCode: string, errorValues?: Record<string, unknown>) {
    super(`${status} ${errorCode}`);
    this.status = status;
    this.title = title;
    this.errorCode = errorCode;
    this.errorValues = errorValues;
  }

  body(): Record<string, unknown> {
    return { status: this.status, title: this.title, errorCode: this.errorCode, ...(this.errorValues ? { errorValues: this.errorValues } : {}) };
  }
}

export const unauthorized = (): CintooError => new CintooError(401, 'Unauthorized', 'unauthorized');

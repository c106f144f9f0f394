// Where Cintoo's token pair lives between refreshes. Cintoo's refresh tokens are single use and
// rotate on every refresh: the pair a refresh returns is the only key to the next one, so it
// must be durable before anything relies on it, and only one refresher may hold the pair at a
// time ("single refresher, many users"). This file is the boundary: a vault stores the pair
// and serialises its rotation. The file vault below serves every ferry process of one machine;
// a vault in the shared PostgreSQL ledger can serve a fleet with the same interface.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { RetryableError, UsageError } from '../../core/errors.ts';
import { isAlive, processStartTime } from '../../ledger/runLock.ts';
import type { RunLockHolder } from '../../ledger/types.ts';
import { sleep } from '../../pipeline/backoff.ts';

/** A token pair as stored. Times are epoch ms (wall clock: other processes read them too). */
export interface StoredTokens {
  /** The pair's refresh token: single use, good for the next refresh only. */
  refreshToken: string;
  /** Usable by any number of callers in parallel until `accessExpiresAt`; null before the first refresh. */
  accessToken: string | null;
  accessIssuedAt: number;
  accessExpiresAt: number;
  /**
   * Fingerprint of the first refresh token (from config or environment) this chain of pairs grew
   * from. A first token with another fingerprint is a new login, which starts a new chain.
   */
  origin: string;
  userId?: string;
}

/**
 * Error contract: `read` and `rotate` throw UsageError for a vault that cannot be used (a
 * damaged file), RetryableError when the rotation lock stays taken past the wait, and pass on
 * whatever `update` throws (the new pair is then not stored).
 */
export interface TokenVault {
  /** Where the pair is kept, for messages ("/home/ops/.ferry/cintoo-tokens.json"). */
  readonly where: string;
  /** The stored pair, or undefined when none is stored yet. No lock: a reader may see the pair an instant before a rotation replaces it. */
  read(): Promise<StoredTokens | undefined>;
  /**
   * Calls `update` with the stored pair while holding the vault's exclusive rotation lock (one
   * caller at a time across every process that shares the vault). When `update` returns a pair,
   * it is stored durably and atomically before `rotate` resolves with it; undefined keeps the
   * stored pair, which `rotate` then resolves with.
   */
  rotate(update: (stored: StoredTokens | undefined) => Promise<StoredTokens | undefined>, signal?: AbortSignal): Promise<StoredTokens | undefined>;
}

export interface FileTokenVaultOptions {
  /** How long a rotation waits for another process's lock before giving up (retryable). */
  lockWaitMs?: number;
}

/**
 * The pair in a JSON file, mode 0600 in a 0700 folder. Writes go to a temp file that is fsynced,
 * then renamed over the old file, then the folder is fsynced: a crash leaves the old pair or the
 * new one, never half of either. Rotation is serialised by a lock file beside it (`<file>.lock`,
 * naming its holder); a lock whose process is gone is broken, so a crash never wedges the vault.
 */
export class FileTokenVault implements TokenVault {
  readonly where: string;
  readonly #lockFile: string;
  readonly #lockWaitMs: number;
  /** Rotations of this process, one after another (the lock file is per process). */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(file: string, options: FileTokenVaultOptions = {}) {
    this.where = path.resolve(file);
    this.#lockFile = `${this.where}.lock`;
    this.#lockWaitMs = options.lockWaitMs ?? 120_000;
  }

  async read(): Promise<StoredTokens | undefined> {
    let text: string;
    try {
      text = readFileSync(this.where, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UsageError(`${this.where}: the Cintoo token file cannot be read (${(error as Error).message}). Fix: give ferry read and write access to it.`);
    }
    const parsed = parseStoredTokens(text);
    if (!parsed) {
      throw new UsageError(
        `${this.where}: the Cintoo token file is damaged (not the JSON ferry writes). Fix: move it away, sign in to Cintoo in a browser for a new token pair and run again with CINTOO_REFRESH_TOKEN=<its refresh token>.`,
      );
    }
    return parsed;
  }

  rotate(update: (stored: StoredTokens | undefined) => Promise<StoredTokens | undefined>, signal?: AbortSignal): Promise<StoredTokens | undefined> {
    const run = this.#tail.then(async () => {
      const release = await this.#lock(signal);
      try {
        const stored = await this.read();
        const next = await update(stored);
        if (next === undefined) return stored;
        this.#write(next);
        return next;
      } finally {
        release();
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #write(tokens: StoredTokens): void {
    const dir = path.dirname(this.where);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${this.where}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ ...tokens, storedAt: new Date().toISOString() }, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(temp, this.where);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    // The rename is durable only once the folder's entry is.
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Takes `<file>.lock`; resolves with its release. */
  async #lock(signal?: AbortSignal): Promise<() => void> {
    mkdirSync(path.dirname(this.#lockFile), { recursive: true, mode: 0o700 });
    const startTime = processStartTime(process.pid);
    const holder: RunLockHolder = { pid: process.pid, host: hostname(), since: Date.now(), ...(startTime === undefined ? {} : { startTime }) };
    const body = JSON.stringify(holder);
    const deadline = Date.now() + this.#lockWaitMs;
    for (let wait = 10; ; wait = Math.min(250, wait * 2)) {
      signal?.throwIfAborted();
      try {
        const fd = openSync(this.#lockFile, 'wx', 0o600);
        try {
          writeSync(fd, body);
        } finally {
          closeSync(fd);
        }
        return () => this.#unlock(holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readHolder(this.#lockFile);
      if (current === 'gone') continue;
      if (current === undefined ? this.#lockAgeMs() > 5_000 : !isAlive(current)) this.#breakStale(current);
      else if (Date.now() > deadline) {
        const who = current ? `pid ${current.pid} on ${current.host} since ${new Date(current.since).toISOString()}` : 'another process';
        throw new RetryableError('cintoo:token-lock', `the Cintoo token file ${this.where} is being refreshed by ${who} for longer than ${Math.round(this.#lockWaitMs / 1000)} s`);
      } else await sleep(wait, signal);
    }
  }

  /**
   * Removes a dead holder's lock. It is first renamed aside (only one breaker can win that), and
   * if what was renamed turns out to be a live lock taken in between, it is put back.
   */
  #breakStale(dead: RunLockHolder | undefined): void {
    const aside = `${this.#lockFile}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      renameSync(this.#lockFile, aside);
    } catch {
      return; // someone else broke it first
    }
    const taken = readHolder(aside);
    const same = taken !== 'gone' && (taken === undefined || dead === undefined ? taken === dead : taken.pid === dead.pid && taken.since === dead.since);
    if (!same) {
      try {
        linkSync(aside, this.#lockFile);
      } catch {
        // a third process took the lock meanwhile; the vault's re-read after a refused refresh covers this
      }
    }
    rmSync(aside, { force: true });
  }

  #lockAgeMs(): number {
    try {
      return Date.now() - statSync(this.#lockFile).mtimeMs;
    } catch {
      return 0;
    }
  }

  #unlock(holder: RunLockHolder): void {
    const current = readHolder(this.#lockFile);
    if (current && current !== 'gone' && current.pid === holder.pid && current.since === holder.since) rmSync(this.#lockFile, { force: true });
  }
}

/** The lock's holder; undefined when unreadable (being written); 'gone' when there is no lock. */
function readHolder(file: string): RunLockHolder | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const parsed = JSON.parse(text) as Partial<RunLockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'number') {
      return { pid: parsed.pid, host: parsed.host, since: parsed.since, ...(typeof parsed.startTime === 'string' ? { startTime: parsed.startTime } : {}) };
    }
  } catch {
    // half-written
  }
  return undefined;
}

/** A stored pair from its JSON text, or undefined when it is not what ferry writes. */
export function parseStoredTokens(text: string): StoredTokens | undefined {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    if (typeof raw.refreshToken !== 'string' || raw.refreshToken === '' || typeof raw.origin !== 'string') return undefined;
    return {
      refreshToken: raw.refreshToken,
      accessToken: typeof raw.accessToken === 'string' ? raw.accessToken : null,
      accessIssuedAt: typeof raw.accessIssuedAt === 'number' ? raw.accessIssuedAt : 0,
      accessExpiresAt: typeof raw.accessExpiresAt === 'number' ? raw.accessExpiresAt : 0,
      origin: raw.origin,
      ...(typeof raw.userId === 'string' ? { userId: raw.userId } : {}),
    };
  } catch {
    return undefined;
  }
}

// Cintoo's rotating tokens, client side: the token file (atomic, 0600, one rotation at a time
// across processes, stale locks broken) and the session on top of it (one refresh in flight,
// refresh ahead of expiry, adopt a pair another process stored, a new first token starts a new
// chain, a refused refresh says how to get a new first token).

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, UsageError } from '../../../src/core/errors.ts';
import { SecretRegistry } from '../../../src/log/redact.ts';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.ts';
import { CintooSession, refreshAheadMs, tokenRefresher, type TokenAnswer } from '../../../src/targets/cintoo/auth.ts';
import { cintooHttp } from '../../../src/targets/cintoo/client.ts';
import { FileTokenVault, type StoredTokens } from '../../../src/targets/cintoo/tokenVault.ts';
import { UNLIMITED } from '../../../src/targets/requestBudget.ts';

const silent = pino({ level: 'silent' });
const tempFile = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'ferry-tokens-')), 'nested', 'tokens.json');

const pair = (refreshToken: string, accessToken: string, lifeMs = 3 * 3600_000, now = Date.now()): StoredTokens => ({ refreshToken, accessToken, accessIssuedAt: now, accessExpiresAt: now + lifeMs, origin: 'o1' });

describe('FileTokenVault', () => {
  it('stores the pair atomically, 0600 in a 0700 folder, leaving no temp file', async () => {
    const file = tempFile();
    const vault = new FileTokenVault(file);
    expect(await vault.read()).toBeUndefined();
    await vault.rotate(async () => pair('r1', 'a1'));
    expect((await vault.read())?.refreshToken).toBe('r1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readdirSync(path.dirname(file))).toEqual(['tokens.json']);
    // undefined keeps what is stored
    expect((await vault.rotate(async () => undefined))?.refreshToken).toBe('r1');
  });

  it('lets one rotation run at a time, also between two vaults on one file (two processes)', async () => {
    const file = tempFile();
    const [first, second] = [new FileTokenVault(file), new FileTokenVault(file)];
    let inside = 0;
    let most = 0;
    const rotation = (vault: FileTokenVault, token: string) =>
      vault.rotate(async (stored) => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((resolve) => setTimeout(resolve, 30));
        inside--;
        return pair(`${stored?.refreshToken ?? ''}+${token}`, token);
      });
    await Promise.all([rotation(first, 'a'), rotation(second, 'b'), rotation(first, 'c'), rotation(second, 'd')]);
    expect(most).toBe(1);
    // Each rotation saw the one before it.
    expect((await first.read())?.refreshToken.split('+').filter(Boolean).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('breaks the lock of a process that died holding it', async () => {
    const file = tempFile();
    const vault = new FileTokenVault(file, { lockWaitMs: 5_000 });
    await vault.rotate(async () => pair('r1', 'a1'));
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid!));
    });
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), since: Date.now() }));
    const stored = await vault.rotate(async () => pair('r2', 'a2'));
    expect(stored?.refreshToken).toBe('r2');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('waits for a live holder, then gives up with a retryable error naming it', async () => {
    const file = tempFile();
    const vault = new FileTokenVault(file, { lockWaitMs: 300 });
    await vault.rotate(async () => pair('r1', 'a1'));
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), since: Date.now() }));
    await expect(vault.rotate(async () => pair('r2', 'a2'))).rejects.toThrow(/being refreshed by pid \d+/);
  });

  it('calls a damaged file a usage problem with the fix', async () => {
    const file = tempFile();
    await new FileTokenVault(file).rotate(async () => pair('r1', 'a1'));
    writeFileSync(file, '{"half":');
    await expect(new FileTokenVault(file).read()).rejects.toThrow(UsageError);
  });
});

/** A session against a scripted token endpoint: each refresh hands out the next numbered pair. */
function scriptedSession(file: string, first: string | undefined, options: { lifeSec?: number; refuse?: boolean; now?: () => number } = {}) {
  const calls: string[] = [];
  let counter = 0;
  const session = new CintooSession({
    vault: new FileTokenVault(file),
    first: { value: first, source: 'CINTOO_REFRESH_TOKEN' },
    refresh: async (refreshToken): Promise<TokenAnswer> => {
      calls.push(refreshToken);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (options.refuse) throw new AuthError('cintoo:refresh:401', 'Cintoo refused the refresh token (HTTP 401 unauthorized)');
      counter++;
      return { accessToken: `access-${refreshToken}-${counter}`, refreshToken: `${refreshToken}.${counter}`, expiresInSec: options.lifeSec ?? 10_800 };
    },
    secrets: new SecretRegistry(),
    log: silent,
    ...(options.now ? { now: options.now } : {}),
  });
  return { session, calls };
}

describe('CintooSession', () => {
  it('refreshes once for many callers, stores the new pair before handing out its token', async () => {
    const file = tempFile();
    const { session, calls } = scriptedSession(file, 'first');
    const tokens = await Promise.all(Array.from({ length: 10 }, () => session.accessToken()));
    expect(calls).toEqual(['first']);
    expect(new Set(tokens)).toEqual(new Set(['access-first-1']));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredTokens;
    expect(stored).toMatchObject({ refreshToken: 'first.1', accessToken: 'access-first-1' });
    expect(await session.accessToken()).toBe('access-first-1');
    expect(calls).toHaveLength(1);
  });

  it('refreshes ahead of expiry: 10 minutes before, or a quarter of a short life', async () => {
    expect(refreshAheadMs({ accessIssuedAt: 0, accessExpiresAt: 3 * 3600_000 })).toBe(600_000);
    expect(refreshAheadMs({ accessIssuedAt: 0, accessExpiresAt: 2_000 })).toBe(500);
    let now = 1_000_000;
    const file = tempFile();
    const { session, calls } = scriptedSession(file, 'first', { lifeSec: 2, now: () => now });
    await session.accessToken();
    now += 1_400; // 0.6 s left: still fresh
    await session.accessToken();
    expect(calls).toHaveLength(1);
    now += 200; // 0.4 s left: refresh now
    expect(await session.accessToken()).toBe('access-first.1-2');
    expect(calls).toEqual(['first', 'first.1']);
  });

  it('adopts a fresh pair another process stored instead of refreshing', async () => {
    const file = tempFile();
    const one = scriptedSession(file, 'first');
    const two = scriptedSession(file, 'first');
    await one.session.accessToken();
    expect(await two.session.accessToken()).toBe('access-first-1');
    expect(two.calls).toEqual([]);
  });

  it('after a 401 refreshes once, unless the refused token was already replaced', async () => {
    const file = tempFile();
    const { session, calls } = scriptedSession(file, 'first');
    const token = await session.accessToken();
    const [a, b] = await Promise.all([session.afterRejection(token), session.afterRejection(token)]);
    expect(a).toBe(b);
    expect(calls).toEqual(['first', 'first.1']);
    expect(await session.afterRejection(token)).toBe(a);
    expect(calls).toHaveLength(2);
  });

  it('keeps using the stored chain while the same first token is configured; a new first token starts over', async () => {
    const file = tempFile();
    await scriptedSession(file, 'first').session.accessToken();
    const again = scriptedSession(file, 'first', { lifeSec: 1 });
    await again.session.afterRejection('access-first-1');
    expect(again.calls).toEqual(['first.1']);
    const relogin = scriptedSession(file, 'second');
    await relogin.session.accessToken();
    expect(relogin.calls).toEqual(['second']);
    // Without any first token, the stored chain is all there is.
    const bare = scriptedSession(file, undefined);
    expect(await bare.session.accessToken()).toMatch(/^access-second/);
  });

  it('says how to get a first token when there is none, and how to get a new one when refused', async () => {
    await expect(scriptedSession(tempFile(), undefined).session.accessToken()).rejects.toThrow(/no Cintoo refresh token: .* sign in to Cintoo in a browser .*CINTOO_REFRESH_TOKEN/);
    const refused = scriptedSession(tempFile(), 'spent', { refuse: true });
    const error = await refused.session.accessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/refused the refresh token .* used already, pushed out .* or expired .* sign in to Cintoo in a browser .* CINTOO_REFRESH_TOKEN=<its refresh token>/);
  });
});

describe('refresh across processes (against the emulator)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ services: ['cintoo'] });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => sandbox.journal.clear());

  it('four processes needing a token at once make exactly one refresh and share its pair', { timeout: 60_000 }, async () => {
    const cintoo = sandbox.cintoo!;
    const file = tempFile();
    const script = path.resolve(import.meta.dirname, '../../fixtures/cintoo-refresh.ts');
    const startAt = String(Date.now() + 1_500);
    const outputs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve, reject) =>
            execFile(process.execPath, [script, cintoo.url, file, cintoo.refreshToken, startAt], (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout.trim()))),
          ),
      ),
    );
    expect(new Set(outputs).size).toBe(1);
    expect(sandbox.journal.entries({ route: 'POST /oauth/token' }).map((entry) => entry.status)).toEqual([200]);
  });

  it('the real token endpoint: a spent refresh token is refused (AuthError), a fresh one rotates', async () => {
    const cintoo = sandbox.cintoo!;
    const refresh = tokenRefresher(cintooHttp(10_000), cintoo.url, UNLIMITED, (text) => text);
    const login = cintoo.login();
    const answer = await refresh(login.refresh_token);
    expect(answer.refreshToken).not.toBe(login.refresh_token);
    await expect(refresh(login.refresh_token)).rejects.toThrow(AuthError);
  });
});

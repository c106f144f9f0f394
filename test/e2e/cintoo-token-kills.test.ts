// Rotating refresh tokens against SIGKILL: access tokens live 2 s, so a run refreshes about every
// 1.5 s, and the run is killed again and again at seeded moments chosen from what it is seen
// doing — just after a refresh was stored, just before the next one is due, or after some more
// storage traffic — while `ferry validate` now and then uses the same token file beside it. The
// chain of token pairs must survive all of it: no refresh is ever refused, and the last run
// finishes without a new manual token.
//
// One moment is never chosen: while the token file's lock is held. That is the unavoidable
// window (the refresh request may be on its way, or its answer not yet stored: a kill there can
// spend the old refresh token without storing the new one); README "Cintoo" says how big it is.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, runFerry } from '../helpers/cli.ts';
import { filesUnder, makeCintooJob, seededFile, sharedTokenFile } from '../helpers/cintooJob.ts';
import { useSeed } from '../helpers/seed.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ services: ['cintoo'], cintoo: { accessTokenTtlSec: 2 } });
});
afterAll(async () => {
  await sandbox?.close();
});

const KILLS = 10;

describe('rotating tokens under SIGKILL', () => {
  it(`survives ${KILLS}+ kills around token refreshes without a new manual token`, { timeout: 240_000 }, async () => {
    const seeded = useSeed();
    const files: Record<string, Buffer> = {};
    for (let index = 0; index < 80; index++) files[`scans/scan-${String(index).padStart(2, '0')}.las`] = seededFile(`k${index}`, 20_000 + index * 500);
    // ~27 MB at 250 kB/s: far more than the kill rounds can move, so no round finishes the job.
    for (let index = 0; index < 4; index++) files[`big/big-${index}.e57`] = seededFile(`kb${index}`, 6_000_000);
    const tokenFile = sharedTokenFile();
    const lockFile = `${tokenFile}.lock`;
    const job = makeCintooJob({
      sandbox,
      name: 'tokens',
      files,
      tokenFile,
      cintoo: { blockThresholdBytes: 500_000, blockSizeBytes: 131_072, blocksInFlight: 2 },
      // Slow (250 kB/s for the run), so the run spans many token lifetimes and many kills.
      runner: { concurrency: 3, maxBytesPerSecond: 250_000, backoffBaseMs: 50, backoffMaxMs: 300 },
    });
    const tokenState = (): { mtimeMs: number; issuedAt: number; expiresAt: number } | undefined => {
      try {
        const stored = JSON.parse(readFileSync(tokenFile, 'utf8')) as { accessIssuedAt: number; accessExpiresAt: number };
        return { mtimeMs: statSync(tokenFile).mtimeMs, issuedAt: stored.accessIssuedAt, expiresAt: stored.accessExpiresAt };
      } catch {
        return undefined;
      }
    };
    const refreshes = (): number => sandbox.journal.count({ route: 'POST /oauth/token' });
    const storage = (): number => sandbox.journal.count({ service: 'azurite' });

    const moments: string[] = [];
    let kills = 0;
    let midRun = 0;
    let validations = 0;
    // Until the run was killed KILLS times and the chain rotated KILLS times: a round killed soon
    // after its start may find the stored token still fresh and refresh nothing (how often
    // depends on the machine's speed and on the order the folder lists its files in).
    for (let round = 0; (kills < KILLS || refreshes() < KILLS) && round < KILLS + 10; round++) {
      const mode = (['after-refresh', 'before-refresh', 'progress'] as const)[seeded.between(0, 2)];
      const delayMs = seeded.between(0, 250);
      const moreStorage = seeded.between(2, 40);
      const startState = tokenState();
      const startStorage = storage();
      let armedAt: number | undefined;
      // A mode whose moment never comes (no refresh due in this round) still ends in a kill.
      const lateAt = Date.now() + 5_000;
      let late = false;
      const child = spawn(process.execPath, [FERRY_BIN, 'run', job.jobFile, '--config', job.configFile, '--log-level', 'warn'], { env: cleanEnv(), stdio: 'ignore' });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      // The moment the mode is after (seeded), then the kill — never while the token lock is held.
      const poll = setInterval(() => {
        if (armedAt === undefined) {
          const state = tokenState();
          if (mode === 'after-refresh' && state && state.mtimeMs !== startState?.mtimeMs) armedAt = Date.now() + delayMs;
          if (mode === 'before-refresh' && state && state.mtimeMs !== startState?.mtimeMs) armedAt = state.expiresAt - (state.expiresAt - state.issuedAt) / 4 - delayMs;
          if (mode === 'progress' && storage() - startStorage >= moreStorage) armedAt = Date.now();
          if (armedAt === undefined && Date.now() >= lateAt) {
            armedAt = Date.now();
            late = true;
          }
        }
        if (armedAt !== undefined && Date.now() >= armedAt && !existsSync(lockFile)) child.kill('SIGKILL');
      }, 2);
      // Now and then a `ferry validate` of the same job, on the same token file, during the run.
      const validate = round % 3 === 1 ? runFerry(['validate', job.jobFile, '--config', job.configFile]) : undefined;
      const outcome = await exited;
      clearInterval(poll);
      if (validate) {
        const checked = await validate;
        expect(checked.stdout + checked.stderr, `seed ${seeded.seed}`).toMatch(/cintoo login accepted/);
        validations++;
      }
      if (outcome.signal === 'SIGKILL') {
        kills++;
        const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
        const view = status.code === 0 ? (JSON.parse(status.stdout) as { finished: number; total: number }) : undefined;
        if (view && view.finished < view.total) midRun++;
        moments.push(`${late ? 'late ' : ''}${mode}${mode === 'progress' ? ` +${moreStorage}` : ` ${delayMs} ms`}: ${refreshes()} refreshes, ${view ? `${view.finished}/${view.total}` : 'no ledger yet'}`);
      } else {
        expect(outcome.code, `round ${round} ended by itself (seed ${seeded.seed})`).toBe(0);
        break;
      }
    }
    const story = `seed ${seeded.seed}; kills: ${moments.join('; ')}`;
    expect(kills, story).toBeGreaterThanOrEqual(KILLS);
    expect(midRun, story).toBeGreaterThanOrEqual(KILLS - 2);
    expect(validations).toBeGreaterThanOrEqual(3);

    // The last run needs no new token: the stored chain still works. (No bandwidth cap now.)
    const final = await runFerry(['run', job.jobFile, '--config', job.configFile, '--log-level', 'warn', '--max-rate', '0'], { timeoutMs: 120_000 });
    expect(final.code, `${story}\n${final.stderr.slice(-3000)}`).toBe(0);
    const attempts = sandbox.journal.entries({ route: 'POST /oauth/token' });
    expect(attempts.length, story).toBeGreaterThanOrEqual(KILLS);
    expect(attempts.filter((entry) => entry.status !== 200), story).toEqual([]);

    const ours = filesUnder(sandbox, 'tokens');
    expect(ours).toHaveLength(Object.keys(files).length);
    expect(sandbox.inventory().cintoo!.duplicates).toEqual([]);
  });
});

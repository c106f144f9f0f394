// The target conformance suite (STYLE.md: one suite per interface, run against every
// implementation). Every target — every upload path of every platform — is held to the same
// contract, through the CLI against its sandbox:
//   - errors are classified: nothing reaches the runner as "unexpected";
//   - a re-run is idempotent, and so is a re-run with a lost ledger;
//   - a kill in each persisted state resumes from that state to done, with nothing duplicated;
//   - refused credentials stop the run with exit 3 and fail nothing;
//   - an answer lost on any mutating call never makes a duplicate.
// A target joins by describing itself with a TargetUnderTest (see cincopa.conformance.test.ts).

import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemState } from '../../src/ledger/types.ts';
import { startSandbox, type FaultRule, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';
import { cleanEnv, FERRY_BIN, reportRows, runFerry } from '../helpers/cli.ts';
import type { JobDir } from '../helpers/jobDir.ts';
import { waitFor } from '../helpers/wait.ts';

export interface TargetUnderTest {
  /** e.g. "cincopa from_url". */
  name: string;
  sandbox: SandboxOptions;
  /** A job of `count` items named `name` (keys unique to this name), with these runner settings on top of quick test ones. */
  makeJob(sandbox: Sandbox, name: string, count: number, runner?: Record<string, number>): JobDir;
  /** What the platform holds for this job: platform ids per item key (more than one = a duplicate). */
  holdings(sandbox: Sandbox, job: string): Map<string, string[]>;
  /** Extra platform-level duplicates the target can see (gallery doubles, twin files), as readable lines. */
  doubles(sandbox: Sandbox, job: string): string[];
  /**
   * The persisted states an item of this path passes through before done, each with a fault
   * that holds items in that state — the next call is refused without being carried out (a
   * reset), so items wait there for their retry — and a kill lands there.
   */
  holdIn: { state: ItemState; fault: FaultRule }[];
  /** Faults a healthy run must ride out: 5xx, 429, resets. */
  transient: FaultRule[];
  /** Mutating calls whose answers may be lost after the platform acted. */
  lostAnswers: FaultRule[];
  /** Refused credentials in the middle of a run. */
  authMidRun: FaultRule;
}

const ITEMS = 6;

export function targetConformance(target: TargetUnderTest): void {
  describe(`target conformance: ${target.name}`, () => {
    let sandbox: Sandbox;
    let jobs = 0;
    const nextName = (what: string): string => `${what}${++jobs}`;

    beforeAll(async () => {
      sandbox = await startSandbox(target.sandbox);
    });
    afterAll(async () => {
      await sandbox?.close();
    });

    const run = (job: JobDir, extra: string[] = []) => runFerry(['run', job.jobFile, '--config', job.configFile, ...extra], { timeoutMs: 90_000 });

    const report = reportRows;

    /** Every item done (or skipped), each held once at the platform under the id the ledger knows. */
    async function expectExactlyOnce(job: JobDir, name: string): Promise<void> {
      const rows = await report(job);
      expect(rows).toHaveLength(ITEMS);
      const holdings = target.holdings(sandbox, name);
      for (const row of rows) {
        expect(['done', 'skipped'], `${row.key}: ${row.state} ${row.error ?? ''}`).toContain(row.state);
        expect(holdings.get(row.key), `${row.key} at the platform`).toEqual([row.remote_id]);
      }
      expect(holdings.size).toBe(ITEMS);
      expect(target.doubles(sandbox, name)).toEqual([]);
    }

    it('classifies every error: transient faults are ridden out, nothing is "unexpected"', async () => {
      sandbox.faults.clear();
      for (const rule of target.transient) sandbox.faults.add(rule);
      const name = nextName('classified');
      const job = target.makeJob(sandbox, name, ITEMS);
      const result = await run(job, ['--log-level', 'info']);
      sandbox.faults.clear();
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(result.stderr).not.toMatch(/unexpected error in a step|item driver crashed|a defect/);
      expect(result.stderr).toMatch(/will retry|rate limited|pausing/);
      await expectExactlyOnce(job, name);
    });

    it('a re-run changes nothing, and a re-run with a lost ledger finds everything', async () => {
      sandbox.faults.clear();
      const name = nextName('rerun');
      const job = target.makeJob(sandbox, name, ITEMS);
      expect((await run(job)).code).toBe(0);
      const before = JSON.stringify([...target.holdings(sandbox, name)].sort());
      const again = await run(job);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`0 new, 0 changed, ${ITEMS} unchanged`));
      rmSync(path.dirname(job.ledgerFile), { recursive: true, force: true });
      const fresh = await run(job);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(JSON.stringify([...target.holdings(sandbox, name)].sort())).toBe(before);
      await expectExactlyOnce(job, name);
    });

    for (const hold of target.holdIn) {
      it(`resumes from ${hold.state} after a kill`, async () => {
        sandbox.faults.clear();
        const holdId = sandbox.faults.add(hold.fault);
        const name = nextName(`kill-${hold.state}-`);
        // Slow retries: held items wait in their state instead of spending their attempts.
        const job = target.makeJob(sandbox, name, ITEMS, { backoffBaseMs: 2_000, backoffMaxMs: 5_000 });
        const child = spawn(process.execPath, [FERRY_BIN, 'run', job.jobFile, '--config', job.configFile, '--log-level', 'warn'], { env: cleanEnv(), stdio: 'ignore' });
        const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
        try {
          await waitFor(async () => ((await counts(job))[hold.state] ?? 0) > 0, `an item persisted in ${hold.state}`, 60_000, 100);
        } finally {
          child.kill('SIGKILL');
          await exited;
        }
        sandbox.faults.remove(holdId);
        const resumed = await run(job);
        expect(resumed.code, resumed.stderr.slice(-3000)).toBe(0);
        await expectExactlyOnce(job, name);
      });
    }

    it('refused credentials stop the run with exit 3 and fail nothing', async () => {
      sandbox.faults.clear();
      sandbox.faults.add(target.authMidRun);
      const name = nextName('auth');
      const job = target.makeJob(sandbox, name, ITEMS);
      const result = await run(job);
      sandbox.faults.clear();
      expect(result.code, result.stderr.slice(-3000)).toBe(3);
      expect((await report(job)).filter((row) => row.state === 'failed')).toEqual([]);
      const after = await run(job);
      expect(after.code, after.stderr.slice(-3000)).toBe(0);
      await expectExactlyOnce(job, name);
    });

    for (const lost of target.lostAnswers) {
      it(`an answer lost on ${lost.route} never duplicates`, async () => {
        sandbox.faults.clear();
        sandbox.faults.add(lost);
        const name = nextName('lost');
        const job = target.makeJob(sandbox, name, ITEMS);
        const result = await run(job);
        sandbox.faults.clear();
        expect(result.code, result.stderr.slice(-3000)).toBe(0);
        expect(sandbox.journal.entries({ route: lost.route }).some((entry) => entry.fault === 'lost-response'), 'the fault fired').toBe(true);
        await expectExactlyOnce(job, name);
      });
    }
  });
}

async function counts(job: JobDir): Promise<Partial<Record<ItemState, number>>> {
  const status = await runFerry(['status', job.jobFile, '--config', job.configFile, '--json']);
  if (status.code !== 0) return {};
  return (JSON.parse(status.stdout) as { counts: Partial<Record<ItemState, number>> }).counts;
}

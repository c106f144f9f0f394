// Bytes: uploads whose limit is the transfer, not the API. Cincopa direct upload beside curl
// on the same files and endpoint; Cintoo folder jobs (hash, sign, upload, register) beside curl
// and rclone writing the same files into the same kind of sandbox storage (Azurite behind the
// sandbox's storage proxy). Files are generated once into the section's temporary folder.

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { SectionContext, Section } from '../lib/context.ts';
import { runFerry, writeJob } from '../lib/ferry.ts';
import { generateFiles, MiB, type GeneratedFile } from '../lib/files.ts';
import { alternate, median } from '../lib/rounds.ts';
import type { MemoryEntry } from '../lib/results.ts';
import { num, perRound, ratio, type Row } from '../lib/table.ts';
import { curlToCincopa, curlToCintoo, rcloneToCintoo } from '../lib/uploaders.ts';

const PARALLEL = 4;

interface Timed {
  seconds: number;
  peakRssMb?: number;
}

export const bytes: Section = async (context) => {
  const { options, work, progress } = context;
  const files = path.join(work, 'files');
  mkdirSync(files);
  const sizes = options.quick
    ? { direct: [4, 8], small: [4, 16], big: [1, 64] }
    : // Direct: 2 GiB, seconds of transfer, so that ferry's start-up and planning (~0.4 s, which
      // curl's clock leaves out) do not decide the figure as they did with 8 × 48 MiB (1.2 s).
      { direct: [8, 256], small: [20, 100], big: [2, 2048] };
  progress('generating files');
  const direct = await generateFiles(files, 'clip', '.mp4', sizes.direct[0]!, sizes.direct[1]! * MiB, 1000);
  const small = await generateFiles(files, 'scan', '.e57', sizes.small[0]!, sizes.small[1]! * MiB, 2000);
  const big = await generateFiles(files, 'site', '.e57', sizes.big[0]!, sizes.big[1]! * MiB, 3000);

  const cincopa = await cincopaDirect(context, files, direct);
  const smallSet = await cintooSet(context, files, 'scan-*.e57', small, options.rounds);
  // The big set costs minutes a round (rclone is the slow one), so it gets one round unless --rounds is above 3.
  const bigRounds = options.rounds > 3 ? options.rounds : 1;
  const bigSet = await cintooSet(context, files, 'site-*.e57', big, bigRounds);

  const describe = (list: GeneratedFile[]): string => `${list.length} × ${num(list[0]!.size / MiB)} MiB`;
  const mbps = (list: GeneratedFile[], timed: Timed[]): number[] => timed.map((entry) => list.reduce((sum, file) => sum + file.size, 0) / MiB / entry.seconds);
  const rows: Row[] = [];
  const memory: MemoryEntry[] = [];
  const add = (figure: string, list: GeneratedFile[], ferry: Timed[], reference: Timed[], referenceName: string, aim: string): void => {
    const ferryRates = mbps(list, ferry);
    const referenceRates = mbps(list, reference);
    rows.push({ figure, ferry: num(median(ferryRates), 1), reference: `${num(median(referenceRates), 1)} (${referenceName})`, ratio: ratio(median(ferryRates), median(referenceRates)), aim, rounds: perRound(ferryRates, referenceRates, 1) });
  };
  add(`Cincopa direct upload, ${describe(direct)}, MiB/s`, direct, cincopa.ferry, cincopa.curl, 'curl', '≥ 0.9×');
  add(`Cintoo, ${describe(small)}, MiB/s`, small, smallSet.ferry, smallSet.curl, 'curl', '—');
  add(`Cintoo, ${describe(small)}, MiB/s`, small, smallSet.ferry, smallSet.rclone, 'rclone', '≥ 1.0×');
  add(`Cintoo, ${describe(big)}, MiB/s`, big, bigSet.ferry, bigSet.curl, 'curl', '—');
  add(`Cintoo, ${describe(big)}, MiB/s`, big, bigSet.ferry, bigSet.rclone, 'rclone', '≥ 1.0×');
  for (const [process, timed] of [[`ferry run, Cincopa direct, ${describe(direct)}`, cincopa.ferry], [`ferry run, Cintoo, ${describe(small)}`, smallSet.ferry], [`ferry run, Cintoo, ${describe(big)}`, bigSet.ferry]] as const) {
    memory.push({ section: 'bytes', process, peakRssMb: median(timed.map((entry) => entry.peakRssMb ?? 0)) });
  }
  return {
    name: 'bytes',
    title: 'Bytes',
    method: [
      `Generated files (incompressible, hashed while written), ${PARALLEL} at a time for every tool. Times are whole processes: ferry's include start-up, planning, hashing and registering; the references' exclude getting upload URLs and MD5s (done before the clock).`,
      `- Cincopa direct: \`ferry run\` of a folder job (mode direct, ferry's default 50 MiB chunks, as Cincopa's uploader) beside curl POSTing each file whole to its own upload URL, same sandbox endpoint; ${options.rounds} alternating rounds.`,
      `- Cintoo: \`ferry run\` of a folder job (MD5, sign, Put Blob up to 256 MiB and 4 MiB blocks above, register) beside curl (one Put Blob per signed URL) and \`rclone copy\` (azureblob backend, container SAS, its default 4 MiB chunks) into the same kind of sandbox storage, each on a fresh sandbox with storage on disk. ${describe(small)}: ${options.rounds} alternating rounds; ${describe(big)}: ${bigRounds} round(s) (minutes each; more with \`--rounds 5\`).`,
    ],
    rows,
    memory,
  };
};

async function cincopaDirect({ options, work, current, progress }: SectionContext, files: string, list: GeneratedFile[]): Promise<{ ferry: Timed[]; curl: Timed[] }> {
  const sandbox = await startSandbox({ services: ['cincopa'] });
  try {
    const results = await alternate<Timed>(
      options.rounds,
      [
        {
          name: 'ferry',
          run: async (round) => {
            const name = `direct-${round}`;
            const job = writeJob(path.join(work, name), name, { source: { type: 'glob', root: files, include: ['clip-*.mp4'] }, target: { type: 'cincopa', mode: 'direct' }, runner: { concurrency: PARALLEL } }, { cincopa: { apiUrl: sandbox.cincopa.url, apiToken: sandbox.cincopa.apiToken } });
            const run = await runFerry(current, job);
            if (!run.stdout.includes(`done ${list.length} `)) throw new Error(`ferry did not upload every file: ${run.stdout}`);
            return { seconds: run.seconds, peakRssMb: run.peakRssMb };
          },
        },
        { name: 'curl', run: async () => ({ seconds: await curlToCincopa(sandbox, list, PARALLEL) }) },
      ],
      (line) => progress(`Cincopa direct ${line}`),
    );
    return { ferry: results.ferry!, curl: results.curl! };
  } finally {
    await sandbox.close();
  }
}

async function cintooSet({ work, current, progress }: SectionContext, files: string, include: string, list: GeneratedFile[], rounds: number): Promise<{ ferry: Timed[]; curl: Timed[]; rclone: Timed[] }> {
  let runs = 0;
  const withSandbox = async (work_: (sandbox: Sandbox) => Promise<Timed>): Promise<Timed> => {
    const storageDir = path.join(work, `azurite-${runs++}`);
    const sandbox = await startSandbox({ services: ['cintoo'], cintoo: { storageDir } });
    try {
      return await work_(sandbox);
    } finally {
      await sandbox.close();
      rmSync(storageDir, { recursive: true, force: true });
    }
  };
  const results = await alternate<Timed>(
    rounds,
    [
      {
        name: 'ferry',
        run: (round) =>
          withSandbox(async (sandbox) => {
            const cintoo = sandbox.cintoo!;
            const name = `cintoo-${include.slice(0, 4)}-${round}`;
            const dir = path.join(work, name);
            const job = writeJob(dir, name, { source: { type: 'glob', root: files, include: [include] }, target: { type: 'cintoo', account: cintoo.accountId, project: cintoo.projectId, workzonePath: 'bench' }, runner: { concurrency: PARALLEL } }, { cintoo: { baseUrl: cintoo.url, refreshToken: cintoo.refreshToken, tokenFile: path.join(dir, 'tokens.json') } });
            const run = await runFerry(current, job);
            if (cintoo.inventory().files.length !== list.length) throw new Error(`ferry registered ${cintoo.inventory().files.length} of ${list.length} files: ${run.stdout}`);
            return { seconds: run.seconds, peakRssMb: run.peakRssMb };
          }),
      },
      { name: 'curl', run: () => withSandbox(async (sandbox) => ({ seconds: await curlToCintoo(sandbox, list, PARALLEL) })) },
      { name: 'rclone', run: () => withSandbox(async (sandbox) => ({ seconds: await rcloneToCintoo(sandbox, files, include, PARALLEL) })) },
    ],
    (line) => progress(`Cintoo ${include} ${line}`),
  );
  return { ferry: results.ferry!, curl: results.curl!, rclone: results.rclone! };
}

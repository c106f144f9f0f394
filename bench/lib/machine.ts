// The facts a reader needs to compare two RESULTS.md files: which machine, which Node, which commit.

import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface MachineFacts {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
  commit: string;
  date: string;
}

export function machineFacts(root: string): MachineFacts {
  const git = (...args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const dirty = git('status', '--porcelain', '--untracked-files=no') === '' ? '' : ' (with uncommitted changes)';
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    commit: `${git('rev-parse', '--short', 'HEAD')}${dirty}`,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

export function describeMachine(facts: MachineFacts): string {
  return `${facts.cpu}, ${facts.cores} cores, ${facts.memoryGb} GB; Node ${facts.node}; ${facts.os}`;
}

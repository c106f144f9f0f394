// The sandbox's own capacity for the simplest request (ping), measured by a load generator in
// a process of its own: wrk when installed, else autocannon from devDependencies.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { measure } from './child.ts';

export interface Capacity {
  requestsPerSecond: number;
  tool: string;
}

export async function pingCapacity(root: string, url: string, seconds: number, connections = 32): Promise<Capacity> {
  if (await hasCommand('wrk')) {
    const { stdout } = await measure('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, url]);
    const perSecond = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
    if (!perSecond) throw new Error(`wrk printed no Requests/sec: ${stdout}`);
    return { requestsPerSecond: Number(perSecond), tool: `wrk, ${connections} connections, 1 thread` };
  }
  const autocannon = path.join(root, 'node_modules', '.bin', 'autocannon');
  if (!existsSync(autocannon)) throw new Error('neither wrk nor autocannon (npm ci installs it) is available');
  const { stdout } = await measure(autocannon, ['-c', String(connections), '-d', String(seconds), '-j', url]);
  return { requestsPerSecond: (JSON.parse(stdout) as { requests: { average: number } }).requests.average, tool: `autocannon, ${connections} connections` };
}

export async function hasCommand(name: string): Promise<boolean> {
  try {
    await measure('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

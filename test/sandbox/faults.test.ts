// The fault rules' semantics (probability, times, after, latency with a terminal fault), fault
// profiles' validation, and the journal's secret masking and cap.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Faults, loadFaultProfile } from '../../src/sandbox/faults.ts';
import { Journal } from '../../src/sandbox/journal.ts';

/** A random source that replays the given values, so probability draws are scripted. */
const scripted = (...values: number[]): (() => number) => {
  let index = 0;
  return () => values[index++ % values.length]!;
};

const kinds = (faults: Faults, count: number, route = 'ping'): (string | undefined)[] =>
  Array.from({ length: count }, () => faults.pick('cincopa', route)?.kind);

describe('Faults', () => {
  it('`after` skips the first N matching requests, `times` caps the uses', () => {
    const faults = new Faults([{ service: 'cincopa', route: 'ping', kind: 'status', after: 2, times: 3 }]);
    expect(kinds(faults, 7)).toEqual([undefined, undefined, 'status', 'status', 'status', undefined, undefined]);
    expect(faults.list()[0]).toMatchObject({ used: 3, kind: 'status' });
  });

  it('`probability` fires when the draw is below it, and a miss does not count a use', () => {
    const faults = new Faults([{ service: 'cincopa', route: '*', kind: 'status', probability: 0.3, times: 2 }], scripted(0.5, 0.1, 0.29, 0.3, 0.0));
    expect(kinds(faults, 5)).toEqual([undefined, 'status', 'status', undefined, undefined]);
    expect(faults.list()[0]!.used).toBe(2);
  });

  it('matches by service and route, with * for either', () => {
    const faults = new Faults([
      { service: 'origin', route: '*', kind: 'reset' },
      { service: '*', route: 'asset.list', kind: 'rate-limit' },
    ]);
    expect(faults.pick('cincopa', 'ping')).toBeUndefined();
    expect(faults.pick('origin', 'HEAD')?.kind).toBe('reset');
    expect(faults.pick('cintoo', 'asset.list')?.kind).toBe('rate-limit');
  });

  it('latency adds to a terminal fault instead of hiding it', () => {
    const faults = new Faults([
      { service: '*', route: '*', kind: 'latency', latencyMs: 30 },
      { service: '*', route: '*', kind: 'latency', latencyMs: 12 },
      { service: 'cincopa', route: 'ping', kind: 'status', status: 502, times: 1 },
    ]);
    const first = faults.draw('cincopa', 'ping');
    expect(first.delayMs).toBe(42);
    expect(first.rule?.status).toBe(502);
    expect(faults.pick('cincopa', 'ping')?.kind).toBe('latency'); // the 502 is used up
  });

  it('every matching rule counts the request, even when an earlier rule fired', () => {
    const faults = new Faults([
      { service: 'cincopa', route: 'ping', kind: 'status', times: 2 },
      { service: 'cincopa', route: 'ping', kind: 'rate-limit', after: 2, times: 1 },
    ]);
    expect(kinds(faults, 4)).toEqual(['status', 'status', 'rate-limit', undefined]);
  });

  it('processing faults are only picked by the method asking for them', () => {
    const faults = new Faults([{ service: 'cincopa', route: '*', kind: 'processing-stuck' }]);
    expect(faults.pick('cincopa', 'ping')).toBeUndefined();
    expect(faults.pick('cincopa', 'asset.upload_from_url', ['processing-stuck'])?.kind).toBe('processing-stuck');
  });

  it('add, remove, clear and list', () => {
    const faults = new Faults();
    const a = faults.add({ service: 'cincopa', route: 'ping', kind: 'auth' });
    const b = faults.add({ service: 'cincopa', route: 'ping', kind: 'status' });
    faults.remove(a);
    expect(faults.list().map((rule) => rule.id)).toEqual([b]);
    expect(faults.pick('cincopa', 'ping')?.kind).toBe('status');
    faults.clear();
    expect(faults.list()).toEqual([]);
    expect(() => faults.add({ service: 'cincopa', route: 'ping', kind: 'nonsense' as never })).toThrow();
  });
});

describe('loadFaultProfile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ferry-faults-'));
  const write = (name: string, content: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('reads an array or {faults: [...]}', () => {
    const rule = { service: 'cincopa', route: 'asset.list', kind: 'rate-limit', retryAfterSec: 2 };
    expect(loadFaultProfile(write('a.json', JSON.stringify([rule])))).toEqual([rule]);
    expect(loadFaultProfile(write('b.json', JSON.stringify({ faults: [rule] })))[0]).toMatchObject(rule);
  });

  it('names the file and the rule index when a rule is wrong', () => {
    const file = write('bad.json', JSON.stringify([{ kind: 'status' }, { kind: 'status', probability: 3 }]));
    expect(() => loadFaultProfile(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: rule 1: probability`));
    expect(() => loadFaultProfile(write('kind.json', '[{"kind":"explode"}]'))).toThrow(/rule 0: kind/);
    expect(() => loadFaultProfile(write('notjson.json', '{'))).toThrow(/notjson\.json: the fault profile cannot be read as JSON/);
    expect(() => loadFaultProfile(write('obj.json', '{"rules":[]}'))).toThrow(/obj\.json: a fault profile is a JSON array/);
  });
});

describe('Journal', () => {
  it('masks secrets in params and filters by service and route', () => {
    const journal = new Journal();
    journal.record({ service: 'cincopa', method: 'GET', route: 'ping', params: { api_token: 'tok-123', rid: 'A1' }, status: 200, ms: 1 });
    journal.record({ service: 'cintoo', method: 'POST', route: 'POST /oauth/token', params: { refresh_token: 'r', Authorization: 'Bearer x', sig: 's' }, status: 200, ms: 1 });
    expect(journal.entries({ service: 'cincopa' })[0]!.params).toEqual({ api_token: '***', rid: 'A1' });
    expect(journal.entries({ route: 'POST /oauth/token' })[0]!.params).toEqual({ refresh_token: '***', Authorization: '***', sig: '***' });
    expect(JSON.stringify(journal.entries())).not.toMatch(/tok-123|Bearer/);
    expect(journal.count()).toBe(2);
    expect(journal.entries().map((entry) => entry.seq)).toEqual([1, 2]);
    journal.clear();
    expect(journal.count()).toBe(0);
  });

  it('keeps at most `cap` entries, dropping the oldest', () => {
    const journal = new Journal(100);
    for (let index = 0; index < 250; index++) journal.record({ service: 'origin', method: 'GET', route: 'GET', params: {}, status: 200, ms: 0 });
    const entries = journal.entries();
    expect(entries.length).toBeLessThanOrEqual(100);
    expect(entries.at(-1)!.seq).toBe(250);
  });
});

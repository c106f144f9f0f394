// ferry's readers of Cincopa's answers accept every variant the evidence allows
// (evidence.md §2/§3): rid under resid, rid or asset_id; finished as done, ready, completed;
// progress as string or number; unknown status strings as in progress, flagged.

import { describe, expect, it } from 'vitest';
import { readNewResourceId, readPage, readUploadStatus } from '../../../src/targets/cincopa/responses.ts';
import { nextPollDelay } from '../../../src/targets/cincopa/pollSchedule.ts';
import { useSeed } from '../../helpers/seed.ts';

describe('reading upload_from_url_get_status', () => {
  it.each([
    [{ success: true, status: 'done', resid: 'AAA1' }, 'done', 'AAA1'],
    [{ success: true, status: 'ready', rid: 'AAA2' }, 'done', 'AAA2'],
    [{ success: true, status: 'completed', asset_id: 'AAA3', progress: 100 }, 'done', 'AAA3'],
    [{ success: true, status: 'inprogress', progress: '50', progress_bytes: '5000', file_size_bytes: '10000', resid: '' }, 'inprogress', null],
    [{ success: true, status: 'in_progress', progress: 1, file_size_bytes: -1 }, 'inprogress', null],
    [{ success: true, status: 'failed', more: 'HTTP 404' }, 'failed', null],
    [{ success: false, message: 'status not found' }, 'failed', null],
    [{ success: true, status: 'completed' }, 'done', null],
  ] as const)('%j → %s', (body, state, rid) => {
    const status = readUploadStatus(body as Record<string, unknown>);
    expect(status.state).toBe(state);
    expect(status.rid).toBe(rid);
    expect(status.known).toBe(true);
  });

  it('reads progress as string or number and an unknown size as null', () => {
    expect(readUploadStatus({ status: 'inprogress', progress: '42', file_size_bytes: '-1' })).toMatchObject({ progressPercent: 42, size: null });
    expect(readUploadStatus({ status: 'inprogress', progress: 42.5, file_size_bytes: 1000 })).toMatchObject({ progressPercent: 42.5, size: 1000 });
  });

  it('counts a status it does not know as still in progress, and says it does not know it', () => {
    expect(readUploadStatus({ success: true, status: 'transmogrifying' })).toMatchObject({ state: 'inprogress', known: false, status: 'transmogrifying' });
  });
});

describe('other answers', () => {
  it('finds the rid in a one-line or a multi-line final chunk answer', () => {
    expect(readNewResourceId('upload complete; new resource id 812 AAAAtAURG')).toBe('AAAAtAURG');
    expect(readNewResourceId('OK\nfile: a.mp4\nsize: 10\n\nstored\nnew resource id 812 AAAAtAURG\n')).toBe('AAAAtAURG');
    expect(readNewResourceId('error: upload expired')).toBeNull();
  });

  it('reads the page count under pages_count or page_count, in a folder or not', () => {
    expect(readPage({ items: [1, 2], items_data: { pages_count: 3 } }, ['items'])).toEqual({ items: [1, 2], pages: 3 });
    expect(readPage({ galleries: [1], items_data: { page_count: '2' } }, ['galleries'])).toEqual({ items: [1], pages: 2 });
    expect(readPage({ folder: { items: [1], items_data: { items_count: 1 } } }, ['items'])).toEqual({ items: [1], pages: 1 });
  });
});

describe('polite polling', () => {
  const schedule = { firstMs: 1_000, maxMs: 60_000, factor: 1.5, jitter: 0.1 };
  const pollsUntil = (processingMs: number, random: () => number): number => {
    let elapsed = 0;
    let polls = 0;
    while (elapsed < processingMs) {
      elapsed += nextPollDelay(polls, schedule, random);
      polls++;
    }
    return polls;
  };

  it('a source that takes 30 s costs at most 8 get_status calls, one that takes 10 min at most ~20', () => {
    const { random, seed } = useSeed();
    for (let round = 0; round < 50; round++) {
      expect(pollsUntil(30_000, random), `seed ${seed}`).toBeLessThanOrEqual(8);
      expect(pollsUntil(600_000, random), `seed ${seed}`).toBeLessThanOrEqual(20);
    }
  });

  it('is quick at first, never exceeds the cap, and spreads items apart', () => {
    expect(nextPollDelay(0, schedule, () => 0.5)).toBe(1_000);
    expect(nextPollDelay(30, schedule, () => 1)).toBeLessThanOrEqual(66_000);
    expect(nextPollDelay(3, schedule, () => 0)).not.toBe(nextPollDelay(3, schedule, () => 1));
  });
});

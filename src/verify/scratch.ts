// What the destination listing saw, kept in a throw-away SQLite file rather than in memory, so
// verifying 300,000 assets needs the memory of one page of the listing plus SQLite's cache.
// The ledger is then streamed against it with indexed point lookups.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { DestinationEntry } from '../targets/types.ts';

export interface SeenObject {
  key: string;
  revision: number | null;
  remoteId: string;
  size: number | null;
  title: string | null;
  createdAt: number | null;
}

export class Scratch {
  readonly #dir = mkdtempSync(path.join(tmpdir(), 'ferry-verify-'));
  readonly #db = new DatabaseSync(path.join(this.#dir, 'seen.sqlite'));
  readonly #insertSeen: StatementSync;
  readonly #insertUnlabelled: StatementSync;
  readonly #insertMember: StatementSync;
  readonly #insertName: StatementSync;
  readonly #byKey: StatementSync;
  readonly #markMatched: StatementSync;
  readonly #memberCount: StatementSync;
  #pending = 0;

  constructor() {
    this.#db.exec(`PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
      CREATE TABLE seen (key TEXT NOT NULL, revision INTEGER, remote_id TEXT NOT NULL, size INTEGER, title TEXT, created_at INTEGER, matched INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX seen_key ON seen (key);
      CREATE TABLE unlabelled (name TEXT NOT NULL, remote_id TEXT NOT NULL, size INTEGER);
      CREATE TABLE members (remote_id TEXT PRIMARY KEY, count INTEGER NOT NULL);
      CREATE TABLE names (name TEXT PRIMARY KEY);`);
    this.#insertSeen = this.#db.prepare('INSERT INTO seen (key, revision, remote_id, size, title, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#insertUnlabelled = this.#db.prepare('INSERT INTO unlabelled (name, remote_id, size) VALUES (?, ?, ?)');
    this.#insertMember = this.#db.prepare('INSERT INTO members (remote_id, count) VALUES (?, 1) ON CONFLICT (remote_id) DO UPDATE SET count = count + 1');
    this.#insertName = this.#db.prepare('INSERT OR IGNORE INTO names (name) VALUES (?)');
    this.#byKey = this.#db.prepare('SELECT key, revision, remote_id AS remoteId, size, title, created_at AS createdAt FROM seen WHERE key = ?');
    this.#markMatched = this.#db.prepare('UPDATE seen SET matched = 1 WHERE key = ?');
    this.#memberCount = this.#db.prepare('SELECT count FROM members WHERE remote_id = ?');
    this.#db.exec('BEGIN');
  }

  /** Writes are batched in transactions of a few thousand rows. */
  #wrote(): void {
    if (++this.#pending < 5_000) return;
    this.#db.exec('COMMIT; BEGIN');
    this.#pending = 0;
  }

  add(entry: DestinationEntry): void {
    if (entry.kind === 'labelled') this.#insertSeen.run(entry.key, entry.revision, entry.remoteId, entry.size, entry.title, entry.createdAt);
    else this.#insertUnlabelled.run(entry.name, entry.remoteId, entry.size);
    this.#wrote();
  }

  addMember(remoteId: string): void {
    this.#insertMember.run(remoteId);
    this.#wrote();
  }

  /** A file name one of the job's items would give an unlabelled twin. */
  addName(name: string): void {
    this.#insertName.run(name);
    this.#wrote();
  }

  /** Everything seen under this key (and marks it matched by the ledger). */
  take(key: string): SeenObject[] {
    const rows = this.#byKey.all(key) as unknown as SeenObject[];
    if (rows.length > 0) this.#markMatched.run(key);
    return rows;
  }

  memberCount(remoteId: string): number {
    return (this.#memberCount.get(remoteId) as { count: number } | undefined)?.count ?? 0;
  }

  /** Labelled objects whose key the ledger does not hold. */
  *unmatched(): Generator<SeenObject> {
    this.#flush();
    yield* this.#db.prepare('SELECT key, revision, remote_id AS remoteId, size, title, created_at AS createdAt FROM seen WHERE matched = 0 ORDER BY key').iterate() as Iterable<SeenObject>;
  }

  /** Unlabelled objects whose name is one of the job's. */
  *unlabelledTwins(): Generator<{ name: string; remoteId: string; size: number | null }> {
    this.#flush();
    yield* this.#db.prepare('SELECT u.name, u.remote_id AS remoteId, u.size FROM unlabelled u JOIN names n ON n.name = u.name ORDER BY u.name').iterate() as Iterable<{ name: string; remoteId: string; size: number | null }>;
  }

  #flush(): void {
    this.#db.exec('COMMIT; BEGIN');
    this.#pending = 0;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

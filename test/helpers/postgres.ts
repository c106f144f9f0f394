// PostgreSQL for tests, the way pg-boss and graphile-worker test: a real server, one database
// per test file (random name, dropped afterwards). FERRY_TEST_PG names the server (default:
// the local one). Without a reachable server the tests are skipped with a visible warning,
// unless CI=true: there a missing PostgreSQL fails the run instead of passing it silently.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';

export const PG_SERVER_URL = process.env.FERRY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** The test database's URL. */
  url: string;
  name: string;
  /** A plain client on it, for the tests' own SQL; ended with the database. */
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
  drop(): Promise<void>;
}

function masked(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

function urlFor(database: string): string {
  const url = new URL(PG_SERVER_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_SERVER_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL cannot be used, or undefined when it can. */
export async function postgresUnavailable(): Promise<string | undefined> {
  try {
    await onServer((client) => client.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ferry_test_${randomBytes(6).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = urlFor(name);
  let client: pg.Client | undefined;
  return {
    url,
    name,
    async query(text, values) {
      if (!client) {
        client = new pg.Client({ connectionString: url });
        await client.connect();
      }
      return client.query(text, values);
    },
    async drop() {
      await client?.end();
      // FORCE: a store a failed test left open must not keep the database alive.
      await onServer((server) => server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

const unavailable = await postgresUnavailable();

/**
 * A describe block with a database of its own, or a visible skip (a failure with CI=true)
 * when PostgreSQL is not reachable.
 */
export function describeWithPostgres(name: string, body: (database: () => TestDatabase) => void): void {
  if (unavailable !== undefined) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs PostgreSQL', () => {
          throw new Error(`PostgreSQL is required when CI=true, but ${masked(PG_SERVER_URL)} is not reachable: ${unavailable}. Start it (see .ci/run) or set FERRY_TEST_PG.`);
        });
      });
      return;
    }
    console.warn(`\n[ferry tests] SKIPPED "${name}": PostgreSQL is not reachable at ${masked(PG_SERVER_URL)} (${unavailable}). Start it or set FERRY_TEST_PG=postgres://... to run these tests.\n`);
    describe.skip(name, () =>
      body(() => {
        throw new Error('skipped: no PostgreSQL');
      }),
    );
    return;
  }
  describe(name, () => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });
    body(() => {
      if (!database) throw new Error('the test database is not created yet (use it inside tests or hooks)');
      return database;
    });
  });
}

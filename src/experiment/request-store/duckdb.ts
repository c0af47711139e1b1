/**
 * DuckDB, in process, as the columnar store's engine: it writes the Parquet files and answers the
 * analysis's aggregations over them in SQL, streaming, so memory does not grow with the run.
 * Loaded on first use (a native library of ~70 MB); where its prebuilt binary does not exist for
 * the platform, the store says why once and everything falls back to requests.jsonl.
 */
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { publishFile } from '../../durable-files';

type DuckDbModule = typeof import('@duckdb/node-api');

let loaded: { mod: DuckDbModule } | { error: string } | undefined;

function load(): { mod: DuckDbModule } | { error: string } {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { mod: require('@duckdb/node-api') as DuckDbModule };
    } catch (err) {
      loaded = { error: `DuckDB is not available here (${(err as Error).message.split('\n')[0]})` };
    }
  }
  return loaded;
}

/** Why the columnar store cannot be used on this machine, or null when it can. */
export function duckDbUnavailable(): string | null {
  const l = load();
  return 'error' in l ? l.error : null;
}

export interface DuckDb {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * A private in-memory database. Extensions are never fetched (parquet and json are built in);
 * threads default to the machine's cores.
 */
export async function openDuckDb(): Promise<DuckDb> {
  const l = load();
  if ('error' in l) throw new Error(l.error);
  const instance: DuckDBInstance = await l.mod.DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A small result's rows as objects (column names from the statement). */
export async function rowsOf(db: DuckDb, sql: string): Promise<Record<string, unknown>[]> {
  return (await db.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/** A count or sum as a number: DuckDB gives BIGINT and HUGEINT as bigint. */
export function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** A string as an SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A list of files as an SQL list literal for read_parquet. */
export function sqlFileList(files: readonly string[]): string {
  return `[${files.map(sqlString).join(', ')}]`;
}

/** Appends rows to a table through DuckDB's appender (far faster than INSERTs), flushed before it returns. */
export async function appendRows<T>(db: DuckDb, table: string, rows: readonly T[], append: (a: DuckDBAppender, row: T) => void): Promise<void> {
  const appender = await db.connection.createAppender(table);
  try {
    for (const r of rows) append(appender, r);
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** COPYs a query's result to a Parquet file: written under a temp name, fsynced, then renamed into place. */
export async function copyToParquet(db: DuckDb, select: string, file: string, codec: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await db.connection.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION ${codec})`);
  publishFile(tmp, file);
}

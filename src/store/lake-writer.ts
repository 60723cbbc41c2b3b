/**
 * Writes columnar batches into the Parquet lake through DuckDB.
 *
 * Batches are buffered in memory until `flush`, which:
 * 1. merges the batches' text dictionaries into one per column and declares each as a DuckDB ENUM type
 *    (the values reach DuckDB through an appender, never through SQL text);
 * 2. appends the batches into a staging table with one memcpy per column per 2048-row chunk (the ENUM
 *    columns take the dictionary codes as they are);
 * 3. `COPY`s the staging table, sorted by time, to zstd Parquet partitioned by date and hour under
 *    `.staging/`, then renames each file into `flows/date=…/hour=…/`.
 * ENUM columns are what make this fast: DuckDB's Parquet writer stores them as a string dictionary without
 * hashing a single value, and every reader sees plain strings.
 *
 * The writer never touches the manifest: `flush` returns the files it put in place, and the caller commits
 * them (the crash discipline lives in ingest/).
 */
import ddb from '@duckdb/node-bindings';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  DICTIONARY_COLUMNS,
  KIND_WIDTH,
  NUMERIC_COLUMNS,
  type ColumnBatch,
  type DictionaryColumnName,
} from './column-batch.js';
import type { DuckDB } from './duckdb.js';
import type { ManifestFile } from './manifest.js';
import { syncDir } from './manifest.js';
import { ROLLUPS, rollupSelect } from './rollups.js';
import { sqlPath } from './sql.js';
import { LAKE_COLUMNS, LAKE_DIRS } from './schema.js';

/** Rows per DuckDB vector (STANDARD_VECTOR_SIZE). */
const VECTOR_ROWS = 2048;
export const DEFAULT_FLUSH_ROWS = 500_000;
/**
 * Dictionary characters buffered before a flush: 500k rows of CSV hold a few MB of distinct text, 100k GCP
 * entries ~70M characters of attributes, whose ENUM the 256 MB ingest DuckDB could not allocate with room
 * to sort (measured: 190k GCP rows failed with "failed to allocate 132.9 MiB").
 */
export const DEFAULT_FLUSH_TEXT_CHARS = 48_000_000;

const STAGING_TYPES: Record<(typeof NUMERIC_COLUMNS)[number]['name'], string> = {
  timestamp: 'TIMESTAMP_MS',
  end_time: 'TIMESTAMP_MS',
  src_port: 'INTEGER',
  dst_port: 'INTEGER',
  packets: 'BIGINT',
  bytes: 'BIGINT',
  packets_sent: 'BIGINT',
  bytes_sent: 'BIGINT',
  packets_received: 'BIGINT',
  bytes_received: 'BIGINT',
  source_line: 'INTEGER',
  src_ipv4: 'UINTEGER',
  dst_ipv4: 'UINTEGER',
  hour: 'nf_hour',
};

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

interface PendingBatch {
  batch: ColumnBatch;
  objectId: number;
}

/** One column of the staging table, as the appender fills it. */
/** Characters in a batch's text dictionaries: what the flush's ENUM types will hold. */
function dictionaryChars(batch: ColumnBatch): number {
  let n = 0;
  for (const column of Object.values(batch.text)) for (const v of column.values) n += v.length;
  return n;
}

interface StagingColumn {
  name: string;
  sqlType: string;
  /** Per batch: the bytes to copy and their width per row. */
  data(b: number): { array: ArrayBufferView; width: number; validity: Uint8Array | null };
}

export class LakeWriter {
  private pending: PendingBatch[] = [];
  private rows = 0;
  private textChars = 0;
  private flushNo = 0;
  private ready: Promise<void> | null = null;

  private geo: ((ip: string) => string | null) | null = null;
  private readonly loadGeo: (() => Promise<((ip: string) => string | null) | null>) | null;
  private readonly countryCache = new Map<string, string | null>();

  /**
   * `geo` loads (on first need) a lookup of an address's country (ISO alpha-2, `ZZ` private/reserved, null
   * unknown): rows whose input had no country get one from their address, once per distinct address. The
   * data is loaded only when a flush holds such rows, so inputs with their own geo columns never pay for it.
   */
  constructor(
    private readonly db: DuckDB,
    private readonly dataDir: string,
    options: { geo?: (() => Promise<((ip: string) => string | null) | null>) | null } = {},
  ) {
    this.loadGeo = options.geo ?? null;
  }

  /** Rows waiting for the next flush. */
  get bufferedRows(): number {
    return this.rows;
  }

  /**
   * Characters of text in the buffered batches' dictionaries. A flush declares them as ENUM types, and
   * DuckDB's Parquet writer allocates an ENUM's whole dictionary at once: inputs with a distinct long value
   * per row (GCP's attributes, ~700 characters each) must flush on this budget long before the row count.
   */
  get bufferedTextChars(): number {
    return this.textChars;
  }

  /** Takes a batch of one object's rows (the writer owns its buffers from now on). */
  add(batch: ColumnBatch, objectId: number): void {
    if (batch.rows === 0) return;
    this.pending.push({ batch, objectId });
    this.rows += batch.rows;
    this.textChars += dictionaryChars(batch);
  }

  /** Forgets the buffered rows of an object (it failed; its other rows are purged by the caller). */
  drop(objectId: number): void {
    this.pending = this.pending.filter((p) => p.objectId !== objectId);
    this.rows = this.pending.reduce((n, p) => n + p.batch.rows, 0);
    this.textChars = this.pending.reduce((n, p) => n + dictionaryChars(p.batch), 0);
  }

  /**
   * Writes everything buffered so far; returns the files now in place under `flows/` (not yet in the
   * manifest). `nextFileSeq` names them (unique across runs).
   */
  async flush(nextFileSeq: () => number): Promise<ManifestFile[]> {
    if (this.pending.length === 0) return [];
    const batches = this.pending;
    this.pending = [];
    this.rows = 0;
    this.textChars = 0;
    this.ready ??= this.createHourType();
    await this.ready;
    if (this.loadGeo && batches.some(({ batch }) => batch.text.geo_src.validity !== null || batch.text.geo_dst.validity !== null)) {
      this.geo ??= await this.loadGeo();
    }
    if (this.geo) {
      for (const { batch } of batches) {
        this.fillCountries(batch, 'src_ip', 'geo_src');
        this.fillCountries(batch, 'dst_ip', 'geo_dst');
      }
    }
    const n = ++this.flushNo;
    const tag = `${process.pid}_${n}`;
    const con = this.db.connection;
    const stage = `nf_stage_${tag}`;
    const created: string[] = [];
    try {
      const columns = await this.declareColumns(batches, tag, created);
      await con.run(`CREATE TEMP TABLE ${stage} (${columns.map((c) => `"${c.name}" ${c.sqlType}`).join(', ')})`);
      created.push(`TABLE ${stage}`);
      await this.append(stage, columns, batches);
      // the rows are in DuckDB now: let the batches' arrays go before the COPY needs its memory
      batches.length = 0;
      const outDir = path.join(this.dataDir, LAKE_DIRS.staging, `flush-${tag}-${Date.now()}`);
      await mkdir(path.dirname(outDir), { recursive: true });
      // staging holds ms timestamps and 32-bit numbers; text stays ENUM so Parquet gets its dictionary as is
      const select = LAKE_COLUMNS.map((c) => (c.type === 'VARCHAR' ? `"${c.name}"` : `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`)).join(', ');
      await con.run(
        `COPY (SELECT ${select}, "date", "hour" FROM ${stage} ORDER BY "timestamp") TO ${sqlPath(outDir)} ` +
          `(FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("date", "hour"), FILENAME_PATTERN 'part_{i}')`,
      );
      const stats = await con.runAndReadAll(
        `SELECT CAST("date" AS VARCHAR), CAST("hour" AS VARCHAR), count(*), epoch_ms(min("timestamp")), epoch_ms(max("timestamp")), list(DISTINCT object_id ORDER BY object_id)
         FROM ${stage} GROUP BY ALL ORDER BY 1, 2`,
      );
      const files: ManifestFile[] = [];
      for (const row of stats.getRows()) {
        const [date, hour, count, min, max, objects] = row as [string, string, bigint, bigint, { items: number[] }, unknown];
        const rel = await this.placeFile(outDir, LAKE_DIRS.flows, date, Number(hour), 'f', nextFileSeq());
        const target = path.join(this.dataDir, rel);
        files.push({
          path: rel,
          date,
          hour: Number(hour),
          rows: Number(count),
          bytes: (await stat(target)).size,
          minTime: Number(min),
          maxTime: Number(max),
          objects: (objects as { items: number[] }).items.map(Number),
        });
      }
      await this.writeRollups(stage, outDir, files, nextFileSeq);
      for (const dir of new Set(files.map((f) => path.dirname(path.join(this.dataDir, f.path))))) await syncDir(dir);
      await rm(outDir, { recursive: true, force: true });
      return files;
    } finally {
      for (const what of created.reverse()) await con.run(`DROP ${what}`).catch(() => undefined);
    }
  }

  /**
   * Every rollup of the flush, from the staging table (its ENUM text columns make the GROUP BYs integer
   * work), one file per rollup per partition, attached to that partition's flow file of this flush.
   */
  private async writeRollups(stage: string, outDir: string, files: ManifestFile[], nextFileSeq: () => number): Promise<void> {
    const con = this.db.connection;
    const source = `(SELECT * REPLACE (CAST("timestamp" AS TIMESTAMP) AS "timestamp") FROM ${stage})`;
    for (const rollup of ROLLUPS) {
      const dir = path.join(outDir, LAKE_DIRS.rollups, rollup.name);
      await mkdir(path.dirname(dir), { recursive: true });
      await con.run(
        `COPY (SELECT r.*, strftime(r."time", '%Y-%m-%d') AS "date", lpad(CAST(hour(r."time") AS VARCHAR), 2, '0') AS "hour" FROM (${rollupSelect(rollup, source)}) r) ` +
          `TO ${sqlPath(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("date", "hour"), FILENAME_PATTERN 'part_{i}')`,
      );
      for (const file of files) {
        const rel = await this.placeFile(dir, `${LAKE_DIRS.rollups}/${rollup.name}`, file.date, file.hour, 'r', nextFileSeq());
        (file.rollups ??= {})[rollup.name] = { path: rel, rows: 0 };
      }
    }
    // row counts from the files' footers, in one query
    const all = files.flatMap((f) => Object.values(f.rollups ?? {}));
    if (all.length === 0) return;
    const counts = await con.runAndReadAll(
      `SELECT file_name, sum(num_rows) FROM parquet_file_metadata([${all.map((r) => sqlPath(path.join(this.dataDir, r.path))).join(', ')}]) GROUP BY ALL`,
    );
    const rowsByPath = new Map(counts.getRows().map(([name, n]) => [String(name), Number(n)]));
    for (const r of all) r.rows = rowsByPath.get(path.join(this.dataDir, r.path)) ?? 0;
    for (const dir of new Set(all.map((r) => path.dirname(path.join(this.dataDir, r.path))))) await syncDir(dir);
  }

  /**
   * Moves the one Parquet file a partitioned COPY wrote for (date, hour) under `copyDir` to its lake path
   * (`<table>/date=…/hour=HH/<prefix>-<seq>.parquet`, the naming of lake-io's allocateFilePath); returns
   * that lake-relative path.
   */
  private async placeFile(copyDir: string, table: string, date: string, hour: number, prefix: 'f' | 'r', seq: number): Promise<string> {
    const hh = String(hour).padStart(2, '0');
    const part = path.join(copyDir, `date=${date}`, `hour=${hh}`);
    const names = (await readdir(part)).filter((f) => f.endsWith('.parquet'));
    if (names.length !== 1) throw new Error(`${part}: expected one Parquet file from the flush, found ${names.length}`);
    const rel = path.posix.join(table, `date=${date}`, `hour=${hh}`, `${prefix}-${String(seq).padStart(8, '0')}.parquet`);
    const target = path.join(this.dataDir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(part, names[0]), target);
    return rel;
  }

  /** Rows with an address but no country get the address's country. */
  private fillCountries(batch: ColumnBatch, ipName: 'src_ip' | 'dst_ip', geoName: 'geo_src' | 'geo_dst'): void {
    const geo = batch.text[geoName];
    if (!geo.validity) return; // every row has its input's country
    const ip = batch.text[ipName];
    const gv = geo.validity;
    const iv = ip.validity;
    const local = new Map<string, number>(geo.values.map((v, i) => [v, i]));
    for (let i = 0; i < batch.rows; i++) {
      if ((gv[i >> 3] & (1 << (i & 7))) !== 0) continue;
      if (iv && (iv[i >> 3] & (1 << (i & 7))) === 0) continue;
      const address = ip.values[ip.codes[i]];
      let country = this.countryCache.get(address);
      if (country === undefined) {
        country = this.geo!(address);
        if (this.countryCache.size >= 1_000_000) this.countryCache.clear();
        this.countryCache.set(address, country);
      }
      if (country === null) continue;
      let code = local.get(country);
      if (code === undefined) {
        code = geo.values.length;
        geo.values.push(country);
        local.set(country, code);
      }
      geo.codes[i] = code;
      gv[i >> 3] |= 1 << (i & 7);
    }
  }

  private async createHourType(): Promise<void> {
    // our own constants, not user values
    await this.db.connection.run(`CREATE TYPE IF NOT EXISTS nf_hour AS ENUM (${HOURS.map((h) => `'${h}'`).join(', ')})`);
  }

  /**
   * The staging table's columns in LAKE_COLUMNS order (+ date, hour): numeric ones straight from the
   * batches; text ones as ENUMs over the merged dictionary, with each batch's codes remapped to it.
   */
  private async declareColumns(batches: PendingBatch[], tag: string, created: string[]): Promise<StagingColumn[]> {
    const con = this.db.connection;
    const text = new Map<DictionaryColumnName, StagingColumn>();
    for (const name of DICTIONARY_COLUMNS) {
      const merged = new Map<string, number>();
      const values: string[] = [];
      const remapped: Uint32Array[] = [];
      for (const { batch } of batches) {
        const col = batch.text[name];
        const map = new Uint32Array(col.values.length);
        for (let i = 0; i < col.values.length; i++) {
          const v = col.values[i];
          let code = merged.get(v);
          if (code === undefined) {
            code = values.length;
            values.push(v);
            merged.set(v, code);
          }
          map[i] = code;
        }
        remapped.push(map);
      }
      if (values.length === 0) {
        // every row null: a plain VARCHAR column left all-invalid
        text.set(name, {
          name,
          sqlType: 'VARCHAR',
          data: (b) => ({ array: new Uint8Array(0), width: 0, validity: allInvalid(batches[b].batch.rows) }),
        });
        continue;
      }
      const typeName = `nf_e_${name}_${tag}`;
      const dictTable = `nf_d_${name}_${tag}`;
      await con.run(`CREATE TEMP TABLE ${dictTable} (i INTEGER, v VARCHAR)`);
      created.push(`TABLE ${dictTable}`);
      const appender = await con.createAppender(dictTable);
      for (let i = 0; i < values.length; i++) {
        appender.appendInteger(i);
        appender.appendVarchar(values[i]);
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      await con.run(`CREATE TYPE ${typeName} AS ENUM (SELECT v FROM ${dictTable} ORDER BY i)`);
      created.push(`TYPE ${typeName}`);
      // DuckDB stores an ENUM's codes in the narrowest unsigned type that fits its dictionary
      const width = values.length <= 0xff ? 1 : values.length <= 0xffff ? 2 : 4;
      text.set(name, {
        name,
        sqlType: typeName,
        data: (b) => {
          const col = batches[b].batch.text[name];
          const map = remapped[b];
          const rows = batches[b].batch.rows;
          const out = width === 1 ? new Uint8Array(rows) : width === 2 ? new Uint16Array(rows) : new Uint32Array(rows);
          const codes = col.codes;
          for (let i = 0; i < rows; i++) out[i] = map[codes[i]] ?? 0;
          return { array: out, width, validity: col.validity };
        },
      });
    }
    const numeric = new Map<string, StagingColumn>();
    for (const c of NUMERIC_COLUMNS) {
      numeric.set(c.name, {
        name: c.name,
        sqlType: STAGING_TYPES[c.name],
        data: (b) => {
          const col = batches[b].batch.numeric[c.name];
          return { array: col.data, width: KIND_WIDTH[c.kind], validity: col.validity };
        },
      });
    }
    const objectId: StagingColumn = {
      name: 'object_id',
      sqlType: 'UINTEGER',
      data: (b) => ({ array: new Uint32Array(batches[b].batch.rows).fill(batches[b].objectId), width: 4, validity: null }),
    };
    const columns: StagingColumn[] = [];
    for (const c of LAKE_COLUMNS) {
      const col = c.name === 'object_id' ? objectId : (text.get(c.name as DictionaryColumnName) ?? numeric.get(c.name));
      if (!col) throw new Error(`lake column ${c.name} has no source in the column batch`);
      columns.push(col);
    }
    columns.push(text.get('date')!, numeric.get('hour')!);
    return columns;
  }

  /**
   * Appends the batches into the staging table. Yields to the event loop between batches so that the
   * thread keeps answering the parsing workers (their acknowledgements) while a flush is being copied in.
   */
  private async append(table: string, columns: StagingColumn[], batches: PendingBatch[]): Promise<void> {
    const appender = ddb.appender_create(rawConnection(this.db), null, table);
    try {
      const types = columns.map((_, i) => ddb.appender_column_type(appender, i));
      for (let b = 0; b < batches.length; b++) {
        const rows = batches[b].batch.rows;
        const data = columns.map((c) => c.data(b));
        for (let off = 0; off < rows; off += VECTOR_ROWS) {
          const n = Math.min(VECTOR_ROWS, rows - off);
          const chunk = ddb.create_data_chunk(types);
          for (let c = 0; c < data.length; c++) {
            const { array, width, validity } = data[c];
            const vector = ddb.data_chunk_get_vector(chunk, c);
            if (width > 0) ddb.copy_data_to_vector(vector, 0, array.buffer as ArrayBuffer, array.byteOffset + off * width, n * width);
            if (validity) {
              ddb.vector_ensure_validity_writable(vector);
              ddb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, validity.byteOffset + off / 8, Math.ceil(n / 64) * 8);
            }
          }
          ddb.data_chunk_set_size(chunk, n);
          ddb.append_data_chunk(appender, chunk);
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      ddb.appender_flush_sync(appender);
    } finally {
      ddb.appender_close_sync(appender);
    }
  }
}

/**
 * The bindings-level connection under node-api's DuckDBConnection: the vector-copy appends need the C API
 * appender, which node-api does not expose. The package version is pinned; the writer's tests catch a change.
 */
function rawConnection(db: DuckDB): ddb.Connection {
  const raw = (db.connection as unknown as { connection?: ddb.Connection }).connection;
  if (!raw) throw new Error('@duckdb/node-api no longer exposes its connection handle; update lake-writer.ts for this version');
  return raw;
}

function allInvalid(rows: number): Uint8Array {
  return new Uint8Array(Math.ceil(rows / 64) * 8);
}

/**
 * SQLite's own page cache and its memory map of the database file, in MB (BINDERY_SQLITE_CACHE_MB and
 * BINDERY_SQLITE_MMAP_MB). A module of its own, free of the driver, so settings can be read without loading it.
 */
export interface SqliteMemory {
  cacheMb: number;
  mmapMb: number;
}

/**
 * Defaults chosen by the memory benchmark (docs/operations.md, "Memory"): a memory map counted ~115 MB of
 * resident file pages at 100k tasks and made no read faster, so the file is read with plain reads.
 */
export const SQLITE_MEMORY: SqliteMemory = { cacheMb: 64, mmapMb: 0 };

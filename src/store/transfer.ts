import type { TransferRecord } from './types.js';

/** Rows per page while exporting; documents hold up to 5 MB each, so they come a few at a time. */
export const EXPORT_PAGE = 1000;
export const EXPORT_DOCUMENT_PAGE = 10;

type Batch = { [K in TransferRecord['kind']]: Extract<TransferRecord, { kind: K }>['data'][] };

/** An import batch's records by kind, each kind in the order given. */
export function byKind(records: readonly TransferRecord[]): Batch {
  const batch: Batch = { project: [], task: [], execution: [], note: [], document: [] };
  for (const record of records) (batch[record.kind] as unknown[]).push(record.data);
  return batch;
}

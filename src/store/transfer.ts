import type { TransferRecord } from './types.js';

type Batch = { [K in TransferRecord['kind']]: Extract<TransferRecord, { kind: K }>['data'][] };

/** An import batch's records by kind, each kind in the order given. */
export function byKind(records: readonly TransferRecord[]): Batch {
  const batch: Batch = { project: [], task: [], execution: [], note: [], document: [] };
  for (const record of records) (batch[record.kind] as unknown[]).push(record.data);
  return batch;
}

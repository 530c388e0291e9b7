import type { Note, Project, Task, TaskSummary } from '../../contract/index.js';
import type { DocumentSummaryRecord } from '../types.js';
import type { Dialect } from './dialect.js';

/** List and object columns as the database returns them, decoded by the dialect. */
type Encoded<T, K extends keyof T> = Omit<T, K> & { [P in K]: unknown };

export type TaskRow = Encoded<Task, 'tags' | 'labels' | 'children' | 'depends_on' | 'blocked_by'> & {
  seq: number;
};
export type SummaryRow = TaskSummary & { seq: number };
export type ProjectRow = Encoded<Project, 'tags'> & { seq: number };
export type NoteRow = Encoded<Note, 'tags'> & { seq: number };
export type DocumentRow = Encoded<DocumentSummaryRecord, 'tags'> & { seq: number };

/**
 * Rows → entities: the row without the store's `seq`, its list and object columns decoded in place. The
 * core's SELECTs name the contract's columns in the contract's order, so an entity's keys keep that order.
 */
export class RowMapper {
  constructor(private readonly dialect: Dialect) {}

  task({ seq: _seq, ...row }: TaskRow): Task {
    return {
      ...row,
      tags: this.dialect.decodeList(row.tags),
      labels: this.dialect.decodeObject(row.labels),
      children: this.dialect.decodeList(row.children),
      depends_on: this.dialect.decodeList(row.depends_on),
      blocked_by: this.dialect.decodeList(row.blocked_by),
    };
  }

  summary({ seq: _seq, ...row }: SummaryRow): TaskSummary {
    return row;
  }

  project({ seq: _seq, ...row }: ProjectRow): Project {
    return { ...row, tags: this.dialect.decodeList(row.tags) };
  }

  note({ seq: _seq, ...row }: NoteRow): Note {
    return { ...row, tags: this.dialect.decodeList(row.tags) };
  }

  document({ seq: _seq, ...row }: DocumentRow): DocumentSummaryRecord {
    return { ...row, tags: this.dialect.decodeList(row.tags) };
  }
}

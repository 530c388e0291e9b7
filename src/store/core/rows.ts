import type { Note, Project, Task, TaskSummary } from '../../contract/index.js';
import type { DocumentSummaryRecord } from '../types.js';
import type { Dialect } from './dialect.js';

/** List and object columns as the database returns them, decoded by the dialect. */
type Encoded<T, K extends keyof T> = Omit<T, K> & { [P in K]: unknown };

export type TaskRow = Encoded<Task, 'tags' | 'labels' | 'children' | 'depends_on'> & { seq: number };
export type SummaryRow = TaskSummary & { seq: number };
export type ProjectRow = Encoded<Project, 'tags'> & { seq: number };
export type NoteRow = Encoded<Note, 'tags'> & { seq: number };
export type DocumentRow = Encoded<DocumentSummaryRecord, 'tags'> & { seq: number };

/** Rows → entities, exactly the contract's fields (a row also carries store columns such as `seq`). */
export class RowMapper {
  constructor(private readonly dialect: Dialect) {}

  task(row: TaskRow): Task {
    return {
      id: row.id,
      title: row.title,
      description: row.description,
      status: row.status,
      priority: row.priority,
      tags: this.dialect.decodeList(row.tags),
      labels: this.dialect.decodeObject(row.labels),
      parent_id: row.parent_id,
      project_id: row.project_id,
      role: row.role,
      children: this.dialect.decodeList(row.children),
      depends_on: this.dialect.decodeList(row.depends_on),
      due_at: row.due_at,
      created_at: row.created_at,
      updated_at: row.updated_at,
      completed_at: row.completed_at,
      completion_notes: row.completion_notes,
      version: row.version,
    };
  }

  summary(row: SummaryRow): TaskSummary {
    return {
      id: row.id,
      title: row.title,
      status: row.status,
      priority: row.priority,
      project_id: row.project_id,
      parent_id: row.parent_id,
      role: row.role,
      due_at: row.due_at,
      updated_at: row.updated_at,
      child_count: row.child_count,
    };
  }

  project(row: ProjectRow): Project {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      tags: this.dialect.decodeList(row.tags),
      task_count: row.task_count,
      open_task_count: row.open_task_count,
      created_at: row.created_at,
      updated_at: row.updated_at,
      version: row.version,
    };
  }

  note(row: NoteRow): Note {
    return {
      id: row.id,
      title: row.title,
      content: row.content,
      tags: this.dialect.decodeList(row.tags),
      project_id: row.project_id,
      created_at: row.created_at,
      updated_at: row.updated_at,
      version: row.version,
    };
  }

  document(row: DocumentRow): DocumentSummaryRecord {
    return {
      id: row.id,
      title: row.title,
      document_type: row.document_type,
      source_path: row.source_path,
      tags: this.dialect.decodeList(row.tags),
      project_id: row.project_id,
      content_hash: row.content_hash,
      chunk_count: row.chunk_count,
      size_bytes: row.size_bytes,
      created_at: row.created_at,
    };
  }
}

import { z } from 'zod';
import { Description, ExpectedVersion, Id, PageParams, pageOf, Tags, Timestamp } from './common.js';

export const ProjectName = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const Project = z.strictObject({
  id: Id,
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  task_count: z.number().int(),
  open_task_count: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: z.number().int(),
  /** Who made the last change (the actor of its change-log row). */
  updated_by: z.string(),
});
export type Project = z.infer<typeof Project>;

export const CreateProjectInput = z.strictObject({
  name: ProjectName,
  description: Description.optional(),
  tags: Tags.optional(),
});

export const ProjectIdParams = z.strictObject({ project_id: Id });

export const UpdateProjectInput = z.strictObject({
  project_id: Id,
  name: ProjectName.optional(),
  description: Description.optional(),
  tags: Tags.optional(),
  expected_version: ExpectedVersion.optional(),
});

export const ListProjectsInput = z.strictObject({ ...PageParams });
export const ProjectPage = pageOf(Project);

export const DeleteProjectResult = z.strictObject({
  success: z.literal(true),
  project_id: Id,
  detached_tasks: z
    .number()
    .int()
    .describe('Tasks that belonged to the project and now have project_id null.'),
});

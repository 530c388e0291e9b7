import { randomUUID } from 'node:crypto';
import { BinderyError } from '../contract/index.js';
import { currentActor } from '../store/actor.js';
import { type Handlers, pageRequest, type ServiceContext } from './context.js';

type ProjectOps = 'create_project' | 'get_project' | 'list_projects' | 'update_project' | 'delete_project';

export function projectHandlers({ store, now }: ServiceContext): Handlers<ProjectOps> {
  return {
    async create_project(input) {
      const at = now().toISOString();
      return store.insertProject({
        id: randomUUID(),
        name: input.name,
        description: input.description ?? '',
        tags: input.tags ?? [],
        created_at: at,
        updated_at: at,
        updated_by: currentActor(),
        version: 1,
      });
    },

    async get_project({ project_id }) {
      const project = await store.getProject(project_id);
      if (!project) throw BinderyError.notFound('project', project_id);
      return project;
    },

    list_projects: (input) => store.listProjects(pageRequest(input)),

    async update_project({ project_id, expected_version, ...changes }) {
      if (Object.keys(changes).length === 0) {
        throw BinderyError.validation([
          { field: '', reason: 'no fields to change; send at least one project field' },
        ]);
      }
      return store.updateProject(
        project_id,
        { ...changes, updated_at: now().toISOString(), updated_by: currentActor() },
        { expectedVersion: expected_version },
      );
    },

    async delete_project({ project_id }) {
      const result = await store.deleteProject(project_id);
      if (!result) throw BinderyError.notFound('project', project_id);
      return { success: true as const, project_id, detached_tasks: result.detached_tasks };
    },
  };
}

import {
  CreateProjectInput,
  DeleteProjectResult,
  Id,
  ListProjectsInput,
  Project,
  ProjectPage,
  UpdateProjectInput,
} from '../../contract/index.js';
import { CREATE, defineTool, OVERWRITE, READ, REMOVE } from './define.js';

export const projectTools = [
  defineTool({
    name: 'create_project',
    description: 'Create a project (a unique name plus description and tags) to group tasks and notes.',
    params: { project_input: CreateProjectInput },
    jsonParams: { project_input: 'The project' },
    output: Project,
    annotations: CREATE,
    run: ({ project_input }, { api }) => api.create_project(project_input),
  }),
  defineTool({
    name: 'get_project',
    description: 'Read one project with its task counts.',
    params: { project_id: Id },
    output: Project,
    annotations: READ,
    run: (args, { api }) => api.get_project(args),
  }),
  defineTool({
    name: 'list_projects',
    description: 'List projects with their task counts.',
    params: ListProjectsInput.shape,
    output: ProjectPage,
    annotations: READ,
    run: (args, { api }) => api.list_projects(args),
  }),
  defineTool({
    name: 'update_project',
    description:
      'Change the name, description or tags of a project; send expected_version to refuse overwriting a newer change.',
    params: {
      project_id: Id,
      project_update: UpdateProjectInput.omit({ project_id: true }),
    },
    jsonParams: { project_update: 'The fields to change' },
    output: Project,
    annotations: OVERWRITE,
    run: ({ project_id, project_update }, { api }) => api.update_project({ ...project_update, project_id }),
  }),
  defineTool({
    name: 'delete_project',
    description: 'Delete a project; its tasks, notes and documents stay, without a project.',
    params: { project_id: Id },
    output: DeleteProjectResult,
    annotations: REMOVE,
    run: (args, { api }) => api.delete_project(args),
  }),
];

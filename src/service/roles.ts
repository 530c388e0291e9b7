import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinderyError, fieldIssues, type Role, RolesFile } from '../contract/index.js';

const BUILT_IN_ROLES: readonly Role[] = [
  {
    name: 'architect',
    description:
      'Designs structure: modules, interfaces, data flow and trade-offs, written down before code.',
    capabilities: ['design systems', 'write design documents', 'review interfaces', 'plan work into tasks'],
    file_patterns: ['docs/**', '**/*.md', '**/*.d.ts'],
    restrictions: { may_edit_code: false },
    model_context_limit: null,
  },
  {
    name: 'implementer',
    description: 'Writes and changes production code to carry out a task, with the tests that prove it.',
    capabilities: ['write code', 'refactor', 'fix bugs', 'write unit tests'],
    file_patterns: ['src/**', 'test/**', 'lib/**'],
    restrictions: {},
    model_context_limit: null,
  },
  {
    name: 'tester',
    description: 'Writes and runs tests, reproduces bugs and reports what fails and why.',
    capabilities: ['write tests', 'run test suites', 'reproduce bugs', 'measure coverage'],
    file_patterns: ['test/**', 'tests/**', '**/*.test.*', '**/*.spec.*'],
    restrictions: { may_edit_production_code: false },
    model_context_limit: null,
  },
  {
    name: 'reviewer',
    description: 'Reads changes and reports problems, risks and improvements without editing them.',
    capabilities: ['review code', 'check tests', 'assess risk', 'suggest improvements'],
    file_patterns: ['**/*'],
    restrictions: { read_only: true },
    model_context_limit: null,
  },
  {
    name: 'documenter',
    description: 'Writes user and developer documentation that matches what the code does.',
    capabilities: ['write documentation', 'write examples', 'update changelogs'],
    file_patterns: ['docs/**', '**/*.md', 'README*'],
    restrictions: { may_edit_code: false },
    model_context_limit: null,
  },
  {
    name: 'researcher',
    description: 'Investigates questions, reads sources and summarises findings with references.',
    capabilities: ['read code and documents', 'compare options', 'summarise findings'],
    file_patterns: ['**/*'],
    restrictions: { read_only: true },
    model_context_limit: null,
  },
];

/** Built-in roles, overridden or extended by `<workspace>/.vespera/roles.json`. */
export class RoleRegistry {
  private readonly roles: Map<string, Role>;

  constructor(custom: readonly Role[] = []) {
    this.roles = new Map(BUILT_IN_ROLES.map((role) => [role.name, role]));
    for (const role of custom) this.roles.set(role.name, role);
  }

  /** Reads the workspace's roles.json if present; a bad file throws an error naming the file and the problem. */
  static forWorkspace(dataDir: string): RoleRegistry {
    const file = join(dataDir, 'roles.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new RoleRegistry();
      throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = RolesFile.safeParse(Array.isArray(json) ? { roles: json } : json);
    if (!parsed.success) {
      const problems = fieldIssues(parsed.error).map((i) => `${i.field || '(root)'}: ${i.reason}`);
      throw new Error(`${file} is not a valid roles file: ${problems.join('; ')}`);
    }
    return new RoleRegistry(parsed.data.roles);
  }

  list(): Role[] {
    return [...this.roles.values()];
  }

  /** The role, or a validation error naming `field` and the roles that exist. */
  require(name: string, field = 'role'): Role {
    const role = this.roles.get(name);
    if (!role) {
      throw BinderyError.validation([
        { field, reason: `unknown role "${name}"; known roles: ${[...this.roles.keys()].join(', ')}` },
      ]);
    }
    return role;
  }
}

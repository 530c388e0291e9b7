/** `1 subtask`, `2 subtasks`: a count with its noun, for messages a person or a model reads. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

import { z } from 'zod';

export const VersionInfo = z.strictObject({
  name: z.literal('bindery'),
  version: z.string(),
  store: z.enum(['sqlite', 'postgres']),
  schema_version: z.number().int(),
});

export const Empty = z.strictObject({});

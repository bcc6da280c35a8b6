/**
 * The shape of `models/models.json`: one entry per model file with its checksum, provenance and
 * I/O contract. The registry validates the fields the agent relies on; provenance blocks (source,
 * converter, verification) are kept as written, for people and for `scripts/models/models.ts`.
 */
import { z } from 'zod';

const dims = z.array(z.number().int().positive()).min(1);

export const ModelInputSchema = z.looseObject({
  name: z.string().min(1),
  shape: dims,
  layout: z.enum(['NHWC', 'NCHW']),
  dtype: z.literal('float32'),
  normalisation: z.string().min(1),
  /** Set for a model converted size-free: height and width may be any multiple of this up to `shape`'s. */
  multiple_of: z.number().int().positive().optional(),
});

export const ModelOutputSchema = z.looseObject({
  name: z.string().min(1),
  shape: dims,
  decoding: z.string().min(1),
});

export const ModelEntrySchema = z.looseObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"'),
  role: z.string().min(1),
  /** Goes into each violation as `model.version`, so the hub can tell results of different models apart. */
  version: z.string().min(1),
  // A plain file name or sub-path inside the models dir; never absolute, never escaping it.
  file: z
    .string()
    .min(1)
    .refine((f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'), 'must be a path inside the models directory'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  bytes: z.number().int().positive(),
  licence: z.string().min(1),
  source: z.looseObject({}),
  input: ModelInputSchema,
  outputs: z.array(ModelOutputSchema).min(1),
  classes: z.record(z.string(), z.number().int().nonnegative()),
  defaults: z.looseObject({ min_score: z.number().min(0).max(1).optional() }).optional(),
});

export const ModelManifestSchema = z.strictObject({
  schema: z.literal(1),
  models: z.array(ModelEntrySchema).superRefine((models, ctx) => {
    const seen = new Set<string>();
    models.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate model name "${m.name}"` });
      seen.add(m.name);
    });
  }),
});

export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type ModelManifest = z.infer<typeof ModelManifestSchema>;

/** `models[0].sha256: 64 lower-case hex digits` — one line per problem, naming the key's path. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`)).join('');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

import { createRequire } from 'node:module';

interface PromFamily {
  name: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: { value?: string; labels?: Record<string, string> }[];
}

// parse-prometheus-text-format ships no types; it is a real parser of the text exposition format.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => PromFamily[];

export interface Scrape {
  /** Each family's declared type, by name. */
  types: Map<string, PromFamily['type']>;
  /** Every sample by its own name (`x_bucket`, `x_count` for a histogram `x`). */
  samples: Map<string, { value: number; labels: Record<string, string> }[]>;
}

/**
 * A scrape parsed twice by the parser: once as it is (the format and each family's type), once with the
 * histograms' TYPE lines left out, because the parser folds a labelled histogram's series into one; untyped,
 * each `_bucket`, `_sum` and `_count` sample keeps its own labels.
 */
export function parseScrape(text: string): Scrape {
  const types = new Map(parse(text).map((family) => [family.name, family.type]));
  const untyped = text
    .split('\n')
    .filter((line) => !(line.startsWith('# TYPE ') && line.endsWith(' histogram')))
    .join('\n');
  const samples: Scrape['samples'] = new Map();
  for (const family of parse(untyped)) {
    const list = samples.get(family.name) ?? [];
    for (const m of family.metrics) list.push({ value: Number(m.value), labels: m.labels ?? {} });
    samples.set(family.name, list);
  }
  return { types, samples };
}

/** The value of the first sample named `name` whose labels include `labels`. */
export function sample(
  scrape: Scrape,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return scrape.samples.get(name)?.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v))
    ?.value;
}

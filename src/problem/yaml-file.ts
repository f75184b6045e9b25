/**
 * A package's YAML files (problem.yaml, testdata.yaml) read with the `yaml` package: duplicate
 * keys refused, aliases bounded (no billion-laughs expansion), an empty file an empty map.
 * Every issue an InvalidRequestError naming the file (relative to the package) and the key.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { InvalidRequestError } from '../errors';

/** `version: '1.1'`: read as PyYAML reads it (yes/no/on/off booleans; DMOJ's init.yml). */
export function parseYaml(text: string, file: string, opts: { version?: '1.1' | '1.2' } = {}): unknown {
  let value: unknown;
  try {
    value = parse(text, { uniqueKeys: true, maxAliasCount: 100, prettyErrors: false, ...(opts.version ? { version: opts.version } : {}) });
  } catch (err) {
    throw new InvalidRequestError(`is not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`, file);
  }
  return value ?? {};
}

/** Validates `value` with a strict zod schema; the first issue names its key path in `file`. */
export function checkYaml<T extends z.ZodType>(schema: T, value: unknown, file: string): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (!issue) throw new InvalidRequestError('is not valid', file);
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    throw new InvalidRequestError(`unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`, file);
  }
  throw new InvalidRequestError(`${at || 'the file'}: ${issue.message}`, file);
}

/**
 * A boolean key of a package's YAML. The `yaml` package reads YAML 1.2, where `yes`, `no`, `on`
 * and `off` are strings; problemtools reads packages with PyYAML (YAML 1.1), where they are
 * booleans, and packages written for it use them (`show_test_data_groups: yes`): read as it does.
 */
export const yamlBoolean = z.union(
  [
    z.boolean(),
    z.enum(['yes', 'Yes', 'YES', 'on', 'On', 'ON']).transform(() => true),
    z.enum(['no', 'No', 'NO', 'off', 'Off', 'OFF']).transform(() => false),
  ],
  { message: 'expected a boolean (true, false, yes, no, on, off)' },
);

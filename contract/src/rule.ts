/**
 * A rule is defined once: what it accepts, the text that says so in every error, and (when JSON Schema can express it
 * exactly) the schema fragment the chart's values.schema.json uses. Every layer checks values with the same rule.
 */

/** The JSON Schema (draft 7 subset Helm evaluates) of a valid value. Patterns use the syntax JS and Go's RE2 share. */
export interface JsonSchema {
  readonly type: 'string' | 'integer';
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  /** Further conditions, when one pattern cannot say everything (Go's RE2 has no look-ahead). */
  readonly allOf?: readonly JsonSchema[];
}

export interface Rule<T> {
  /** What a valid value is, completing "must be …": `an AWS region such as "eu-west-1"`. */
  readonly expected: string;
  /** Exactly the valid values as JSON Schema; undefined when a schema cannot say it (the check is a predicate). */
  readonly schema?: JsonSchema;
  /** The value a text (flag, env variable, annotation) stands for, or undefined when the text is invalid. */
  parse(text: string): T | undefined;
}

export interface TextRule<T extends string = string> extends Rule<T> {
  accepts(value: string): value is T;
}

export interface IntRule extends Rule<number> {
  readonly min: number;
  readonly max: number;
  readonly schema: JsonSchema;
  accepts(value: number): boolean;
}

function textRule<T extends string>(
  expected: string,
  accepts: (value: string) => boolean,
  schema?: JsonSchema,
): TextRule<T> {
  const test = accepts as (value: string) => value is T;
  return { expected, schema, accepts: test, parse: (text) => (test(text) ? text : undefined) };
}

/** Strings matching `pattern` (anchored by the caller) of at most `maxLength` characters. */
export function patternRule(expected: string, pattern: string, maxLength?: number): TextRule {
  const regex = new RegExp(pattern);
  return textRule(
    expected,
    (value) => (maxLength === undefined || value.length <= maxLength) && regex.test(value),
    { type: 'string', pattern, ...(maxLength === undefined ? {} : { maxLength }) },
  );
}

/** Strings `accepts` says yes to; for rules JSON Schema cannot state exactly. */
export function predicateRule(expected: string, accepts: (value: string) => boolean): TextRule {
  return textRule(expected, accepts);
}

/** One of a fixed list of strings. */
export function enumRule<T extends string>(values: readonly T[]): TextRule<T> {
  return textRule<T>(
    `one of ${values.join(', ')}`,
    (value) => (values as readonly string[]).includes(value),
    {
      type: 'string',
      enum: values,
    },
  );
}

const DIGITS = /^[0-9]+$/;

/** A whole number from `min` to `max`; as text, decimal digits only (no sign, fraction or exponent). */
export function intRule(min: number, max: number): IntRule {
  const accepts = (value: number) => Number.isInteger(value) && value >= min && value <= max;
  return {
    expected: `a whole number from ${min} to ${max}`,
    schema: { type: 'integer', minimum: min, maximum: max },
    min,
    max,
    accepts,
    parse: (text) => (DIGITS.test(text) && accepts(Number(text)) ? Number(text) : undefined),
  };
}

/** A value as error messages quote it: JSON, cut after 120 characters. */
function quote(value: unknown): string {
  const text = typeof value === 'string' && value.length > 120 ? `${value.slice(0, 120)}…` : value;
  return JSON.stringify(text) ?? String(text);
}

/** "must be <expected>, got <value>": the one sentence every layer uses to refuse a value. */
export function mustBe(rule: { expected: string }, value: unknown): string {
  return `must be ${rule.expected}, got ${quote(value)}`;
}

/** The type of the values a rule accepts: `RuleValue<typeof HTTP_TOKENS>` is `'optional' | 'required'`. */
export type RuleValue<R> = R extends Rule<infer T> ? T : never;

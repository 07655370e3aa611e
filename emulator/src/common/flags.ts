/**
 * The one way the commands read their flags: a spec from the contract (name, rule, default) turned into commander
 * options, each also readable from its IMDS_EMULATOR_* environment variable (`--some-flag` ⇔
 * `IMDS_EMULATOR_SOME_FLAG`, the flag wins), and the raw strings parsed into typed values by the spec's rules.
 */
import { envName, type Flag, type FlagSpec, mustBe, type Switch } from '@imds-emulator/contract';
import { type Command, Option } from 'commander';

/** A bad flag value; the CLI prints the message and exits 2. */
export class ConfigError extends Error {}

/** `--flag (IMDS_EMULATOR_FLAG): <problem>`: every flag error names both ways to fix it. */
export function flagError(flag: { readonly name: string }, problem: string): ConfigError {
  return new ConfigError(`--${flag.name} (${envName(flag.name)}): ${problem}`);
}

/** Raw values keyed by flag name (`role-arn`); absent when neither the flag nor its variable is set. */
export type RawFlags = Readonly<Record<string, string | undefined>>;

function isSwitch(flag: Flag<unknown> | Switch): flag is Switch {
  return 'switch' in flag;
}

/** The typed values of a spec: a flag with a default or that is required always has one. */
export type FlagValues<S extends FlagSpec> = {
  -readonly [K in keyof S]: S[K] extends Switch
    ? boolean
    : S[K] extends Flag<infer T>
      ? S[K] extends { readonly default: unknown } | { readonly requiredExample: string }
        ? T
        : T | undefined
      : never;
};

function parseFlag(flag: Flag<unknown>, text: string | undefined): unknown {
  if (text === undefined || text === '') {
    if (flag.requiredExample !== undefined)
      throw flagError(flag, `is required, e.g. ${flag.requiredExample}`);
    return flag.default;
  }
  const value = flag.rule.parse(text);
  if (value === undefined) throw flagError(flag, mustBe(flag.rule, text));
  return value;
}

/** Checks every flag of `spec` in `raw` with its rule; throws a ConfigError naming the first bad one. */
export function parseFlags<S extends FlagSpec>(spec: S, raw: RawFlags): FlagValues<S> {
  const values: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(spec)) {
    const text = raw[flag.name];
    values[key] = isSwitch(flag)
      ? text !== undefined && text !== '' && text !== 'false'
      : parseFlag(flag, text);
  }
  return values as FlagValues<S>;
}

/** `tls-cert` → `tlsCert`, the key commander stores the value under. */
function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds each flag of `spec` as an option with its environment variable; values stay raw strings. */
function addFlags(command: Command, spec: FlagSpec): Command {
  for (const flag of Object.values(spec)) {
    const option = isSwitch(flag)
      ? new Option(`--${flag.name}`, flag.description)
      : new Option(`--${flag.name} <value>`, flag.description);
    option.env(envName(flag.name));
    if (!isSwitch(flag) && flag.default !== undefined) option.default(String(flag.default));
    command.addOption(option);
  }
  return command;
}

/**
 * commander's parsed options, keyed back by flag name, as strings (a switch given on the command line: "true"). A
 * switch set by its variable keeps the variable's text: commander turns any value, "false" too, into true.
 */
function rawFlags(spec: FlagSpec, options: Record<string, unknown>, command: Command): RawFlags {
  const raw: Record<string, string | undefined> = {};
  for (const flag of Object.values(spec)) {
    const key = optionKey(flag.name);
    const value = options[key];
    if (isSwitch(flag) && command.getOptionValueSource(key) === 'env')
      raw[flag.name] = process.env[envName(flag.name)];
    else raw[flag.name] = value === true ? 'true' : typeof value === 'string' ? value : undefined;
  }
  return raw;
}

/** `command` with the flags of `spec`; its action gets their raw values, to parse with {@link parseFlags}. */
export function withFlags(command: Command, spec: FlagSpec, run: (raw: RawFlags) => Promise<void>): Command {
  return addFlags(command, spec).action((options: Record<string, unknown>) =>
    run(rawFlags(spec, options, command)),
  );
}

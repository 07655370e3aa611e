/**
 * Command-line flags described as data, each also readable from an IMDS_EMULATOR_* environment variable (the
 * contract in DEVELOPERS.md: `--some-flag` ⇔ `IMDS_EMULATOR_SOME_FLAG`, the flag wins).
 */
import { type Command, Option } from 'commander';

export interface FlagSpec {
  /** Long flag without dashes, e.g. `tls-cert`. */
  name: string;
  description: string;
  default?: string;
}

/** `tls-cert` → `IMDS_EMULATOR_TLS_CERT`. */
export function envName(flag: string): string {
  return `IMDS_EMULATOR_${flag.replace(/-/g, '_').toUpperCase()}`;
}

/** `tls-cert` → `tlsCert`, the key commander stores the value under. */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds each flag as a `--name <value>` option with its env variable and default; values stay raw strings. */
export function addFlags(command: Command, flags: readonly FlagSpec[]): Command {
  for (const flag of flags) {
    const option = new Option(`--${flag.name} <value>`, flag.description).env(envName(flag.name));
    command.addOption(flag.default === undefined ? option : option.default(flag.default));
  }
  return command;
}

/** The region a command uses: its --region flag, else AWS_REGION (checked by the same rule), else the default. */
import { DEFAULT_REGION, mustBe, REGION } from '@imds-emulator/contract';
import { flagError } from './flags';

export function regionOf(
  flag: { readonly name: string },
  value: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (value !== undefined) return value;
  const fromEnv = env.AWS_REGION;
  if (!fromEnv) return DEFAULT_REGION;
  if (!REGION.accepts(fromEnv)) throw flagError(flag, `AWS_REGION ${mustBe(REGION, fromEnv)}`);
  return fromEnv;
}

/**
 * Resources between the typed API (kplus `Cpu`, cdk8s `Size`) and Kubernetes quantity text (internal: not exported
 * from the package). Text in the contract's `CPU` and `MEMORY` forms reads back unchanged, so the chart's values and
 * the construct's output agree character for character.
 */
import { CPU, MEMORY, type Resources } from '@imds-emulator/contract';
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { type ContainerResources, Cpu } from 'cdk8s-plus-27';
import { check } from './validate';

const TO_SIZE: Record<string, (amount: number) => Size> = {
  Ki: Size.kibibytes,
  Mi: Size.mebibytes,
  Gi: Size.gibibytes,
  Ti: Size.tebibytes,
  Pi: Size.pebibyte,
};
const FROM_SIZE: [string, (size: Size) => number][] = [
  ['Pi', (s) => s.toPebibytes({ rounding: SizeRoundingBehavior.NONE })],
  ['Ti', (s) => s.toTebibytes({ rounding: SizeRoundingBehavior.NONE })],
  ['Gi', (s) => s.toGibibytes({ rounding: SizeRoundingBehavior.NONE })],
  ['Mi', (s) => s.toMebibytes({ rounding: SizeRoundingBehavior.NONE })],
  ['Ki', (s) => s.toKibibytes({ rounding: SizeRoundingBehavior.NONE })],
];

/** `Cpu` of a text in the contract's `CPU` form ("50m", "0.5"). */
export function cpuOf(text: string): Cpu {
  check('cpu', CPU, text);
  return text.endsWith('m') ? Cpu.millis(Number(text.slice(0, -1))) : Cpu.units(Number(text));
}

/** `Size` of a text in the contract's `MEMORY` form ("64Mi"). */
export function sizeOf(text: string): Size {
  check('memory', MEMORY, text);
  return TO_SIZE[text.slice(-2)](Number(text.slice(0, -2)));
}

/** A size in the largest binary unit that holds it whole ("1Gi", "1536Mi"); what `sizeOf` reads back. */
export function memoryText(size: Size): string {
  for (const [unit, to] of FROM_SIZE) {
    const amount = to(size);
    if (Number.isInteger(amount) && amount !== 0) return `${amount}${unit}`;
  }
  // Zero, or a fraction of a KiB, which the MEMORY rule then refuses by name.
  return `${FROM_SIZE[FROM_SIZE.length - 1][1](size)}Ki`;
}

/** The contract's resource defaults as kplus `ContainerResources`. */
export function containerResources(r: Resources): ContainerResources {
  return {
    cpu: { request: cpuOf(r.cpuRequest), limit: cpuOf(r.cpuLimit) },
    memory: { request: sizeOf(r.memoryRequest), limit: sizeOf(r.memoryLimit) },
  };
}

/**
 * The given resources over the defaults, field by field, each checked against the contract's rule (the error names
 * `prop`); the result is text in the contract's forms.
 */
export function resolveResources(
  prop: string,
  given: ContainerResources | undefined,
  defaults: Resources,
): Resources {
  const d = containerResources(defaults);
  const cpu = (which: 'request' | 'limit') => {
    const text = (given?.cpu?.[which] ?? d.cpu![which]!).amount;
    check(`${prop}.cpu.${which}`, CPU, text);
    return text;
  };
  const memory = (which: 'request' | 'limit') => {
    const text = memoryText(given?.memory?.[which] ?? d.memory![which]!);
    check(`${prop}.memory.${which}`, MEMORY, text);
    return text;
  };
  return {
    cpuRequest: cpu('request'),
    memoryRequest: memory('request'),
    cpuLimit: cpu('limit'),
    memoryLimit: memory('limit'),
  };
}

/** Input checks of the constructs: the contract's rules, with errors that name the prop and quote the bad value. */
import { mustBe, type Rule, type TextRule } from '@imds-emulator/contract';

/** Fails unless `rule` accepts `value`. */
export function check<T extends string | number>(
  prop: string,
  rule: Rule<unknown> & { accepts(value: T): boolean },
  value: T,
): void {
  if (!rule.accepts(value)) throw new Error(`${prop} ${mustBe(rule, value)}`);
}

/** Both ways: `[A] extends [B]` and back, so a value added on one side only fails to compile. */
type SameValues<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * The contract's rule for a jsii enum. jsii needs the enum written out in the constructs; this compiles only while the
 * enum's values are exactly the rule's.
 */
export function enumRule<E extends string, T extends string>(
  _values: Record<string, E>,
  rule: TextRule<T>,
  ..._same: SameValues<`${E}`, T> extends true ? [] : [never]
): TextRule<E> {
  return rule as unknown as TextRule<E>;
}

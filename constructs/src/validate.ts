/** Input checks shared by the constructs. Each throws an error that names the prop and quotes the bad value. */

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Fails unless `value` is a DNS-1035 label (Service names) of at most `max` characters. */
export function checkName(prop: string, value: string, max: number): void {
  if (!DNS_LABEL.test(value) || value.length > max) {
    throw new Error(
      `${prop} must be a lowercase DNS label (a-z, 0-9, '-', starting with a letter) of at most ${max} characters, got ${JSON.stringify(value)}`,
    );
  }
}

/** Fails unless `value` is a namespace name (DNS-1123 label, at most 63 characters). */
export function checkNamespace(prop: string, value: string): void {
  if (!DNS1123_LABEL.test(value) || value.length > 63) {
    throw new Error(`${prop} must be a namespace name (DNS-1123 label), got ${JSON.stringify(value)}`);
  }
}

/** Fails unless `value` is an integer in [min, max]. */
export function checkInt(prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be an integer between ${min} and ${max}, got ${value}`);
  }
}

/** Fails unless `value` is a Kubernetes resource quantity such as `100m` or `64Mi`. */
export function checkQuantity(prop: string, value: string): void {
  if (!QUANTITY.test(value)) {
    throw new Error(
      `${prop} must be a Kubernetes quantity such as "100m" or "64Mi", got ${JSON.stringify(value)}`,
    );
  }
}

/** Fails unless `value` looks like an AWS region (`us-east-1`, `us-gov-west-1`). */
export function checkRegion(prop: string, value: string): void {
  if (!REGION.test(value)) {
    throw new Error(`${prop} must be an AWS region such as "us-east-1", got ${JSON.stringify(value)}`);
  }
}

/** Fails unless `value` is one of the members of a string enum. */
export function checkEnum(prop: string, value: string, allowed: Record<string, string>): void {
  const values = Object.values(allowed);
  if (!values.includes(value)) {
    throw new Error(`${prop} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

/** Fails unless `value` matches `pattern`; `what` describes the expected form. */
export function checkPattern(prop: string, value: string, pattern: RegExp, what: string): void {
  if (!pattern.test(value)) {
    throw new Error(`${prop} must be ${what}, got ${JSON.stringify(value)}`);
  }
}

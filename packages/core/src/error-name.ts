/**
 * True when `value` is an `Error` whose `name` is one of `names`. The packages' `is…Error`
 * guards use it next to `instanceof`: two copies of a package in one install (a common npm
 * outcome) have two classes, and only the name is the same in both.
 */
export function hasErrorName(value: unknown, names: readonly string[]): value is Error {
  return value instanceof Error && names.includes(value.name);
}

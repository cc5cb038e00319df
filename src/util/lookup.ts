/**
 * A name looked up in a table written as an object literal: only the table's own keys count, so a name such as
 * `constructor`, `toString` or `__proto__` (keys of Object.prototype) is unknown, never an inherited function.
 * Every lookup of a user-given name in such a table goes through here (or through a Map).
 */
export function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

// The configured ajvs of a plan. Strict, so a typo in a plan (`requried`, `minimun`) is an error at start rather
// than a rule silently not enforced. Two of them, because the two questions cost differently: "does it follow the
// plan?" is asked of every message and wants code that stops at the first problem and builds no messages; "what is
// wrong with it?" is asked only of the rare message that does not, and wants all errors, so one report lists every
// violation (and omit mode can drop them all).
import { Ajv } from 'ajv';

const DATE = '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])';
const CLOCK = '([01]\\d|2[0-3]):[0-5]\\d(:([0-5]\\d|60)(\\.\\d+)?)?';
const OFFSET = '([Zz]|[+-]([01]\\d|2[0-3]):?[0-5]\\d)';

/** The common `format`s, checked loosely: enough to catch a wrong kind of value, not a full RFC parser. */
export const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  // Ranges in the pattern, no Date.parse: this runs on every event of a planned source (Feb 30 passes; fine here).
  'date-time': new RegExp(`^${DATE}[Tt ]${CLOCK}${OFFSET}$`),
  date: new RegExp(`^${DATE}$`),
  time: new RegExp(`^${CLOCK}${OFFSET}?$`),
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: (s) => URL.canParse(s),
  url: (s) => URL.canParse(s),
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  ipv4: /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/,
  hostname: /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
};

/** `check`: validity only, first error; `describe`: every error, with messages. Both accept the same payloads. */
export function createAjv(purpose: 'check' | 'describe'): Ajv {
  const describe = purpose === 'describe';
  const ajv = new Ajv({
    allErrors: describe,
    messages: describe,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
  });
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
  return ajv;
}

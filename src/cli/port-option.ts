import { expected, ValidationError } from '../platform/errors.ts';

/** A `--port` value: decimal digits only, 0-65535 (0: any free port). Number() alone would read "" as 0 and "0x1F90" as 8080. */
export function portOption(value: string): number {
  if (/^\d{1,5}$/.test(value) && Number(value) <= 65535) return Number(value);
  throw new ValidationError(expected('a port number (0-65535)', '--port', value));
}

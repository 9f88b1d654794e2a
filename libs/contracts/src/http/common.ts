import { ApiProperty } from '@nestjs/swagger';
import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import type { CommandResult } from './views';

/**
 * Ids are strings: UUIDs, or a client-supplied id on creation. Both must match this pattern, which keeps
 * ids safe inside stream names (`item-<id>`), URLs, file names and log lines. UUIDs match it.
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ID_MESSAGE = '$property must be 1–64 characters of A–Z, a–z, 0–9, _ or -';

/** Sheet numbers (文号) are free text such as 源办〔2026〕12号, but never control characters or padding. */
export const SHEET_NUMBER_PATTERN = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,62}[^\s\p{Cc}])?$/u;

export const MAX = {
  name: 100,
  title: 200,
  requirements: 5000,
  text: 2000,
  post: 100,
  channel: 50,
  documentNo: 100,
  evidence: 50,
  fileName: 255,
} as const;

/** A county-local date `YYYY-MM-DD` that exists on the calendar (2026-02-30 does not). */
export function isLocalDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  if (y < 1900 || y > 2999) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function IsLocalDate(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isLocalDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => isLocalDate(value),
        defaultMessage: (args?: ValidationArguments) => `${args?.property} must be a date YYYY-MM-DD that exists`,
      },
    });
}

/** The answer to every command: the stream's revision after the append and its last event's position. */
export class CommandResultDto implements CommandResult {
  @ApiProperty({ example: 'b7f3c1de-4a52-4c1a-9d0e-2f4b5a6c7d8e' })
  id: string;
  @ApiProperty({ example: 3, description: "the stream's revision after the append (0-based)" })
  revision: number;
  @ApiProperty({ example: '1042', description: 'global position of the last appended event (a string: it may exceed 2^53)' })
  position: string;
}

/** RFC 9457 problem details, as every error is answered (application/problem+json). */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://ledger.example/problems/item-not-reported' })
  type: string;
  @ApiProperty({ example: 'Conflict' })
  title: string;
  @ApiProperty({ example: 409 })
  status: number;
  @ApiProperty({ example: 'the item has not been reported as complete' })
  detail: string;
  @ApiProperty({ example: 'ITEM_NOT_REPORTED' })
  code: string;
  @ApiProperty({ required: false, description: 'per field (400)', type: 'array', items: { type: 'object' } })
  errors?: Array<{ field: string; messages: string[] } | Record<string, unknown>>;
}

import { BadRequestException, type PipeTransform } from '@nestjs/common';

/** Tag ids: EPC hex, beacon ids (uuid:major:minor), MACs. Upper-cased so one tag has one id. */
export const TAG_ID_PATTERN = /^[A-Za-z0-9:._-]{1,128}$/;

export function normaliseTagId(tagId: string): string {
  return tagId.toUpperCase();
}

export class TagIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!TAG_ID_PATTERN.test(value)) throw new BadRequestException('tagId: 1-128 characters of A-Z a-z 0-9 : . _ -');
    return normaliseTagId(value);
  }
}

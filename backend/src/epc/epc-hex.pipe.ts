import { BadRequestException, type PipeTransform } from '@nestjs/common';

/** Long enough for the shortest tags, short enough for the longest EPC bank (256 bits). */
export const EPC_HEX_PATTERN = /^[0-9A-Fa-f]{8,64}$/;

/** Route parameter `hex`: an EPC as 8-64 hex digits, either case. */
export class EpcHexPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!EPC_HEX_PATTERN.test(value)) throw new BadRequestException('hex: must be 8-64 hexadecimal digits');
    return value;
  }
}

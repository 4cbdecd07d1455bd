import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AnyStaff } from '@backend/auth/access.decorator';
import { EpcHexPipe } from './epc-hex.pipe';
import { type DecodedEpc, decodeEpc } from './epc';

@ApiTags('epc')
@Controller('epc')
export class EpcController {
  // No service: decoding is a pure function with no I/O to wire up.
  @Get(':hex')
  @AnyStaff()
  @ApiOperation({
    summary: 'Decode an RFID EPC (SGTIN-96, SSCC-96, SGLN-96, GRAI-96, GIAI-96, GID-96) into its GS1 identity',
  })
  @ApiParam({ name: 'hex', description: 'EPC as 8-64 hex digits, either case', example: '3074257BF7194E4000001A85' })
  @ApiOkResponse({
    description:
      "kind 'gs1' with the fields, tag URI, pure identity URI and GS1 element string; " +
      "kind 'raw' with a reason for anything else (other schemes, TIDs, test tags)",
  })
  @ApiBadRequestResponse({ description: 'hex is not 8-64 hexadecimal digits' })
  decode(@Param('hex', EpcHexPipe) hex: string): DecodedEpc {
    return decodeEpc(hex);
  }
}

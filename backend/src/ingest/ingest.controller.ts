import { BadRequestException, Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeviceOnly } from '@backend/auth/access.decorator';
import { CurrentPrincipal, type DevicePrincipal } from '@backend/auth/principal';
import { MetricsService } from '@backend/metrics/metrics.service';
import { type IngestAccepted, IngestService } from './ingest.service';

@ApiTags('ingest')
@Controller('ingest')
export class IngestController {
  constructor(
    private readonly ingest: IngestService,
    private readonly metrics: MetricsService,
  ) {}

  @Post(':format')
  @DeviceOnly()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Post a batch of tag reads in a vendor format; 202 once the batch is durably queued',
    description:
      'Authenticate with the device API key in X-Api-Key (or as the HTTP Basic password). ' +
      'A 400 names the failing item index and field; nothing of a rejected batch is queued. ' +
      'Formats: generic (Wardtrack JSON, one document); impinj-iot (R700/R720 IoT device interface events), ' +
      'impinj-speedway (Speedway Connect records), zebra-iotc (Zebra IoT Connector events), impinj-smartreader ' +
      '(SmartReader tag events, also over MQTT); BLE gateways: ' +
      'minew (G1/MG3 array), ingics ($GPRP lines, {data:[lines]}, iGS03 JSON), cassia (SSE scan lines), ' +
      'ruuvi (Ruuvi Gateway JSON). The vendor formats take a JSON array, one object, NDJSON lines or objects ' +
      'back to back (ingics and cassia also plain text lines), and name problems items[i].<field>.',
  })
  @ApiConsumes('application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain', 'text/event-stream')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Sender batch id: a re-sent batch is processed once',
  })
  @ApiBody({
    schema: {
      example: {
        batchId: 'rdr-17-000123',
        reads: [{ tagId: '3034257BF7194E4000001A85', antenna: 1, rssi: -52.5, seenAt: '2026-11-25T10:00:00.123Z' }],
      },
    },
  })
  async accept(
    @CurrentPrincipal() device: DevicePrincipal,
    @Param('format') format: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<IngestAccepted> {
    if (idempotencyKey !== undefined && !/^[A-Za-z0-9:._-]{1,128}$/.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key: 1-128 characters of A-Z a-z 0-9 : . _ -');
    }
    const accepted = await this.ingest.ingest(device, format, body, idempotencyKey);
    this.metrics.ingestAccepted(format, accepted.accepted, accepted.duplicate);
    return accepted;
  }
}

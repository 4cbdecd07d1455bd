// The peer for the throughput benchmark: reelyActive barnowl (UDP raddec listener, mixing on, as
// its README recommends) feeding barnacles (event detection with its default delays), in a
// process of its own. Started by bench/throughput.mjs; reports over IPC.
//
// It counts the decodings that arrive, the raddec events barnacles emits, and for RFID tags the
// time from the first decoding by a tag's new strongest receiver to barnacles' DISPLACEMENT
// event (the peer's read-to-event latency; BLE tags are heard by several gateways at once, so
// "first decoding of the move" is not defined for them).
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const Barnowl = require('barnowl');
const Barnacles = require('barnacles');
const Raddec = require('raddec');

const port = Number(process.argv[2]);
const ABSENT_MS = 3_000;

let window = fresh();
function fresh() {
  return { decodings: 0, events: {}, displacementMs: [], startedAt: Date.now() };
}
/** transmitterId -> receiverId -> { first, last } arrival times of its current run of decodings. */
const runs = new Map();

class TimedUdpListener extends Barnowl.UdpListener {
  constructor(options) {
    super(options);
    // Registered before barnowl's own handler: sees each decoding as it arrives.
    this.on('raddec', (raddec) => {
      window.decodings++;
      const now = Date.now();
      let byReceiver = runs.get(raddec.transmitterId);
      if (!byReceiver) runs.set(raddec.transmitterId, (byReceiver = new Map()));
      for (const d of raddec.rssiSignature) {
        const run = byReceiver.get(d.receiverId);
        if (!run || now - run.last > ABSENT_MS) byReceiver.set(d.receiverId, { first: now, last: now });
        else run.last = now;
      }
    });
    this.server.on('listening', () => {
      try {
        this.server.setRecvBufferSize(8 * 1024 * 1024);
      } catch {
        // the kernel caps it (net.core.rmem_max); the default buffer is used
      }
      process.send?.({ type: 'ready' });
    });
  }
}

const barnowl = new Barnowl({ enableMixing: true });
const barnacles = new Barnacles({ barnowl });
barnowl.addListener(Barnowl, {}, TimedUdpListener, { path: `127.0.0.1:${port}` });

const names = ['APPEARANCE', 'DISPLACEMENT', 'PACKETS', 'KEEPALIVE', 'DISAPPEARANCE'];
barnacles.on('raddec', (raddec) => {
  const now = Date.now();
  for (const e of raddec.events ?? []) window.events[names[e] ?? e] = (window.events[names[e] ?? e] ?? 0) + 1;
  if (
    raddec.events?.includes(Raddec.events.DISPLACEMENT) &&
    raddec.transmitterIdType === Raddec.identifiers.TYPE_EPC96
  ) {
    const strongest = raddec.rssiSignature?.[0]?.receiverId;
    const run = runs.get(raddec.transmitterId)?.get(strongest);
    if (run) window.displacementMs.push(now - run.first);
  }
});

const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();

process.on('message', (msg) => {
  if (msg.type === 'reset') {
    window = fresh();
    lag.reset();
  } else if (msg.type === 'report') {
    process.send({
      type: 'report',
      report: {
        ...window,
        seconds: (Date.now() - window.startedAt) / 1000,
        eventLoopLagMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
        rssBytes: process.memoryUsage().rss,
        heapUsedBytes: process.memoryUsage().heapUsed,
      },
    });
  }
});
process.on('disconnect', () => process.exit(0));

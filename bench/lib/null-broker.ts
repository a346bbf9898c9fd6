// Null broker for load-generator ceiling checks (`bench broker --target null-broker`): acknowledges CONNECT,
// SUBSCRIBE, PINGREQ and QoS1 PUBLISH, and copies every PUBLISH's raw bytes to all subscribers, with no topic
// matching, no queues and no QoS handling towards subscribers. Not an MQTT broker; near-zero cost per message.
// A connection that CONNECTs at level 5 gets the MQTT 5 forms of CONNACK (Topic Alias Maximum 10) and SUBACK; its
// PUBLISH packets, properties and topic aliases included, are copied as they are (only the load generator's MQTT 5
// subscribers, which ignore topics, can read them).
//   node --import tsx bench/lib/null-broker.ts [--port 0]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { FrameSplitter, PUBLISH } from './mqtt-wire.js';

const CONNECT = 1, SUBSCRIBE = 8, PINGREQ = 12;
const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const subscribers = new Set<net.Socket>();

const server = net.createServer({ noDelay: true }, (sock) => {
  const replies: number[] = [];
  let v5 = false;
  let spanBuf: Buffer | undefined, spanStart = 0, spanEnd = 0;
  const spans: Buffer[] = [];
  const flushSpan = () => {
    if (spanBuf) spans.push(spanBuf === chunkRef ? spanBuf.subarray(spanStart, spanEnd) : Buffer.from(spanBuf.subarray(spanStart, spanEnd)));
    spanBuf = undefined;
  };
  let chunkRef: Buffer | undefined;
  const splitter = new FrameSplitter((buf, start, body, end) => {
    const type = buf[start] >> 4;
    if (type === PUBLISH) {
      if ((buf[start] >> 1) & 3) {
        const p = body + 2 + buf.readUInt16BE(body);
        replies.push(0x40, 2, buf[p], buf[p + 1]);
      }
      if (spanBuf === buf && spanEnd === start) spanEnd = end;
      else { flushSpan(); spanBuf = buf; spanStart = start; spanEnd = end; }
    } else if (type === CONNECT) {
      v5 = buf[body + 6] === 5; // protocol level, after the protocol name "MQTT"
      if (v5) replies.push(0x20, 6, 0, 0, 3, 0x22, 0, 10); // properties: Topic Alias Maximum 10
      else replies.push(0x20, 2, 0, 0);
    } else if (type === SUBSCRIBE) {
      subscribers.add(sock);
      if (v5) replies.push(0x90, 4, buf[body], buf[body + 1], 0, 1);
      else replies.push(0x90, 3, buf[body], buf[body + 1], 1);
    } else if (type === PINGREQ) {
      replies.push(0xd0, 0);
    }
  });
  sock.on('data', (chunk: Buffer) => {
    chunkRef = chunk;
    splitter.push(chunk);
    flushSpan();
    if (replies.length) { sock.write(Buffer.from(replies)); replies.length = 0; }
    let full = false;
    for (const s of spans) for (const sub of subscribers) if (sub.writable && !sub.write(s)) full = true;
    spans.length = 0;
    // Backpressure: stop reading this publisher until every subscriber has drained.
    if (full) {
      sock.pause();
      const waiting = [...subscribers].filter((s) => s.writableNeedDrain);
      let left = waiting.length;
      if (left === 0) sock.resume();
      for (const s of waiting) s.once('drain', () => { if (--left === 0) sock.resume(); });
    }
  });
  sock.on('error', () => undefined);
  sock.on('close', () => subscribers.delete(sock));
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ event: 'ready', endpoints: { mqtt: `mqtt://127.0.0.1:${port}` }, pid: process.pid })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));

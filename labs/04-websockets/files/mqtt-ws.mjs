// Just enough MQTT 3.1.1 over a WebSocket for the lab's page: CONNECT, SUBSCRIBE, PUBLISH and receive at QoS 0,
// PINGREQ to keep the connection open. (A real application would use MQTT.js or the AWS IoT Device SDK for
// JavaScript; written out here so that you can see every byte that goes over the socket.)

const enc = new TextEncoder();
const dec = new TextDecoder();
const str = (s) => { const b = enc.encode(s); return [b.length >> 8, b.length & 0xff, ...b]; };
function packet(type, body) {
  const len = [];
  let n = body.length;
  do { let d = n % 128; n = Math.floor(n / 128); if (n > 0) d |= 0x80; len.push(d); } while (n > 0);
  return new Uint8Array([type, ...len, ...body]);
}

export class MqttOverWebSocket {
  /** @param {string} url a presigned wss:// URL; @param {string} clientId */
  constructor(url, clientId) {
    this.url = url; this.clientId = clientId; this.onmessage = () => {}; this.onclose = () => {};
    this.nextId = 1; this.buf = new Uint8Array(0); this.waiting = new Map();
  }

  /** Opens the socket and sends CONNECT; resolves on CONNACK 0. */
  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, 'mqtt');
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      this.waiting.set('connack', { resolve, reject });
      ws.onopen = () => ws.send(packet(0x10, [...str('MQTT'), 4, 0x02, 0, 60, ...str(this.clientId)]));
      ws.onerror = () => reject(new Error(`WebSocket ${this.url.split('?')[0]} refused the connection`));
      ws.onclose = (e) => { clearInterval(this.ping); this.onclose(e); };
      ws.onmessage = (e) => this.received(new Uint8Array(e.data));
      this.ping = setInterval(() => ws.readyState === 1 && ws.send(new Uint8Array([0xc0, 0])), 30_000);
    });
  }

  subscribe(filter) {
    const id = this.nextId++;
    this.ws.send(packet(0x82, [id >> 8, id & 0xff, ...str(filter), 0]));
    return new Promise((resolve, reject) => this.waiting.set(`suback${id}`, { resolve, reject }));
  }

  publish(topic, payload) {
    this.ws.send(packet(0x30, [...str(topic), ...enc.encode(typeof payload === 'string' ? payload : JSON.stringify(payload))]));
  }

  close() { this.ws.send(new Uint8Array([0xe0, 0])); this.ws.close(); }

  /** WebSocket frames and MQTT packets need not line up: keep bytes until a whole packet is there. */
  received(bytes) {
    const all = new Uint8Array(this.buf.length + bytes.length);
    all.set(this.buf); all.set(bytes, this.buf.length);
    let at = 0;
    for (;;) {
      let len = 0, mul = 1, i = at + 1;
      for (;;) { if (i >= all.length) { this.buf = all.slice(at); return; } const d = all[i++]; len += (d & 0x7f) * mul; mul *= 128; if (!(d & 0x80)) break; }
      if (i + len > all.length) { this.buf = all.slice(at); return; }
      this.handle(all[at], all.subarray(i, i + len));
      at = i + len;
    }
  }

  handle(first, body) {
    const type = first >> 4;
    if (type === 2) {
      const w = this.waiting.get('connack'); this.waiting.delete('connack');
      if (body[1] === 0) w?.resolve(); else w?.reject(new Error(`CONNACK refused the connection: return code ${body[1]}`));
    } else if (type === 9) {
      const id = (body[0] << 8) | body[1];
      const w = this.waiting.get(`suback${id}`); this.waiting.delete(`suback${id}`);
      if (body[2] === 0x80) w?.reject(new Error('SUBACK: subscription refused')); else w?.resolve();
    } else if (type === 3) {
      const tlen = (body[0] << 8) | body[1];
      const topic = dec.decode(body.subarray(2, 2 + tlen));
      const qos = (first >> 1) & 3;
      this.onmessage(topic, dec.decode(body.subarray(2 + tlen + (qos ? 2 : 0))));
    }
  }
}

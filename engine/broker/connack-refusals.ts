/**
 * CONNACKs the broker writes itself, for CONNECTs aedes never sees: a protocol level it does not speak is answered
 * before the connection closes [MQTT-3.1.2-2], in the shape that level's client can decode.
 */

/** MQTT 3.1.1 CONNACK, return code 0x01 unacceptable protocol level (levels below 3). */
export const CONNACK_UNACCEPTABLE_LEVEL = Buffer.from([0x20, 0x02, 0x00, 0x01]);

/** MQTT 5 CONNACK, reason 0x84 Unsupported Protocol Version, no properties (level 5 and above). */
export const CONNACK_UNSUPPORTED_VERSION = Buffer.from([0x20, 0x03, 0x00, 0x84, 0x00]);

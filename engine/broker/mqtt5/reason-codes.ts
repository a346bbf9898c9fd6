/** MQTT 5 reason codes the broker sends (OASIS MQTT 5.0 §2.4), by name. */
export const REASON = {
  success: 0x00,
  noSubscriptionExisted: 0x11,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverShuttingDown: 0x8b,
  badAuthenticationMethod: 0x8c,
  keepAliveTimeout: 0x8d,
  sessionTakenOver: 0x8e,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  packetIdentifierInUse: 0x91,
  receiveMaximumExceeded: 0x93,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  payloadFormatInvalid: 0x99,
  qosNotSupported: 0x9b,
  subscriptionIdentifiersNotSupported: 0xa1,
} as const;

/** An MQTT 3.1.1 CONNACK return code (what aedes decides) as the MQTT 5 reason code that means the same. */
export function connackReasonCode(returnCode: number): number {
  switch (returnCode) {
    case 0: return REASON.success;
    case 1: return REASON.unsupportedProtocolVersion;
    case 2: return REASON.clientIdentifierNotValid;
    case 3: return REASON.serverUnavailable;
    case 4: return REASON.badUserNameOrPassword;
    case 5: return REASON.notAuthorized;
    default: return REASON.unspecifiedError;
  }
}

/**
 * The reserved request topics of AWS IoT services that Thingbench does not have yet, and AWS's error document for
 * each service's `…/rejected` reply. None at present: Jobs (engine/jobs) and fleet provisioning
 * (engine/fleet-provisioning) answer their own topics. A service added to AWS IoT later gets an area here until
 * Thingbench has it.
 */
export interface UnansweredArea {
  /** What the explanation calls the service. */
  service: string;
  filters: string[];
  /** The rejected reply's payload. */
  rejected(request: Buffer, topic: string, message: string, nowMs: number): Buffer;
}

export const unansweredAreas: UnansweredArea[] = [];

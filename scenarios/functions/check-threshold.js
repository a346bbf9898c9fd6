// The threshold-alert pipeline's function (scenarios/threshold-alert.yaml): the rule check_readings invokes it with
// each sensor reading; it reads the threshold for the reading's kind from the Thresholds table and, when the reading
// is above it, publishes an alert, which the rule alerts_to_sns sends to the threshold-alerts notification topic.
export const handler = async (event) => {
  const limit = await thingbench.getItem('Thresholds', { sensorType: 'temperature' });
  if (!limit) return { alert: false, reason: 'no threshold for temperature' };
  if (typeof event.temperature !== 'number' || event.temperature <= limit.threshold) return { alert: false };
  await thingbench.publish('alerts/temperature', {
    device: event.device,
    temperature: event.temperature,
    threshold: limit.threshold,
  }, { qos: 1 });
  return { alert: true };
};

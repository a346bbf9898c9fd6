/**
 * Answers per MQTT topic (who subscribes, which taps or rules match), worked out once per topic and remembered until
 * what they depend on changes (`clear`). Devices publish to the same few topics again and again; a flood of
 * distinct topics only restarts the memo, it cannot grow memory past `maxTopics` answers.
 */
export class TopicMemo<T> {
  private readonly answers = new Map<string, T>();

  constructor(private readonly compute: (topic: string) => T, private readonly maxTopics = 10_000) {}

  get(topic: string): T {
    let answer = this.answers.get(topic);
    if (answer === undefined) {
      if (this.answers.size >= this.maxTopics) this.answers.clear();
      answer = this.compute(topic);
      this.answers.set(topic, answer);
    }
    return answer;
  }

  clear(): void {
    this.answers.clear();
  }
}

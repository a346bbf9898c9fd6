/** `search: { query, things, index? }`: IoT fleet search (SearchIndex) finds exactly these things. */
import { SearchIndexCommand } from '@aws-sdk/client-iot';
import { defineCheck, done, listText, missing } from './check.js';

export interface SearchArgs { query: string; things: string[]; index?: string }

export const searchCheck = defineCheck<SearchArgs>({
  kind: 'search',
  summary: 'Fleet search (SearchIndex) for the query finds exactly these things.',
  localOnly: false,
  schema: {
    type: 'object', required: ['query', 'things'], additionalProperties: false,
    properties: {
      query: { type: 'string', minLength: 1, description: 'A fleet indexing query: thingName:… AND attributes.x:… AND connectivity.connected:true' },
      things: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      index: { type: 'string', minLength: 1, description: 'AWS_Things by default.' },
    },
  },
  async check(ctx, a) {
    const iot = ctx.clients.iot();
    const found: string[] = [];
    let nextToken: string | undefined;
    do {
      const res = await ctx.clients.call('SearchIndex', () => iot.send(new SearchIndexCommand({ queryString: a.query, maxResults: 100, ...(a.index ? { indexName: a.index } : {}), ...(nextToken ? { nextToken } : {}) })));
      found.push(...(res.things ?? []).map((t) => t.thingName ?? ''));
      nextToken = res.nextToken;
    } while (nextToken && found.length < 5000);
    const want = [...a.things].sort(), got = [...new Set(found)].sort();
    const extra = got.filter((t) => !want.includes(t)), absent = want.filter((t) => !got.includes(t));
    if (!extra.length && !absent.length) return done(`the search ${a.query} finds ${listText(got, 'no thing')}`);
    return missing(`the search ${a.query} finds ${listText(got, 'no thing')}${absent.length ? `, not ${listText(absent)}` : ''}${extra.length ? `${absent.length ? ';' : ','} ${listText(extra)} should not match` : ''}`);
  },
});

/**
 * The AWS IoT SQL language as the rule editor needs it [DG:iot-sql-reference, iot-sql-functions]: keywords and the
 * engine's function table (names as AWS's documentation writes them, arity, the SQL version that introduced them), so
 * the renderer completes and highlights without importing the engine. `engine/rules/sql/functions.test.ts` keeps this
 * list equal to the engine's.
 */

/** Clause and expression keywords (case-insensitive in rules). */
export const RULE_SQL_KEYWORDS = [
  'SELECT', 'VALUE', 'FROM', 'WHERE', 'AS', 'AND', 'OR', 'NOT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'SET',
] as const;

/** Literal words. */
export const RULE_SQL_CONSTANTS = ['true', 'false', 'null'] as const;

/** Type names `CAST(x AS type)` takes. */
export const RULE_SQL_CAST_TYPES = ['String', 'Nvarchar', 'Text', 'Ntext', 'varchar', 'Int', 'Integer', 'Double', 'Decimal', 'Bool', 'Boolean'] as const;

export interface RuleSqlFunction {
  /** As AWS's documentation writes it; calls match case-insensitively. */
  name: string;
  /** The parameters as one line, for the editor's completion detail. */
  params: string;
  minArgs: number;
  /** null: any number (`concat`). */
  maxArgs: number | null;
  /** The first `awsIotSqlVersion` that has it. */
  since: '2015-10-08' | '2016-03-23';
  /** A Thingbench addition AWS does not have (the checker warns). */
  extension?: boolean;
}

const V2 = '2016-03-23' as const;
const f = (name: string, params: string, minArgs: number, maxArgs: number | null, since: RuleSqlFunction['since'] = '2015-10-08', extension = false): RuleSqlFunction =>
  (extension ? { name, params, minArgs, maxArgs, since, extension } : { name, params, minArgs, maxArgs, since });

export const RULE_SQL_FUNCTIONS: readonly RuleSqlFunction[] = [
  f('abs', 'number', 1, 1), f('accountid', '', 0, 0), f('acos', 'number', 1, 1), f('asin', 'number', 1, 1),
  f('atan', 'number', 1, 1), f('atan2', 'y, x', 2, 2), f('aws_lambda', 'functionArn, inputJson', 2, 2),
  f('bitand', 'a, b', 2, 2), f('bitnot', 'a', 1, 1), f('bitor', 'a, b', 2, 2), f('bitxor', 'a, b', 2, 2),
  f('cast', 'value AS type', 1, 1), f('ceil', 'number', 1, 1), f('chr', 'code', 1, 1), f('clientid', '', 0, 0),
  f('concat', 'value, …', 0, null), f('cos', 'number', 1, 1), f('cosh', 'number', 1, 1),
  f('crc32', 'value', 1, 1, '2015-10-08', true), f('decode', "value, 'base64'", 2, 2, V2), f('encode', "value, 'base64'", 2, 2, V2),
  f('endswith', 'string, suffix', 2, 2), f('exp', 'number', 1, 1), f('floor', 'number', 1, 1), f('get', 'container, keyOrIndex', 2, 2),
  f('get_dynamodb', 'tableName, partitionKeyName, partitionKeyValue, sortKeyName?, sortKeyValue?, roleArn', 4, 6, V2),
  f('get_mqtt_property', 'name', 1, 1), f('get_or_default', 'expression, default', 2, 2, V2),
  f('get_registry_data', "'DescribeThing', thingName, roleArn", 3, 3, V2),
  f('get_secret', 'secretId, secretType, key?, roleArn', 3, 4), f('get_thing_shadow', 'thingName, shadowName?, roleArn', 2, 3, V2),
  f('get_user_properties', 'name?', 0, 1), f('indexof', 'string, search', 2, 2, V2), f('isNull', 'value', 1, 1),
  f('isUndefined', 'value', 1, 1, V2), f('length', 'string', 1, 1, V2), f('ln', 'number', 1, 1), f('log', 'number', 1, 1),
  f('lower', 'string', 1, 1), f('lpad', 'string, count', 2, 2), f('ltrim', 'string', 1, 1),
  f('machinelearning_predict', 'modelId, roleArn, record', 3, 3), f('md2', 'string', 1, 1), f('md5', 'string', 1, 1),
  f('mod', 'a, b', 2, 2), f('nanvl', 'value, default', 2, 2), f('newuuid', '', 0, 0), f('numbytes', 'string', 1, 1, V2),
  f('parse_time', 'pattern, epochMillis, timeZone?', 2, 3, V2), f('power', 'base, exponent', 2, 2), f('principal', '', 0, 0),
  f('rand', '', 0, 0), f('regexp_matches', 'string, pattern', 2, 2), f('regexp_replace', 'string, pattern, replacement', 3, 3),
  f('regexp_substr', 'string, pattern', 2, 2), f('remainder', 'a, b', 2, 2), f('replace', 'string, search, replacement', 3, 3),
  f('round', 'number', 1, 1), f('rpad', 'string, count', 2, 2), f('rtrim', 'string', 1, 1), f('sha1', 'string', 1, 1),
  f('sha224', 'string', 1, 1), f('sha256', 'string', 1, 1), f('sha384', 'string', 1, 1), f('sha512', 'string', 1, 1),
  f('sign', 'number', 1, 1), f('sin', 'number', 1, 1), f('sinh', 'number', 1, 1), f('sourceip', '', 0, 0),
  f('sql_version', '', 0, 0), f('sqrt', 'number', 1, 1), f('startswith', 'string, prefix', 2, 2),
  f('substring', 'string, start, end?', 2, 3), f('tan', 'number', 1, 1), f('tanh', 'number', 1, 1),
  f('time_to_epoch', 'timestamp, pattern', 2, 2, V2), f('timestamp', '', 0, 0), f('topic', 'level?', 0, 1),
  f('traceid', '', 0, 0), f('transform', "'enrichArray', object, array", 3, 3, V2), f('trim', 'string', 1, 1),
  f('trunc', 'number, digits', 2, 2), f('upper', 'string', 1, 1),
];

/**
 * DynamoDB expression cases from AWS's Developer Guide (Expressions.OperatorsAndFunctions, Expressions.UpdateExpressions,
 * Expressions.ProjectionExpressions, Expressions.ExpressionAttributeNames), run on its ProductCatalog item 123, plus
 * AWS's messages for bad expressions.
 */
import { describe, expect, it } from 'vitest';
import { validateItem, type AttributeValue, type Item } from './attribute-value.js';
import { applyUpdate } from './expression-eval.js';
import { compileExpressions, matches, projectItem, type ExpressionInput } from './expressions.js';

/** ProductCatalog item 123 as the Developer Guide shows it. */
const product: Item = validateItem({
  Id: { N: '123' },
  Title: { S: 'Bicycle 123' },
  Description: { S: '123 description' },
  BicycleType: { S: 'Hybrid' },
  Brand: { S: 'Brand-Company C' },
  Price: { N: '500' },
  Color: { SS: ['Red', 'Black'] },
  ProductCategory: { S: 'Bicycle' },
  InStock: { BOOL: true },
  QuantityOnHand: { NULL: true },
  RelatedItems: { L: [{ N: '341' }, { N: '472' }, { N: '649' }] },
  Pictures: { M: { FrontView: { S: 'http://example.com/products/123_front.jpg' }, RearView: { S: 'http://example.com/products/123_rear.jpg' }, SideView: { S: 'http://example.com/products/123_left_side.jpg' } } },
  ProductReviews: { M: { FiveStar: { L: [{ S: "Excellent! Can't recommend it highly enough! Buy it!" }, { S: 'Do yourself a favor and buy this.' }] }, OneStar: { L: [{ S: 'Terrible product! Do not buy this.' }] } } },
  Comment: { S: 'This product sells out quickly during the summer' },
  'Safety.Warning': { S: 'Always wear a helmet' },
});

const cond = (ConditionExpression: string, values?: Record<string, AttributeValue>, names?: Record<string, string>, item: Item = product) => {
  const c = compileExpressions({ ConditionExpression, ExpressionAttributeValues: values, ExpressionAttributeNames: names });
  return matches(c.condition, item);
};
const update = (UpdateExpression: string, values?: Record<string, AttributeValue>, names?: Record<string, string>, item: Item = product) =>
  applyUpdate(item, compileExpressions({ UpdateExpression, ExpressionAttributeValues: values, ExpressionAttributeNames: names }, ['Id']).update!);
const error = (input: ExpressionInput, keys: string[] = ['Id']): string => {
  try {
    const c = compileExpressions(input, keys);
    if (c.update) applyUpdate(product, c.update);
    return 'no error';
  } catch (e) {
    expect((e as { details?: { reason?: string } }).details?.reason).toBe('ValidationException');
    return (e as Error).message;
  }
};

describe('condition and filter expressions (DG examples on ProductCatalog 123)', () => {
  it.each<[string, Record<string, AttributeValue> | undefined, Record<string, string> | undefined, boolean]>([
    ['attribute_not_exists (Price)', undefined, undefined, false],
    ['attribute_exists (#Pictures.#SideView)', undefined, { '#Pictures': 'Pictures', '#SideView': 'SideView' }, true],
    ['attribute_exists (Pictures.TopView)', undefined, undefined, false],
    ['attribute_type (ProductReviews.FiveStar, :v_sub)', { ':v_sub': { S: 'L' } }, undefined, true],
    ['attribute_type (Color, :t)', { ':t': { S: 'SS' } }, undefined, true],
    ['attribute_type (QuantityOnHand, :t)', { ':t': { S: 'NULL' } }, undefined, true],
    ['begins_with (Pictures.FrontView, :v_sub)', { ':v_sub': { S: 'http://' } }, undefined, true],
    ['begins_with (Title, :v)', { ':v': { S: 'bicycle' } }, undefined, false],
    ['contains (Brand, :v_sub)', { ':v_sub': { S: 'Company' } }, undefined, true],
    ['contains (Color, :v_sub)', { ':v_sub': { S: 'Red' } }, undefined, true],
    ['contains (Color, :v_sub)', { ':v_sub': { S: 'Green' } }, undefined, false],
    ['contains (RelatedItems, :r)', { ':r': { N: '472.0' } }, undefined, true],
    ['size (Brand) <= :v_sub', { ':v_sub': { N: '20' } }, undefined, true],
    ['size(Color) = :two', { ':two': { N: '2' } }, undefined, true],
    ['size(ProductReviews.OneStar) > :v_sub', { ':v_sub': { N: '3' } }, undefined, false],
    ['size(Pictures) = :three', { ':three': { N: '3' } }, undefined, true],
    ['Price = :p', { ':p': { N: '500.00' } }, undefined, true],
    ['Price <> :p', { ':p': { N: '500' } }, undefined, false],
    ['Price > :p', { ':p': { N: '499.99999999999999999999' } }, undefined, true],
    ['Price < :p', { ':p': { S: '600' } }, undefined, false],
    ['Price BETWEEN :lo AND :hi', { ':lo': { N: '500' }, ':hi': { N: '600' } }, undefined, true],
    ['Price BETWEEN :lo AND :hi', { ':lo': { N: '501' }, ':hi': { N: '600' } }, undefined, false],
    ['ProductCategory IN (:cat1, :cat2)', { ':cat1': { S: 'Sporting Goods' }, ':cat2': { S: 'Bicycle' } }, undefined, true],
    ['Price IN (:a, :b)', { ':a': { N: '1' }, ':b': { S: '500' } }, undefined, false],
    ['Price > :p AND ProductCategory = :c', { ':p': { N: '100' }, ':c': { S: 'Bicycle' } }, undefined, true],
    ['Price > :p AND NOT ProductCategory = :c', { ':p': { N: '100' }, ':c': { S: 'Bicycle' } }, undefined, false],
    ['NOT (Price < :p OR InStock = :f)', { ':p': { N: '100' }, ':f': { BOOL: false } }, undefined, true],
    ['Price < :p OR InStock = :t AND Brand = :b', { ':p': { N: '1' }, ':t': { BOOL: true }, ':b': { S: 'Brand-Company C' } }, undefined, true],
    ['#sw = :w', { ':w': { S: 'Always wear a helmet' } }, { '#sw': 'Safety.Warning' }, true],
    ['#pr.FiveStar[1] = :r', { ':r': { S: 'Do yourself a favor and buy this.' } }, { '#pr': 'ProductReviews' }, true],
    ['RelatedItems[5] = :r', { ':r': { N: '1' } }, undefined, false],
    ['Pictures = :m', { ':m': { M: { FrontView: { S: 'http://example.com/products/123_front.jpg' }, RearView: { S: 'http://example.com/products/123_rear.jpg' }, SideView: { S: 'http://example.com/products/123_left_side.jpg' } } } }, undefined, true],
    ['Color = :c', { ':c': { SS: ['Black', 'Red'] } }, undefined, true],
    ['Absent <> :x', { ':x': { N: '1' } }, undefined, true],
    ['Absent = :x', { ':x': { N: '1' } }, undefined, false],
  ])('%s → %s', (expr, values, names, expected) => {
    expect(cond(expr, values, names)).toBe(expected);
  });

  it('a condition on a missing item sees no attributes (attribute_not_exists for put-if-absent)', () => {
    const c = compileExpressions({ ConditionExpression: 'attribute_not_exists(Id)' });
    expect(matches(c.condition, undefined)).toBe(true);
    expect(matches(c.condition, product)).toBe(false);
  });
});

describe('update expressions (DG examples on ProductCatalog 123)', () => {
  it('SET adds and replaces top-level attributes, list elements and nested map attributes', () => {
    const a = update('SET ProductCategory = :c, Price = :p', { ':c': { S: 'Hardware' }, ':p': { N: '60' } });
    expect([a.ProductCategory, a.Price]).toEqual([{ S: 'Hardware' }, { N: '60' }]);
    const b = update('SET RelatedItems[1] = :ri', { ':ri': { S: 'Nails' } });
    expect(b.RelatedItems).toEqual({ L: [{ N: '341' }, { S: 'Nails' }, { N: '649' }] });
    const c = update('SET #pr.#5star[1] = :r5, #pr.#3star = :r3', {
      ':r5': { S: 'Very happy with my purchase' }, ':r3': { L: [{ S: 'Just OK - not that great' }] },
    }, { '#pr': 'ProductReviews', '#5star': 'FiveStar', '#3star': 'ThreeStar' });
    expect(c.ProductReviews).toEqual({ M: {
      FiveStar: { L: [{ S: "Excellent! Can't recommend it highly enough! Buy it!" }, { S: 'Very happy with my purchase' }] },
      OneStar: { L: [{ S: 'Terrible product! Do not buy this.' }] },
      ThreeStar: { L: [{ S: 'Just OK - not that great' }] },
    } });
    expect(update('SET RelatedItems[10] = :x', { ':x': { N: '9' } }).RelatedItems).toEqual({ L: [{ N: '341' }, { N: '472' }, { N: '649' }, { N: '9' }] });
    expect(product.Price).toEqual({ N: '500' }); // the original is untouched
  });

  it('SET with + and - is exact decimal arithmetic', () => {
    expect(update('SET Price = Price - :p', { ':p': { N: '15' } }).Price).toEqual({ N: '485' });
    expect(update('SET Price = Price + :p', { ':p': { N: '0.1' } }).Price).toEqual({ N: '500.1' });
    expect(update('SET Doubled = Price + Price').Doubled).toEqual({ N: '1000' });
  });

  it('list_append and if_not_exists', () => {
    const a = update('SET #ri = list_append(#ri, :vals)', { ':vals': { L: [{ S: 'Screwdriver' }, { S: 'Hacksaw' }] } }, { '#ri': 'RelatedItems' });
    expect(a.RelatedItems).toEqual({ L: [{ N: '341' }, { N: '472' }, { N: '649' }, { S: 'Screwdriver' }, { S: 'Hacksaw' }] });
    const b = update('SET #ri = list_append(:vals, #ri)', { ':vals': { L: [{ S: 'Chisel' }] } }, { '#ri': 'RelatedItems' });
    expect((b.RelatedItems as { L: AttributeValue[] }).L[0]).toEqual({ S: 'Chisel' });
    expect(update('SET Price = if_not_exists(Price, :p)', { ':p': { N: '100' } }).Price).toEqual({ N: '500' });
    expect(update('SET Stock = if_not_exists(Stock, :zero) + :one', { ':zero': { N: '0' }, ':one': { N: '1' } }).Stock).toEqual({ N: '1' });
  });

  it('REMOVE drops attributes and list elements (positions of the original list)', () => {
    const a = update('REMOVE Brand, InStock, QuantityOnHand');
    expect(['Brand', 'InStock', 'QuantityOnHand'].some((k) => k in a)).toBe(false);
    expect(update('REMOVE RelatedItems[1], RelatedItems[2]').RelatedItems).toEqual({ L: [{ N: '341' }] });
    expect(update('REMOVE Nothing.Here, RelatedItems[7]').RelatedItems).toEqual(product.RelatedItems);
  });

  it('ADD to numbers and sets, DELETE from sets (an emptied set disappears)', () => {
    expect(update('ADD QuantityOnHand2 :q', { ':q': { N: '5' } }).QuantityOnHand2).toEqual({ N: '5' });
    expect(update('ADD Price :q', { ':q': { N: '-0.5' } }).Price).toEqual({ N: '499.5' });
    expect(update('ADD Color :c', { ':c': { SS: ['Orange', 'Purple', 'Red'] } }).Color).toEqual({ SS: ['Red', 'Black', 'Orange', 'Purple'] });
    expect(update('DELETE Color :p', { ':p': { SS: ['Yellow', 'Red'] } }).Color).toEqual({ SS: ['Black'] });
    expect('Color' in update('DELETE Color :p', { ':p': { SS: ['Black', 'Red'] } })).toBe(false);
  });

  it('several clauses in one expression, each read from the item as it was', () => {
    const a = update('SET Price = :p REMOVE InStock ADD Hits :one DELETE Color :red', { ':p': { N: '1' }, ':one': { N: '1' }, ':red': { SS: ['Red'] } });
    expect([a.Price, a.InStock, a.Hits, a.Color]).toEqual([{ N: '1' }, undefined, { N: '1' }, { SS: ['Black'] }]);
    const b = update('SET A = Price, Price = :p', { ':p': { N: '7' } });
    expect([b.A, b.Price]).toEqual([{ N: '500' }, { N: '7' }]);
  });
});

describe('projection expressions', () => {
  it('returns only the named paths, list elements compacted', () => {
    const c = compileExpressions({ ProjectionExpression: 'Description, RelatedItems[0], RelatedItems[2], ProductReviews.FiveStar, #sw', ExpressionAttributeNames: { '#sw': 'Safety.Warning' } });
    expect(projectItem(product, c.projection)).toEqual({
      Description: { S: '123 description' },
      RelatedItems: { L: [{ N: '341' }, { N: '649' }] },
      ProductReviews: { M: { FiveStar: (product.ProductReviews as { M: Item }).M.FiveStar } },
      'Safety.Warning': { S: 'Always wear a helmet' },
    });
  });
});

describe("AWS's errors for bad expressions", () => {
  it.each<[ExpressionInput, string]>([
    [{ UpdateExpression: 'SET book-price = :p', ExpressionAttributeValues: { ':p': { N: '1' } } }, 'Invalid UpdateExpression: Syntax error; token: "-", near: "book-price"'],
    [{ UpdateExpression: 'SET path = VALUE 1' }, 'Invalid UpdateExpression: Syntax error; token: "1", near: "VALUE 1"'],
    [{ UpdateExpression: 'INVALID SYNTAX HERE' }, 'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"'],
    [{ UpdateExpression: 'ADD numx' }, 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "numx"'],
    [{ ProjectionExpression: '!!' }, 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'],
    [{ ConditionExpression: 'a = ' }, 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "="'],
    [{ ConditionExpression: '' }, 'Invalid ConditionExpression: The expression can not be empty;'],
    [{ UpdateExpression: 'SET #s = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, 'Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #s'],
    [{ ConditionExpression: 'a = :missing' }, 'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing'],
    [{ UpdateExpression: 'SET status = :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, 'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status'],
    [{ ProjectionExpression: 'Id, Name' }, 'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: Name'],
    [{ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { N: '1' }, ':w': { N: '2' } } }, 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}'],
    [{ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { N: '1' } }, ExpressionAttributeNames: { '#x': 'x' } }, 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}'],
    [{ ExpressionAttributeNames: { '#x': 'x' } }, 'ExpressionAttributeNames can only be specified when using expressions'],
    [{ ConditionExpression: 'a = b', ExpressionAttributeValues: {} }, 'ExpressionAttributeValues must not be empty'],
    [{ ConditionExpression: 'a = :v', ExpressionAttributeValues: { ':v': { NS: [] } } }, 'ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An number set  may not be empty for key :v'],
    [{ UpdateExpression: 'SET a = :v SET b = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'],
    [{ UpdateExpression: 'SET a = :v REMOVE a.b', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]'],
    [{ UpdateExpression: 'SET a[1] = :v, a[1] = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, [1]]'],
    [{ UpdateExpression: 'ADD a :v', ExpressionAttributeValues: { ':v': { S: 'x' } } }, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND'],
    [{ UpdateExpression: 'DELETE a :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND'],
    [{ UpdateExpression: 'SET Id = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'One or more parameter values were invalid: Cannot update attribute Id. This attribute is part of the key'],
    [{ UpdateExpression: 'SET Title = Title + :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'An operand in the update expression has an incorrect data type'],
    [{ UpdateExpression: 'SET x = Nope + :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'The provided expression refers to an attribute that does not exist in the item'],
    [{ UpdateExpression: 'SET Nope.deeper = :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'The document path provided in the update expression is invalid for update'],
    [{ UpdateExpression: 'ADD Title :v', ExpressionAttributeValues: { ':v': { N: '1' } } }, 'An operand in the update expression has an incorrect data type'],
    [{ UpdateExpression: 'SET a = size(b)' }, 'Invalid UpdateExpression: The function is not allowed in an update expression; function: size'],
    [{ ConditionExpression: 'attribute_exists(a, b)' }, 'Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2'],
    [{ ConditionExpression: 'foo(a)' }, 'Invalid ConditionExpression: Invalid function name; function: foo'],
    [{ ConditionExpression: 'size(a)' }, 'Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size'],
    [{ ConditionExpression: 'attribute_type(a, :t)', ExpressionAttributeValues: { ':t': { S: 'Z' } } }, 'Invalid ConditionExpression: Invalid attribute type name found; type: Z, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }'],
    [{ ConditionExpression: 'a BETWEEN :hi AND :lo', ExpressionAttributeValues: { ':lo': { N: '1' }, ':hi': { N: '5' } } }, 'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}'],
    [{ ConditionExpression: `a IN (${Array.from({ length: 101 }, () => ':v').join(', ')})`, ExpressionAttributeValues: { ':v': { N: '1' } } }, 'Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101'],
    [{ ProjectionExpression: 'a, a.b' }, 'Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]'],
  ])('%j → %s', (input, message) => {
    expect(error(input)).toBe(message);
  });

  it('accepts IN with 100 operands', () => {
    const c = compileExpressions({ ConditionExpression: `Price IN (${Array.from({ length: 100 }, () => ':v').join(', ')})`, ExpressionAttributeValues: { ':v': { N: '500' } } });
    expect(matches(c.condition, product)).toBe(true);
  });
});

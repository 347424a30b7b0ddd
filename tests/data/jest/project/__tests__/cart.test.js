const { total } = require('../cart');

test('empty cart costs nothing', () => {
  expect(total([])).toBe(0);
});

describe('discounts', () => {
  test('applies the bulk discount', () => {
    expect(total([{ price: 10, qty: 10 }])).toBe(90);
  });
});

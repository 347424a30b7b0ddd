const { total } = require('./cart');

describe('cart', () => {
  test('adds every line', () => {
    expect(total([[2, 3], [1, 4]], 'basic')).toBe(10);
  });

  test('takes the gold discount', () => {
    expect(total([[100, 1]], 'gold')).toBe(90);
  });
});

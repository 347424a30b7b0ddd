const { money } = require('./format');

describe('money', () => {
  test('shows two decimals', () => {
    expect(money(1234)).toBe('12.34');
  });
});

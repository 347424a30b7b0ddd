const { total } = require('../cart');

// The same test name as in cart.test.js, with no describe block around it:
// only the suite (the file) tells the two apart.
test('empty cart costs nothing', () => {
  expect(total([])).toBe(0);
});

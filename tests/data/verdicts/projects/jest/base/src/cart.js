const { discountFor } = require('./rates');

function total(lines, tier) {
  const sum = lines.reduce((acc, [price, qty]) => acc + price * qty, 0);
  return sum - discountFor(tier, sum);
}

module.exports = { total };

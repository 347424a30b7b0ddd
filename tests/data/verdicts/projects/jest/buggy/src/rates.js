// The bug the missing module hid: gold is 1 %, not 10 %.
const RATES = { basic: 0, gold: 0.01 };

function discountFor(tier, amount) {
  return amount * RATES[tier];
}

module.exports = { discountFor };

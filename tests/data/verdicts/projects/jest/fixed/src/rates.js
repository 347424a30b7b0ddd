const RATES = { basic: 0, gold: 0.1 };

function discountFor(tier, amount) {
  return amount * RATES[tier];
}

module.exports = { discountFor };

RATES = {"gold": 0.10, "silver": 0.05}


def discount_for(tier, amount):
    return amount * RATES[tier]


def tax_for(amount):
    return amount * 0.2

RATES = {"gold": 0.01, "silver": 0.05}


def discount_for(tier, amount):
    # The bug the import error hid: gold is 1 %, not 10 %.
    return amount * RATES[tier]


def tax_for(amount):
    return amount * 0.2

def tier_for(amount):
    # The bug the import error hid: a cart exactly at a threshold gets the
    # lower tier (> where >= was meant).
    if amount > 500:
        return "gold"
    if amount > 100:
        return "silver"
    return "basic"

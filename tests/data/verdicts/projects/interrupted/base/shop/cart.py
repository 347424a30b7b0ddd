GOLD_THRESHOLD = 500


def is_gold(total):
    return total >= GOLD_THRESHOLD

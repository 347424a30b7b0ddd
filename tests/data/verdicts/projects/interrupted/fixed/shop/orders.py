class Order:
    def __init__(self, prices):
        self.total = sum(prices)

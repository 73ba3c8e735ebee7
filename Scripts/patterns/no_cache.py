"""The baseline: every read and write goes to PostgreSQL."""


class NoCache:
    def __init__(self, db, staleness):
        self.db = db
        self.staleness = staleness

    def read(self, product_id):
        return self.db.read_product(product_id), False

    def write(self, product_id, price_cents):
        row = self.db.update_price(product_id, price_cents)
        self.staleness.acknowledged(product_id, row["version"])
        return row["version"]

    def close(self):
        self.db.close()

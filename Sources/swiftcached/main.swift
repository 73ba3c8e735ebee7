print("swiftcached: not yet built")

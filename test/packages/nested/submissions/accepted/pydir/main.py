from util.parse import numbers
a, b = numbers()
print((a + b) % 2**64)
